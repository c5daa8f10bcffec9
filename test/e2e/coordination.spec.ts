/**
 * `coordination` in the module options: two applications sharing a
 * PostgreSQL store through the PostgreSQL coordinator behave as one, over
 * the store's own connection settings or an application's TypeORM
 * connection; a setup that cannot coordinate fails at startup, naming why.
 */
import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  SchedulerConfigurationError,
  SchedulerModule,
  SchedulerService,
  Task,
  type TaskContext,
  type TaskHandler,
} from 'nestjs-scheduler';
import { bootApp, bootFailure, closeApps } from './nest-app.js';
import { dropTables, POSTGRES_URL, uniquePrefix } from '../utils/sql-isolation.js';
import { until } from '../utils/wait.js';

afterEach(closeApps);

const REDIS_URL = process.env.SCHEDULER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const ran = new Set<string>();

@Task({ name: 'job', queue: 'q' })
class Job implements TaskHandler {
  execute(_payload: unknown, ctx: TaskContext): void {
    ran.add(ctx.taskId);
  }
}

describe('coordination: postgres', () => {
  it('lets an application run what another added, woken without polling', async () => {
    const tablePrefix = uniquePrefix('nestcoord');
    try {
      const options = (nodeId: string) =>
        SchedulerModule.forRoot({
          store: { type: 'postgres', url: POSTGRES_URL, tablePrefix },
          coordination: { type: 'postgres', pollInterval: '1m', lease: '10s' },
          nodeId,
          queues: { q: {} },
          logger: false,
        });
      const worker = await bootApp({ imports: [options('worker')], providers: [Job] });
      const adder = await bootApp({ imports: [options('adder')], providers: [Job] });
      const service = adder.get(SchedulerService);
      await service.pauseQueue('q');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const id = await service.enqueue('job', { n: 1 });
      await until(() => ran.has(id), 2_000, 'the worker application to run the task');
      expect(worker.get(SchedulerService).nodeId).toBe('worker');
      const task = await worker.get(SchedulerService).getTask(id);
      expect(task?.nodeId).toBe('worker');
    } finally {
      await closeApps();
      await dropTables('postgres', tablePrefix);
    }
  });

  it("uses the application's TypeORM connection settings", async () => {
    const tablePrefix = uniquePrefix('nestcoordorm');
    try {
      const app = await bootApp({
        imports: [
          TypeOrmModule.forRoot({ type: 'postgres', url: POSTGRES_URL }),
          SchedulerModule.forRoot({
            store: { type: 'typeorm', tablePrefix },
            coordination: { type: 'postgres' },
            queues: { q: {} },
            logger: false,
          }),
        ],
        providers: [Job],
      });
      const id = await app.get(SchedulerService).enqueue('job');
      await until(() => ran.has(id), 2_000, 'the task to run');
    } finally {
      await closeApps();
      await dropTables('postgres', tablePrefix);
    }
  });

  it.each([
    ['a memory store', { type: 'memory' } as const, /needs the store on PostgreSQL.*"memory"/],
    ['a SQLite store', { type: 'sqlite', database: ':memory:' } as const, /"sqlite"/],
  ])('refuses %s at startup, naming it', async (_what, store, message) => {
    const error = await bootFailure({
      imports: [SchedulerModule.forRoot({ store, coordination: { type: 'postgres' } })],
    });
    expect(error).toBeInstanceOf(SchedulerConfigurationError);
    expect(error.message).toMatch(message);
  });

  it('refuses an unknown coordination type and a bad poll interval', async () => {
    const unknown = await bootFailure({
      imports: [
        SchedulerModule.forRoot({
          coordination: { type: 'zookeeper' } as unknown as { type: 'local' },
        }),
      ],
    });
    expect(unknown.message).toMatch(/Unknown coordination type "zookeeper"/);
    const badPoll = await bootFailure({
      imports: [
        SchedulerModule.forRoot({
          store: { type: 'postgres', url: POSTGRES_URL },
          coordination: { type: 'postgres', pollInterval: 'soon' },
        }),
      ],
    });
    expect(badPoll.message).toMatch(/pollInterval/);
  });
});

describe('coordination: redis', () => {
  it('fires a cron schedule on one application only, over memory stores', async () => {
    const keyPrefix = `schedtest:${uniquePrefix('e2e')}:`;
    const fired: number[] = [];
    const apps = [];
    for (const nodeId of ['a', 'b']) {
      const app = await bootApp({
        imports: [
          SchedulerModule.forRoot({
            coordination: { type: 'redis', url: REDIS_URL, keyPrefix },
            nodeId,
            queues: { q: {} },
            logger: false,
          }),
        ],
        providers: [Job],
      });
      const service = app.get(SchedulerService);
      service.events$.subscribe((event) => {
        if (event.type === 'schedule-fired') fired.push(event.task.scheduledAt.getTime());
      });
      await service.addCronJob('* * * * * *', 'job', null, { id: 'tick' });
      apps.push(app);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    expect(fired.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fired).size).toBe(fired.length);
  });

  it('refuses a bad key prefix, naming it', async () => {
    const error = await bootFailure({
      imports: [
        SchedulerModule.forRoot({
          coordination: { type: 'redis', url: REDIS_URL, keyPrefix: 'has space' },
        }),
      ],
    });
    expect(error.message).toMatch(/Invalid coordination.keyPrefix "has space"/);
  });
});
