import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import {
  SchedulerModule,
  SchedulerService,
  Task,
  type SchedulerModuleOptions,
  type TaskContext,
  type TaskHandler,
} from 'nestjs-scheduler';
import { ManualClock } from '../utils/manual-clock.js';
import { bootApp, bootFailure, closeApps, nextEvents } from './nest-app.js';
import { RunLog, RunLogModule } from './run-log.js';

afterEach(closeApps);

const T0 = '2026-01-01T00:00:00.000Z';

@Task({ name: 'import', queue: 'imports' })
class ImportTask implements TaskHandler<{ file: string }> {
  constructor(private readonly log: RunLog) {}
  execute(payload: { file: string }, ctx: TaskContext): void {
    this.log.record('import', payload, ctx);
    if (payload.file === 'broken.csv') throw new Error('unreadable file');
  }
}

/** Runs until the test finishes it. */
@Task('hold')
class HoldTask implements TaskHandler {
  static readonly finishers: (() => void)[] = [];
  constructor(private readonly log: RunLog) {}
  execute(payload: unknown, ctx: TaskContext): Promise<void> {
    this.log.record('hold', payload, ctx);
    return new Promise((resolve) => HoldTask.finishers.push(resolve));
  }
}

describe('forRoot', () => {
  it('starts with no options at all: SchedulerModule.forRoot()', async () => {
    @Task('noop')
    class NoopTask implements TaskHandler {
      execute(): void {}
    }
    const app = await bootApp({ imports: [SchedulerModule.forRoot()], providers: [NoopTask] });
    const scheduler = app.get(SchedulerService);
    const completed = nextEvents(scheduler, (event) => event.type === 'completed');
    const id = await scheduler.enqueue(NoopTask);
    expect(await completed).toMatchObject([{ task: { id, queue: 'default' } }]);
    expect((await scheduler.getQueues()).map((q) => [q.name, q.workers, q.maxSize])).toEqual([
      ['default', 10, 1000],
    ]);
  });

  it('declares queues with their workers, size, timeout and retry policy', async () => {
    const clock = new ManualClock(T0);
    const app = await bootApp({
      imports: [
        SchedulerModule.forRoot({
          clock,
          logger: false,
          maxWorkers: 4,
          queueSize: 50,
          queues: {
            imports: {
              maxSize: 10,
              workers: 1,
              timeout: '30s',
              retryPolicy: { maxRetries: 2, delay: '5s', backoff: 'exponential' },
            },
          },
        }),
        RunLogModule,
      ],
      providers: [ImportTask],
    });
    const scheduler = app.get(SchedulerService);
    const log = app.get(RunLog);
    expect(
      (await scheduler.getQueues()).map(({ name, workers, maxSize, timeoutMs }) => ({
        name,
        workers,
        maxSize,
        timeoutMs,
      })),
    ).toEqual([
      { name: 'default', workers: 4, maxSize: 50, timeoutMs: null },
      { name: 'imports', workers: 1, maxSize: 10, timeoutMs: 30_000 },
    ]);

    const id = await scheduler.enqueue(ImportTask, { file: 'broken.csv' });
    expect(await scheduler.getTask(id)).toMatchObject({ queue: 'imports', maxRetries: 2 });
    await clock.advance(0);
    await clock.advance(5_000);
    await clock.advance(10_000);
    const started = log.runs.map((run) => Date.parse(run.scheduledAt) - Date.parse(T0));
    expect(started).toEqual([0, 5_000, 15_000]);
    expect(await scheduler.getTask(id)).toMatchObject({ status: 'failed', attempts: 3 });
  });

  it('runs no more tasks of a queue at once than its workers', async () => {
    const clock = new ManualClock(T0);
    const app = await bootApp({
      imports: [
        SchedulerModule.forRoot({ clock, logger: false, queues: { one: { workers: 1 } } }),
        RunLogModule,
      ],
      providers: [HoldTask],
    });
    const scheduler = app.get(SchedulerService);
    const log = app.get(RunLog);
    await scheduler.enqueueToQueue('one', HoldTask);
    await scheduler.enqueueToQueue('one', HoldTask);
    await clock.advance(1_000);
    expect(log.runs).toHaveLength(1);
    HoldTask.finishers.shift()!();
    await clock.advance(0);
    expect(log.runs).toHaveLength(2);
    HoldTask.finishers.shift()!();
  });
});

/** A stand-in for @nestjs/config: a provider that reads settings. */
@Injectable()
class ConfigLike {
  static readonly clock = new ManualClock(T0);
  private readonly values: Record<string, unknown> = {
    'scheduler.workers': 3,
    'scheduler.importWorkers': 2,
    'scheduler.node': 'config-node',
  };

  get<T>(key: string): T {
    return this.values[key] as T;
  }
}

@Module({ providers: [ConfigLike], exports: [ConfigLike] })
class ConfigLikeModule {}

/** An options factory class, as `useClass` takes. */
@Injectable()
class SchedulerConfig {
  constructor(private readonly config: ConfigLike) {}

