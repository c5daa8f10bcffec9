/**
 * The SQL stores through the Nest module: configured in forRoot and from
 * ConfigService in forRootAsync, on a connection of the scheduler's own or on
 * the application's TypeOrmModule connection; tasks and runtime schedules
 * outlive the application; bad store options fail the start, named.
 */
import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import {
  Cron,
  InvalidArgumentError,
  Recurring,
  SchedulerConfigurationError,
  SchedulerModule,
  SchedulerService,
  Task,
  type StoreOptions,
  type TaskHandler,
} from 'nestjs-scheduler';
import type { DataSource } from 'typeorm';
import { bootApp, bootFailure, closeApps, completionOf, RecordingLogger } from './nest-app.js';
import { isolatedPostgres, isolatedSqliteFile, postgresAdmin } from '../utils/sql-isolation.js';

const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await closeApps();
  for (const drop of drops.splice(0)) await drop();
});

@Task('durable-job')
class DurableJob implements TaskHandler<{ n: number }> {
  execute(): void {}
}

// One deploy of an application and the next: the nightly schedule changes, the hourly one is removed.
@Task('nightly-task')
@Cron('0 3 * * *', { name: 'nightly', payload: { report: 'short' } })
class NightlyV1 implements TaskHandler {
  execute(): void {}
}

@Task('hourly-task')
@Recurring('1h', { name: 'hourly' })
class Hourly implements TaskHandler {
  execute(): void {}
}

@Task('nightly-task')
@Cron('30 4 * * *', { name: 'nightly', timeZone: 'Europe/Paris', payload: { report: 'full' } })
class NightlyV2 implements TaskHandler {
  execute(): void {}
}

const sqliteFile = (): StoreOptions => {
  const db = isolatedSqliteFile();
  drops.push(db.drop);
  return db.options;
};

