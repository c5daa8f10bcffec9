import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Injectable, Module, type Provider, type Type } from '@nestjs/common';
import {
  Cron,
  Delayed,
  Recurring,
  SchedulerModule,
  SchedulerService,
  Task,
  TaskTimeoutError,
  type SchedulerModuleOptions,
  type TaskContext,
  type TaskHandler,
} from 'nestjs-scheduler';
import { ManualClock } from '../utils/manual-clock.js';
import { bootApp, closeApps, completionOf, RecordingLogger } from './nest-app.js';
import { RunLog, RunLogModule } from './run-log.js';

afterEach(closeApps);

const T0 = '2026-01-01T00:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

@Injectable()
class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

/** Boots an application with the given handlers on a manual clock starting at T0. */
async function start(
  providers: Provider[],
  { imports = [], options = {} }: { imports?: Type[]; options?: SchedulerModuleOptions } = {},
) {
  const clock = new ManualClock(T0);
  const logger = new RecordingLogger();
  const app = await bootApp({
    imports: [
      SchedulerModule.forRoot({ clock, logger, queues: { mail: {} }, ...options }),
      RunLogModule,
      ...imports,
    ],
    providers: [Greeter, ...providers],
  });
  const scheduler = app.get(SchedulerService);
  const log = app.get(RunLog);
  // Lets bootstrap work (store writes, startup runs) settle without moving time.
  await clock.advance(0);
  return { app, clock, logger, scheduler, log };
}