  createSchedulerOptions(): SchedulerModuleOptions {
    return {
      clock: ConfigLike.clock,
      logger: false,
      nodeId: `${this.config.get<string>('scheduler.node')}-from-class`,
      maxWorkers: this.config.get<number>('scheduler.workers'),
      queues: { imports: { workers: this.config.get<number>('scheduler.importWorkers') } },
    };
  }
}

describe('forRootAsync', () => {
  it('takes its options from a factory with injected providers from imported modules', async () => {
    const app = await bootApp({
      imports: [
        SchedulerModule.forRootAsync({
          imports: [ConfigLikeModule],
          inject: [ConfigLike],
          useFactory: async (config: ConfigLike): Promise<SchedulerModuleOptions> => ({
            clock: ConfigLike.clock,
            logger: false,
            nodeId: config.get<string>('scheduler.node'),
            maxWorkers: config.get<number>('scheduler.workers'),
            queues: { imports: { workers: config.get<number>('scheduler.importWorkers') } },
          }),
        }),
        RunLogModule,
      ],
      providers: [ImportTask],
    });
    const scheduler = app.get(SchedulerService);
    expect(scheduler.nodeId).toBe('config-node');
    expect((await scheduler.getQueues()).map((q) => [q.name, q.workers])).toEqual([
      ['default', 3],
      ['imports', 2],
    ]);
    const id = await scheduler.enqueue(ImportTask, { file: 'a.csv' });
    await ConfigLike.clock.advance(0);
    expect(await scheduler.getTask(id)).toMatchObject({
      status: 'completed',
      nodeId: 'config-node',
    });
  });

  it('takes its options from a class with createSchedulerOptions() (useClass)', async () => {
    const app = await bootApp({
      imports: [
        SchedulerModule.forRootAsync({ imports: [ConfigLikeModule], useClass: SchedulerConfig }),
        RunLogModule,
      ],
      providers: [ImportTask],
    });
    const scheduler = app.get(SchedulerService);
    expect(scheduler.nodeId).toBe('config-node-from-class');
    expect((await scheduler.getQueues()).map((q) => [q.name, q.workers])).toEqual([
      ['default', 3],
      ['imports', 2],
    ]);
  });

  it('fails startup when the factory returns bad options, with the options error', async () => {
    const error = await bootFailure({
      imports: [
        SchedulerModule.forRootAsync({
          imports: [ConfigLikeModule],
          inject: [ConfigLike],
          useFactory: () => ({ logger: false as const, queues: { imports: { maxSize: 0 } } }),
        }),
      ],
    });
    expect(error).toMatchObject({ code: 'INVALID_QUEUE_CONFIG', queue: 'imports' });
  });
});

/** A feature that adds tasks through SchedulerService, without importing SchedulerModule. */
@Injectable()
class ImportsFeature {
  constructor(private readonly scheduler: SchedulerService) {}

  importFile(file: string): Promise<string> {
    return this.scheduler.enqueue(ImportTask, { file });
  }
}

@Module({ providers: [ImportsFeature, ImportTask], exports: [ImportsFeature] })
class ImportsModule {}

describe('isGlobal', () => {
  it('is global by default: a feature module injects SchedulerService without importing it', async () => {
    const clock = new ManualClock(T0);
    const app = await bootApp({
      imports: [
        SchedulerModule.forRoot({ clock, logger: false, queues: { imports: {} } }),
        RunLogModule,
        ImportsModule,
      ],
    });
    const id = await app.get(ImportsFeature).importFile('users.csv');
    await clock.advance(0);
    expect(app.get(RunLog).runs).toMatchObject([{ taskId: id, payload: { file: 'users.csv' } }]);
  });

  it('with isGlobal: false, only modules that import it can inject SchedulerService', async () => {
    const error = await bootFailure({
      imports: [
        SchedulerModule.forRoot({ logger: false, queues: { imports: {} }, isGlobal: false }),
        RunLogModule,
        ImportsModule,
      ],
    });
    expect(error.message).toContain('SchedulerService');
    expect(error.message).toContain('ImportsModule');
    await closeApps();

    const clock = new ManualClock(T0);
    const app = await bootApp({
      imports: [
        SchedulerModule.forRoot({ clock, logger: false, queues: { imports: {} }, isGlobal: false }),
        RunLogModule,
      ],
      providers: [ImportsFeature, ImportTask],
    });
    const id = await app.get(ImportsFeature).importFile('orders.csv');
    await clock.advance(0);
    expect(app.get(RunLog).runs).toMatchObject([{ taskId: id }]);
  });

  it('with isGlobal: false, still finds handlers in modules that do not import it', async () => {
    const clock = new ManualClock(T0);

    @Module({ imports: [SchedulerModule.forRoot({ clock, logger: false, isGlobal: false })] })
    class CoreModule {}

    @Task('audit')
    class AuditTask implements TaskHandler {
      constructor(private readonly log: RunLog) {}
      execute(payload: unknown, ctx: TaskContext): void {
        this.log.record('audit', payload, ctx);
      }
    }

    @Module({ providers: [AuditTask] })
    class AuditModule {}

    const app = await bootApp({ imports: [AuditModule, CoreModule, RunLogModule] });
    const scheduler = app.get(SchedulerService);
    await scheduler.enqueue('audit');
    await clock.advance(0);
    expect(app.get(RunLog).handlers).toEqual(['audit']);
  });
});
