import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Recurring,
  SchedulerModule,
  SchedulerService,
  SchedulerShutdownError,
  Task,
  type SchedulerEvent,
  type TaskContext,
  type TaskHandler,
} from 'nestjs-scheduler';
import { ManualClock } from '../utils/manual-clock.js';
import { bootApp, closeApps, settle } from './nest-app.js';
import { RunLog, RunLogModule } from './run-log.js';

afterEach(closeApps);

const T0 = '2026-01-01T00:00:00.000Z';

/** Starts `promise` and reports whether it has settled. */
function watch(promise: Promise<unknown>) {
  const state = { done: false, promise };
  void promise.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
}

/**
 * A database client that disconnects at application shutdown, as TypeORM's
 * module does (Nest destroys user modules before the global scheduler
 * module, so a client closed in onModuleDestroy would be gone during the drain).
 */
@Injectable()
class Db implements OnApplicationShutdown {
  connected = true;

  query(sql: string): string {
    if (!this.connected) throw new Error('database client is disconnected');
    return `ok: ${sql}`;
  }

  onApplicationShutdown(): void {
    this.connected = false;
  }
}

@Module({ providers: [Db], exports: [Db] })
class DbModule {}

/** Runs until the test calls `finish()` (or its signal aborts), then queries the database. */
@Task('report')
class ReportTask implements TaskHandler {
  static finish: () => void = () => undefined;
  constructor(
    private readonly log: RunLog,
    private readonly db: Db,
  ) {}

  async execute(payload: unknown, ctx: TaskContext): Promise<void> {
    this.log.record('report', payload, ctx);
    await new Promise<void>((resolve, reject) => {
      ReportTask.finish = resolve;
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
    });
    if ((payload as { query?: boolean } | null)?.query) {
      this.log.record('report-query', this.db.query('select 1'), ctx);
    }
  }
}

@Recurring('1m')
class TickTask implements TaskHandler {
  constructor(private readonly log: RunLog) {}
  execute(payload: unknown, ctx: TaskContext): void {
    this.log.record('tick', payload, ctx);
  }
}

function schedulerModule(clock: ManualClock, shutdownTimeout = '30s') {
  return SchedulerModule.forRoot({ clock, logger: false, shutdownTimeout });
}