describe('class handlers', () => {
  @Task({ name: 'email', queue: 'mail', priority: 5, retries: 2, timeout: '10s' })
  class EmailTask implements TaskHandler<{ to: string }> {
    constructor(
      private readonly greeter: Greeter,
      private readonly log: RunLog,
    ) {}

    async execute(payload: { to: string }, ctx: TaskContext): Promise<void> {
      const run = this.log.record('email', payload, ctx, this.greeter.greet(payload.to));
      if (payload.to === 'slow') {
        await new Promise((_, reject) =>
          run.signal.addEventListener('abort', () => reject(run.signal.reason)),
        );
      }
      ctx.logger.log(`sent to ${payload.to}`);
    }
  }

  it('runs a @Task class added by class, with its constructor-injected dependencies', async () => {
    const { scheduler, log, clock } = await start([EmailTask]);
    const id = await scheduler.enqueue(EmailTask, { to: 'ada' });
    const done = completionOf(scheduler, id);
    await clock.advance(0);
    expect(await done).toMatchObject({ id, name: 'email', status: 'completed', attempts: 1 });
    expect(log.runs).toMatchObject([
      { handler: 'email', payload: { to: 'ada' }, note: 'hello ada' },
    ]);
  });

  it('gives its tasks the queue, priority, retries and timeout of @Task', async () => {
    const { scheduler, log, clock } = await start([EmailTask]);
    const id = await scheduler.enqueue('email', { to: 'slow' });
    expect(await scheduler.getTask(id)).toMatchObject({
      name: 'email',
      queue: 'mail',
      priority: 5,
      maxRetries: 2,
    });
    await clock.advance(0);
    expect(log.runs).toHaveLength(1);
    await clock.advance(9_999);
    expect(log.runs[0]!.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(log.runs[0]!.signal.reason).toBeInstanceOf(TaskTimeoutError);
    expect(await scheduler.getTask(id)).toMatchObject({
      status: 'retrying',
      error: expect.stringContaining('timed out after 10000 ms'),
    });
  });

  it('hands execute a context with taskId, name, queue, attempt, scheduledAt, scheduleId, signal and logger', async () => {
    const { scheduler, log, clock, logger } = await start([EmailTask]);
    await clock.advance(1_000);
    const id = await scheduler.addDelayedJob('2s', EmailTask, { to: 'bob' });
    await clock.advance(2_000);
    const [run] = log.runs;
    expect(run).toMatchObject({
      taskId: id,
      name: 'email',
      queue: 'mail',
      attempt: 1,
      scheduledAt: at(3_000),
      scheduleId: null,
    });
    expect(run!.signal).toBeInstanceOf(AbortSignal);
    expect(run!.signal.aborted).toBe(false);
    expect(logger.messages('log')).toContain(`task email ${id} attempt 1: sent to bob`);
  });

  @Cron('*/5 * * * *', { payload: { table: 'logs', days: 30 } })
  class CleanupTask implements TaskHandler<{ table: string; days: number }> {
    constructor(private readonly log: RunLog) {}
    execute(payload: { table: string; days: number }, ctx: TaskContext): void {
      this.log.record('cleanup', payload, ctx);
    }
  }

  it('runs @Cron on a class through its execute, with the declared payload, at each fire', async () => {
    const { log, clock, scheduler } = await start([CleanupTask]);
    expect(await scheduler.getSchedules()).toMatchObject([
      { id: 'CleanupTask', kind: 'cron', expression: '*/5 * * * *', taskName: 'CleanupTask' },
    ]);
    await clock.advance(5 * 60_000 - 1);
    expect(log.runs).toEqual([]);
    await clock.advance(1);
    await clock.advance(5 * 60_000);
    expect(log.runs).toMatchObject([
      {
        payload: { table: 'logs', days: 30 },
        name: 'CleanupTask',
        scheduleId: 'CleanupTask',
        scheduledAt: at(5 * 60_000),
      },
      { payload: { table: 'logs', days: 30 }, scheduledAt: at(10 * 60_000) },
    ]);
  });

  @Recurring('30s', { payload: { service: 'db' } })
  class PingTask implements TaskHandler<{ service: string }> {
    constructor(private readonly log: RunLog) {}
    execute(payload: { service: string }, ctx: TaskContext): void {
      this.log.record('ping', payload, ctx);
    }
  }

  @Delayed('5m', { payload: { reason: 'warm' } })
  class WarmUpTask implements TaskHandler<{ reason: string }> {
    constructor(private readonly log: RunLog) {}
    execute(payload: { reason: string }, ctx: TaskContext): void {
      this.log.record('warm-up', payload, ctx);
    }
  }

  it('runs @Recurring on a class every interval from startup, with its payload', async () => {
    const { log, clock } = await start([PingTask]);
    await clock.advance(29_999);
    expect(log.runs).toEqual([]);
    await clock.advance(1);
    await clock.advance(60_000);
    expect(log.runs.map((run) => [run.scheduledAt, run.payload, run.scheduleId])).toEqual([
      [at(30_000), { service: 'db' }, 'PingTask'],
      [at(60_000), { service: 'db' }, 'PingTask'],
      [at(90_000), { service: 'db' }, 'PingTask'],
    ]);
  });

  it('runs @Delayed on a class once, the delay after startup, with its payload', async () => {
    const { log, clock, scheduler } = await start([WarmUpTask]);
    await clock.advance(5 * 60_000 - 1);
    expect(log.runs).toEqual([]);
    await clock.advance(1);
    await clock.advance(60 * 60_000);
    expect(log.runs).toMatchObject([
      { handler: 'warm-up', payload: { reason: 'warm' }, scheduledAt: at(5 * 60_000) },
    ]);
    expect(await scheduler.getSchedules()).toEqual([]);
  });
});

describe('method handlers', () => {
  @Injectable()
  class ReportService {
    constructor(
      private readonly log: RunLog,
      private readonly greeter: Greeter,
    ) {}

    @Cron('0 * * * *', { payload: { kind: 'hourly' } })
    hourly(payload: unknown, ctx: TaskContext): void {
      this.log.record('hourly', payload, ctx, this.greeter.greet('cron'));
    }

    @Recurring('30s')
    healthCheck(payload: unknown, ctx: TaskContext): void {
      this.log.record('healthCheck', payload, ctx);
    }

    @Delayed('5m')
    warmUp(payload: unknown, ctx: TaskContext): void {
      this.log.record('warmUp', payload, ctx);
    }

    @Task()
    rebuild(payload: { full: boolean }, ctx: TaskContext): void {
      this.log.record('rebuild', payload, ctx, this.greeter.greet('task'));
    }

    @Task({ name: 'purge', queue: 'mail', priority: 3, retries: 4 })
    purgeEverything(payload: unknown, ctx: TaskContext): void {
      this.log.record('purge', payload, ctx);
    }

    notATask(): string {
      return 'untouched';
    }
  }

  it('registers decorated methods of an @Injectable under Class.method, or their @Task name', async () => {
    const { scheduler, log, clock } = await start([ReportService]);
    const ids = [
      await scheduler.enqueue('ReportService.rebuild', { full: true }),
      await scheduler.enqueue('purge'),
      await scheduler.enqueue('ReportService.hourly'),
      await scheduler.enqueue('ReportService.healthCheck'),
      await scheduler.enqueue('ReportService.warmUp'),
    ];
    await clock.advance(0);
    expect(log.handlers.sort()).toEqual(['healthCheck', 'hourly', 'purge', 'rebuild', 'warmUp']);
    expect(log.of('rebuild')[0]).toMatchObject({
      payload: { full: true },
      name: 'ReportService.rebuild',
      queue: 'default',
      note: 'hello task',
    });
    expect(await scheduler.getTask(ids[1]!)).toMatchObject({
      name: 'purge',
      queue: 'mail',
      priority: 3,
      maxRetries: 4,
    });
    await expect(scheduler.enqueue('ReportService.notATask')).rejects.toMatchObject({
      code: 'UNKNOWN_TASK',
    });
  });

  it('runs @Cron, @Recurring and @Delayed methods with `this` bound to the provider', async () => {
    const { scheduler, log, clock } = await start([ReportService]);
    expect((await scheduler.getSchedules()).map((s) => [s.id, s.kind, s.taskName]).sort()).toEqual([
      ['ReportService.healthCheck', 'recurring', 'ReportService.healthCheck'],
      ['ReportService.hourly', 'cron', 'ReportService.hourly'],
    ]);
    await clock.advance(60 * 60_000);
    expect(log.of('healthCheck')).toHaveLength(120);
    expect(log.of('warmUp')).toMatchObject([{ scheduledAt: at(5 * 60_000), scheduleId: null }]);
    expect(log.of('hourly')).toMatchObject([
      {
        payload: { kind: 'hourly' },
        scheduledAt: at(60 * 60_000),
        scheduleId: 'ReportService.hourly',
        note: 'hello cron',
      },
    ]);
  });
});

describe('discovery across modules', () => {
  @Task()
  class AuditTask implements TaskHandler {
    constructor(private readonly log: RunLog) {}
    execute(payload: unknown, ctx: TaskContext): void {
      this.log.record('audit', payload, ctx);
    }
  }

  @Injectable()
  class BillingService {
    constructor(private readonly log: RunLog) {}
    @Recurring('1m')
    invoice(payload: unknown, ctx: TaskContext): void {
      this.log.record('invoice', payload, ctx);
    }
  }

  @Module({ providers: [BillingService] })
  class BillingModule {}

  @Module({ imports: [BillingModule], providers: [AuditTask] })
  class AuditModule {}

  @Controller('status')
  class StatusController {
    constructor(private readonly log: RunLog) {}
    @Task('status-refresh')
    refresh(payload: unknown, ctx: TaskContext): void {
      this.log.record('status', payload, ctx);
    }
  }

  @Module({ controllers: [StatusController] })
  class StatusModule {}

  it('finds handlers in feature modules and their imports, not only in the root module', async () => {
    const { scheduler, log, clock } = await start([], { imports: [AuditModule] });
    await scheduler.enqueue(AuditTask, { who: 'ada' });
    await clock.advance(60_000);
    expect(log.handlers.sort()).toEqual(['audit', 'invoice']);
    expect(log.of('audit')[0]).toMatchObject({ name: 'AuditTask', payload: { who: 'ada' } });
    expect(log.of('invoice')[0]).toMatchObject({ name: 'BillingService.invoice' });
  });

  it('finds handlers provided under another token with useClass or useValue', async () => {
    const { scheduler, log, clock } = await start([
      { provide: 'AUDIT', useClass: AuditTask },
      { provide: 'BILLING', useValue: new BillingService(new RunLog()) },
    ]);
    await scheduler.enqueue(AuditTask, { n: 1 });
    await scheduler.enqueue('BillingService.invoice');
    await clock.advance(0);
    expect(log.runs).toMatchObject([{ handler: 'audit', payload: { n: 1 } }]);
    expect((await scheduler.getSchedules()).map((s) => s.id)).toEqual(['BillingService.invoice']);
  });

  it('registers a handler once when it is also provided under an alias (useExisting)', async () => {
    const { scheduler, log, clock } = await start([
      AuditTask,
      { provide: 'AUDIT', useExisting: AuditTask },
    ]);
    await scheduler.enqueue(AuditTask);
    await clock.advance(0);
    expect(log.handlers).toEqual(['audit']);
  });

  it('finds decorated methods of controllers', async () => {
    const { scheduler, log, clock } = await start([], { imports: [StatusModule] });
    await scheduler.enqueue('status-refresh');
    await clock.advance(0);
    expect(log.of('status')).toMatchObject([{ name: 'status-refresh' }]);
  });
});

describe('task names and schedule ids', () => {
  @Recurring('1m', { name: 'heartbeat' })
  class HeartbeatTask implements TaskHandler {
    constructor(private readonly log: RunLog) {}
    execute(payload: unknown, ctx: TaskContext): void {
      this.log.record('heartbeat', payload, ctx);
    }
  }

  @Task({ name: 'report' })
  @Cron('0 9 * * 1', { name: 'weekly-report', payload: { type: 'weekly' } })
  class ReportTask implements TaskHandler {
    constructor(private readonly log: RunLog) {}
    execute(payload: unknown, ctx: TaskContext): void {
      this.log.record('report', payload, ctx);
    }
  }

  @Task({ priority: 1 })
  @Recurring('1h', { name: 'nightly-digest' })
  class DigestTask implements TaskHandler {
    execute(): void {}
  }

  it("names a task after its class-level schedule's name when it has no @Task", async () => {
    const { scheduler, log, clock } = await start([HeartbeatTask]);
    expect(await scheduler.getSchedules()).toMatchObject([
      { id: 'heartbeat', taskName: 'heartbeat' },
    ]);
    const byClass = await scheduler.enqueue(HeartbeatTask);
    const byName = await scheduler.enqueue('heartbeat');
    await clock.advance(60_000);
    expect(log.runs.map((run) => run.taskId)).toEqual([byClass, byName, expect.any(String)]);
    expect(log.runs.map((run) => [run.name, run.scheduleId])).toEqual([
      ['heartbeat', null],
      ['heartbeat', null],
      ['heartbeat', 'heartbeat'],
    ]);
    await expect(scheduler.enqueue('HeartbeatTask')).rejects.toMatchObject({
      code: 'UNKNOWN_TASK',
    });
  });

  it("takes the task name from @Task and the schedule id from the schedule's name", async () => {
    const { scheduler } = await start([ReportTask]);
    expect(await scheduler.getSchedules()).toMatchObject([
      { id: 'weekly-report', taskName: 'report', payload: { type: 'weekly' } },
    ]);
    expect((await scheduler.getTask(await scheduler.enqueue(ReportTask)))?.name).toBe('report');
  });

  it('names a task after its class when @Task gives no name, even if its schedule has one', async () => {
    const { scheduler } = await start([DigestTask]);
    expect(await scheduler.getSchedules()).toMatchObject([
      { id: 'nightly-digest', taskName: 'DigestTask', priority: 1 },
    ]);
    expect((await scheduler.getTask(await scheduler.enqueue(DigestTask)))?.name).toBe('DigestTask');
  });

  @Injectable()
  class NotificationService {
    constructor(private readonly log: RunLog) {}

    @Cron('*/10 * * * *', { name: 'notifications' })
    send(payload: unknown, ctx: TaskContext): void {
      this.log.record('notifications', payload, ctx);
    }
  }

  it("names a method's task and schedule after its schedule's name when it has no @Task", async () => {
    const { scheduler, log, clock } = await start([NotificationService]);
    expect(await scheduler.getSchedules()).toMatchObject([
      { id: 'notifications', taskName: 'notifications' },
    ]);
    await clock.advance(10 * 60_000);
    expect(log.runs).toMatchObject([{ name: 'notifications', scheduleId: 'notifications' }]);
  });

  @Injectable()
  class StackedService {
    constructor(private readonly log: RunLog) {}

    @Recurring('10m')
    @Recurring('15m', { payload: { n: 2 } })
    @Recurring('20m', { name: 'every-20', payload: { n: 3 } })
    @Cron('0 * * * *', { payload: { n: 4 } })
    stacked(payload: unknown, ctx: TaskContext): void {
      this.log.record('stacked', payload, ctx);
    }

    @Recurring('1m', { enabled: false })
    @Cron('* * * * *', { enabled: false })
    @Delayed('1m', { enabled: false })
    @Task('dormant')
    dormant(payload: unknown, ctx: TaskContext): void {
      this.log.record('dormant', payload, ctx);
    }
  }

  it('gives stacked schedules the task name as id, then :2, :3 for further unnamed ones', async () => {
    const { scheduler, log, clock } = await start([StackedService]);
    const schedules = await scheduler.getSchedules();
    expect(schedules.map((s) => [s.id, s.kind, s.taskName, s.payload]).sort()).toEqual([
      ['StackedService.stacked', 'recurring', 'StackedService.stacked', null],
      ['StackedService.stacked:2', 'recurring', 'StackedService.stacked', { n: 2 }],
      ['StackedService.stacked:3', 'cron', 'StackedService.stacked', { n: 4 }],
      ['every-20', 'recurring', 'StackedService.stacked', { n: 3 }],
    ]);
    await clock.advance(60 * 60_000);
    const fired = (id: string) => log.runs.filter((run) => run.scheduleId === id).length;
    expect(fired('StackedService.stacked')).toBe(6);
    expect(fired('StackedService.stacked:2')).toBe(4);
    expect(fired('every-20')).toBe(3);
    expect(fired('StackedService.stacked:3')).toBe(1);
  });

  it('does not schedule a handler whose decorators say enabled: false, but keeps it runnable', async () => {
    const { scheduler, log, clock } = await start([StackedService]);
    expect((await scheduler.getSchedules()).some((s) => s.taskName === 'dormant')).toBe(false);
    await clock.advance(10 * 60_000);
    expect(log.of('dormant')).toEqual([]);
    const id = await scheduler.enqueue('dormant', { by: 'hand' });
    await clock.advance(0);
    expect(log.of('dormant')).toMatchObject([{ taskId: id, payload: { by: 'hand' } }]);
  });
});

describe('schedule options on decorators', () => {
  @Injectable()
  class TimedService {
    constructor(private readonly log: RunLog) {}

    @Recurring('1m', { immediate: true })
    sync(payload: unknown, ctx: TaskContext): void {
      this.log.record('sync', payload, ctx);
    }

    @Cron('0 9 * * *', { timeZone: 'Asia/Shanghai' })
    shanghai(payload: unknown, ctx: TaskContext): void {
      this.log.record('shanghai', payload, ctx);
    }

    @Cron('0 9 * * *')
    local(payload: unknown, ctx: TaskContext): void {
      this.log.record('local', payload, ctx);
    }

    @Delayed(90_000, { payload: { once: true }, queue: 'mail' })
    later(payload: unknown, ctx: TaskContext): void {
      this.log.record('later', payload, ctx);
    }
  }

  it('runs @Recurring({ immediate: true }) at startup, then every interval', async () => {
    const { log, clock } = await start([TimedService]);
    expect(log.of('sync').map((run) => run.scheduledAt)).toEqual([at(0)]);
    await clock.advance(120_000);
    expect(log.of('sync').map((run) => run.scheduledAt)).toEqual([at(0), at(60_000), at(120_000)]);
  });

  it('runs @Delayed once after its delay, in its queue, with its payload', async () => {
    const { log, clock, scheduler } = await start([TimedService]);
    await clock.advance(89_999);
    expect(log.of('later')).toEqual([]);
    await clock.advance(1);
    expect(log.of('later')).toMatchObject([
      { payload: { once: true }, queue: 'mail', scheduledAt: at(90_000) },
    ]);
    await clock.advance(24 * 60 * 60_000);
    expect(log.of('later')).toHaveLength(1);
    expect(await scheduler.getTask(log.of('later')[0]!.taskId)).toMatchObject({
      status: 'completed',
    });
  });

  it("fires @Cron in its timeZone, and others in the module's timeZone", async () => {
    const { log, clock, scheduler } = await start([TimedService], {
      options: { timeZone: 'America/New_York' },
    });
    const schedules = await scheduler.getSchedules();
    expect(schedules.find((s) => s.id === 'TimedService.shanghai')).toMatchObject({
      timeZone: 'Asia/Shanghai',
      nextFireAt: new Date('2026-01-01T01:00:00.000Z'),
    });
    expect(schedules.find((s) => s.id === 'TimedService.local')).toMatchObject({
      timeZone: 'America/New_York',
      nextFireAt: new Date('2026-01-01T14:00:00.000Z'),
    });
    await clock.advance(14 * 60 * 60_000);
    expect(log.of('shanghai').map((run) => run.scheduledAt)).toEqual(['2026-01-01T01:00:00.000Z']);
    expect(log.of('local').map((run) => run.scheduledAt)).toEqual(['2026-01-01T14:00:00.000Z']);
  });
});