describe('SchedulerModule on a SQL store', () => {
  it('keeps pending tasks and runtime schedules across a restart of the application', async () => {
    const store = sqliteFile();
    const first = await bootApp({
      imports: [SchedulerModule.forRoot({ store })],
      providers: [DurableJob],
    });
    const scheduler = first.get(SchedulerService);
    const id = await scheduler.addDelayedJob('1h', DurableJob, { n: 1 });
    await scheduler.addCronJob('0 3 * * *', DurableJob, { n: 2 }, { id: 'nightly' });
    await closeApps();

    const second = await bootApp({
      imports: [SchedulerModule.forRoot({ store })],
      providers: [DurableJob],
    });
    const again = second.get(SchedulerService);
    expect(await again.getTask(id)).toMatchObject({ id, status: 'pending', payload: { n: 1 } });
    expect((await again.getSchedules()).map((schedule) => schedule.id)).toEqual(['nightly']);
  });

  it('reconciles decorator schedules with the stored ones at each start, never duplicating them', async () => {
    const store = sqliteFile();
    const first = await bootApp({
      imports: [SchedulerModule.forRoot({ store })],
      providers: [NightlyV1, Hourly],
    });
    await first.get(SchedulerService).addCronJob('0 12 * * *', 'hourly-task', null, { id: 'noon' });
    await closeApps();
    // The same deploy again: nothing changes, nothing is added twice.
    const same = await bootApp({
      imports: [SchedulerModule.forRoot({ store })],
      providers: [NightlyV1, Hourly],
    });
    const before = await same.get(SchedulerService).getSchedules();
    expect(before.map((schedule) => schedule.id).sort()).toEqual(['hourly', 'nightly', 'noon']);
    await closeApps();

    const next = await bootApp({
      imports: [SchedulerModule.forRoot({ store })],
      // Hourly's class is gone from this deploy; the API schedule 'noon' names a task it still has.
      providers: [NightlyV2, DurableJob],
    });
    const after = await next.get(SchedulerService).getSchedules();
    expect(after.map((schedule) => schedule.id).sort()).toEqual(['nightly', 'noon']);
    expect(after.find((schedule) => schedule.id === 'nightly')).toMatchObject({
      expression: '30 4 * * *',
      timeZone: 'Europe/Paris',
      payload: { report: 'full' },
    });
  });

  it('keeps a stored task whose handler is gone pending, warns naming it, and counts it orphaned', async () => {
    const store = sqliteFile();
    const first = await bootApp({
      imports: [SchedulerModule.forRoot({ store })],
      providers: [DurableJob],
    });
    const id = await first.get(SchedulerService).addDelayedJob('1s', DurableJob, { n: 6 });
    await closeApps();

    const logger = new RecordingLogger();
    const second = await bootApp({ imports: [SchedulerModule.forRoot({ store, logger })] });
    const scheduler = second.get(SchedulerService);
    expect(logger.messages('warn').join('\n')).toContain('durable-job');
    expect((await scheduler.getStats()).orphaned).toBe(1);
    await new Promise((wait) => setTimeout(wait, 1_200));
    expect(await scheduler.getTask(id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('takes its store options from ConfigService in forRootAsync', async () => {
    const db = isolatedSqliteFile();
    drops.push(db.drop);
    const app = await bootApp({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ SCHEDULER_DB: db.file })] }),
        SchedulerModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            store: { type: 'sqlite', database: config.getOrThrow<string>('SCHEDULER_DB') },
          }),
        }),
      ],
      providers: [DurableJob],
    });
    const scheduler = app.get(SchedulerService);
    const done = completionOf(scheduler, 'job-3');
    await scheduler.enqueue(DurableJob, { n: 3 }, { id: 'job-3' });
    expect((await done).status).toBe('completed');
    const raw = await import('better-sqlite3');
    const check = new raw.default(db.file, { readonly: true });
    try {
      expect(check.prepare('SELECT COUNT(*) AS n FROM scheduler_tasks').get()).toEqual({ n: 1 });
    } finally {
      check.close();
    }
  });

  it("uses the application's TypeOrmModule connection and opens none of its own", async () => {
    const pg = isolatedPostgres();
    drops.push(pg.drop);
    await postgresAdmin(`CREATE SCHEMA IF NOT EXISTS "${pg.schema}"`);
    const app = await bootApp({
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: pg.options.url,
          schema: pg.schema,
          applicationName: 'the-application',
        }),
        SchedulerModule.forRoot({ store: { type: 'typeorm' } }),
      ],
      providers: [DurableJob],
    });
    const scheduler = app.get(SchedulerService);
    const done = completionOf(scheduler, 'job-4');
    const id = await scheduler.enqueue(DurableJob, { n: 4 }, { id: 'job-4' });
    expect((await done).status).toBe('completed');
    const dataSource = app.get<DataSource>(getDataSourceToken());
    const rows = (await dataSource.query(
      `SELECT status FROM "${pg.schema}".scheduler_tasks WHERE id = $1`,
      [id],
    )) as { status: string }[];
    expect(rows).toEqual([{ status: 'completed' }]);
    const [{ own }] = (await dataSource.query(
      "SELECT COUNT(*)::int AS own FROM pg_stat_activity WHERE application_name = 'nestjs-scheduler'",
    )) as { own: number }[];
    expect(own).toBe(0);
  });

  it('uses a named TypeOrmModule connection', async () => {
    const db = isolatedSqliteFile();
    drops.push(db.drop);
    const app = await bootApp({
      imports: [
        TypeOrmModule.forRoot({ name: 'jobs', type: 'better-sqlite3', database: db.file }),
        SchedulerModule.forRoot({
          store: { type: 'typeorm', connection: 'jobs', tablePrefix: 'jobs_' },
        }),
      ],
      providers: [DurableJob],
    });
    const scheduler = app.get(SchedulerService);
    const id = await scheduler.addDelayedJob('1h', DurableJob, { n: 5 });
    const dataSource = app.get<DataSource>(getDataSourceToken('jobs'));
    expect(await dataSource.query('SELECT id FROM jobs_tasks')).toEqual([{ id }]);
  });

  it('fails the start naming a TypeOrmModule connection the application does not have', async () => {
    const error = await bootFailure({
      imports: [SchedulerModule.forRoot({ store: { type: 'typeorm', connection: 'missing' } })],
    });
    expect(error).toBeInstanceOf(SchedulerConfigurationError);
    expect(error.message).toContain('"missing"');
  });

  it('refuses bad store options when the application is created, naming the option', async () => {
    const prefix = await bootFailure({
      imports: [
        SchedulerModule.forRoot({
          store: { type: 'sqlite', database: ':memory:', tablePrefix: 'bad prefix;' },
        }),
      ],
    });
    expect(prefix).toBeInstanceOf(InvalidArgumentError);
    expect(prefix.message).toContain('"bad prefix;"');

    const type = await bootFailure({
      imports: [SchedulerModule.forRoot({ store: { type: 'redis' } as unknown as StoreOptions })],
    });
    expect(type).toBeInstanceOf(SchedulerConfigurationError);
    expect(type.message).toContain('"redis"');
  });
});