describe('bootstrap', () => {
  it('starts schedules only when the application initialises', async () => {
    const clock = new ManualClock(T0);
    const moduleRef = await Test.createTestingModule({
      imports: [schedulerModule(clock), RunLogModule],
      providers: [TickTask],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await clock.advance(5 * 60_000);
    expect(app.get(RunLog).runs).toEqual([]);
    await app.init();
    try {
      await clock.advance(2 * 60_000);
      expect(app.get(RunLog).runs.map((run) => run.scheduledAt)).toEqual([
        '2026-01-01T00:06:00.000Z',
        '2026-01-01T00:07:00.000Z',
      ]);
    } finally {
      await app.close();
    }
  });

  @Injectable()
  class EarlyJobs implements OnModuleInit, OnApplicationBootstrap {
    ids: string[] = [];
    constructor(private readonly scheduler: SchedulerService) {}

    async onModuleInit(): Promise<void> {
      this.scheduler.createQueue('late');
      this.ids.push(await this.scheduler.enqueue(TickTask, { from: 'onModuleInit' }));
      this.ids.push(await this.scheduler.addRecurringJob('30s', 'report-ping', null, { id: 'p' }));
    }

    async onApplicationBootstrap(): Promise<void> {
      this.ids.push(await this.scheduler.addDelayedJob('10s', TickTask, { from: 'bootstrap' }));
    }
  }

  @Task({ name: 'report-ping', queue: 'late' })
  class PingTask implements TaskHandler {
    constructor(private readonly log: RunLog) {}
    execute(payload: unknown, ctx: TaskContext): void {
      this.log.record('ping', payload, ctx);
    }
  }

  @Module({ providers: [EarlyJobs, PingTask] })
  class JobsModule {}

  it("accepts adds in a user provider's onModuleInit and onApplicationBootstrap", async () => {
    const clock = new ManualClock(T0);
    const app = await bootApp({
      imports: [JobsModule, schedulerModule(clock), RunLogModule],
      providers: [TickTask],
    });
    const log = app.get(RunLog);
    await clock.advance(0);
    expect(log.runs).toMatchObject([{ handler: 'tick', payload: { from: 'onModuleInit' } }]);
    await clock.advance(30_000);
    expect(log.handlers).toEqual(['tick', 'tick', 'ping']);
    expect(log.runs[1]).toMatchObject({ payload: { from: 'bootstrap' } });
    expect(log.runs[2]).toMatchObject({ queue: 'late', scheduleId: 'p' });
  });

  it('accepts adds in onModuleInit when the scheduler is not global, but re-exported', async () => {
    const clock = new ManualClock(T0);

    @Module({
      imports: [SchedulerModule.forRoot({ clock, logger: false, isGlobal: false })],
      exports: [SchedulerModule],
    })
    class CoreModule {}

    @Module({ imports: [CoreModule], providers: [EarlyJobs, PingTask] })
    class LocalJobsModule {}

    const app = await bootApp({
      imports: [LocalJobsModule, CoreModule, RunLogModule],
      providers: [TickTask],
    });
    await clock.advance(30_000);
    expect(app.get(RunLog).handlers).toEqual(['tick', 'tick', 'ping']);
  });

  it('accepts a @Task queue that a provider creates in onModuleInit', async () => {
    const clock = new ManualClock(T0);
    const app = await bootApp({
      imports: [schedulerModule(clock), RunLogModule, JobsModule],
      providers: [TickTask],
    });
    const id = await app.get(SchedulerService).enqueue(PingTask, { n: 1 });
    await clock.advance(0);
    expect(app.get(RunLog).of('ping')).toMatchObject([{ taskId: id, queue: 'late' }]);
  });
});

describe('app.close()', () => {
  async function startWithRunningReport(shutdownTimeout?: string, payload?: unknown) {
    const clock = new ManualClock(T0);
    const app = await bootApp({
      imports: [schedulerModule(clock, shutdownTimeout), RunLogModule, DbModule],
      providers: [ReportTask, TickTask],
    });
    const scheduler = app.get(SchedulerService);
    const events: SchedulerEvent[] = [];
    scheduler.events$.subscribe((event) => events.push(event));
    const id = await scheduler.enqueue(ReportTask, payload);
    await clock.advance(0);
    expect(app.get(RunLog).handlers).toEqual(['report']);
    return { app, clock, scheduler, log: app.get(RunLog), events, id };
  }

  it('waits for a running task to finish before it resolves', async () => {
    const { app, clock, log, events, id } = await startWithRunningReport();
    const closing = watch(app.close());
    await clock.advance(20_000);
    expect(closing.done).toBe(false);
    expect(log.runs[0]!.signal.aborted).toBe(false);
    ReportTask.finish();
    await settle();
    await closing.promise;
    expect(
      events.filter((e) => e.type === 'completed').map((e) => 'task' in e && e.task.id),
    ).toEqual([id]);
  });

  it('drains before providers close in onApplicationShutdown, so running tasks can use them', async () => {
    const { app, log } = await startWithRunningReport(undefined, { query: true });
    const closing = app.close();
    await settle();
    ReportTask.finish();
    await closing;
    expect(log.of('report-query')).toMatchObject([{ payload: 'ok: select 1' }]);
  });

  it('aborts a task still running after shutdownTimeout, then resolves', async () => {
    const { app, clock, log } = await startWithRunningReport('5s');
    const closing = watch(app.close());
    await clock.advance(4_999);
    expect(closing.done).toBe(false);
    await clock.advance(1);
    await closing.promise;
    expect(log.runs[0]!.signal.reason).toBeInstanceOf(SchedulerShutdownError);
  });

  it('runs nothing more once closed, and refuses adds', async () => {
    const { app, clock, log, scheduler } = await startWithRunningReport();
    const closing = app.close();
    await settle();
    ReportTask.finish();
    await closing;
    const before = log.runs.length;
    await clock.advance(10 * 60_000);
    expect(log.runs).toHaveLength(before);
    expect(log.of('tick')).toEqual([]);
    await expect(scheduler.enqueue(TickTask)).rejects.toMatchObject({
      code: 'SCHEDULER_STOPPED',
    });
  });
});
