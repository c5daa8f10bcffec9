import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import {
  InvalidArgumentError,
  QueueFullError,
  SchedulerModule,
  SchedulerService,
  Task,
  UnknownQueueError,
  UnknownTaskError,
  type SchedulerEvent,
  type TaskContext,
  type TaskHandler,
} from 'nestjs-scheduler';
import { ManualClock } from '../utils/manual-clock.js';
import { bootApp, closeApps, nextEvents } from './nest-app.js';
import { RunLog, RunLogModule } from './run-log.js';

afterEach(closeApps);

const T0 = '2026-01-01T00:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms);

interface Email {
  to: string;
  subject: string;
}

@Task({ name: 'email', queue: 'mail' })
class EmailTask implements TaskHandler<Email> {
  constructor(private readonly log: RunLog) {}
  execute(email: Email, ctx: TaskContext): void {
    this.log.record('email', email, ctx);
  }
}

/** Whether the downstream service FlakyTask calls is down. */
@Injectable()
class Outage {
  down = false;
}

@Task({ name: 'flaky', retries: 0 })
class FlakyTask implements TaskHandler<{ n: number }> {
  constructor(
    private readonly outage: Outage,
    private readonly log: RunLog,
  ) {}
  execute(payload: { n: number }, ctx: TaskContext): void {
    this.log.record('flaky', payload, ctx);
    if (this.outage.down) throw new Error('service unavailable');
  }
}

/** A task that runs until its signal aborts. */
@Task('long')
class LongTask implements TaskHandler {
  constructor(private readonly log: RunLog) {}
  execute(payload: unknown, ctx: TaskContext): Promise<void> {
    this.log.record('long', payload, ctx);
    return new Promise((_, reject) => {
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
    });
  }
}

/** Not listed as a provider. */
@Task('stray')
class StrayTask implements TaskHandler {
  execute(): void {}
}

async function start() {
  const clock = new ManualClock(T0);
  const app = await bootApp({
    imports: [
      SchedulerModule.forRoot({
        clock,
        logger: false,
        queues: { mail: { maxSize: 3, workers: 2 }, bulk: { maxSize: 2 } },
      }),
      RunLogModule,
    ],
    providers: [EmailTask, FlakyTask, LongTask, Outage],
  });
  await clock.advance(0);
  return {
    clock,
    scheduler: app.get(SchedulerService),
    log: app.get(RunLog),
    outage: app.get(Outage),
  };
}

const email: Email = { to: 'ada@example.com', subject: 'Hi' };

describe('adding tasks', () => {
  it('adds by class or by task name, and each add resolves to the new task id', async () => {
    const { scheduler, log, clock } = await start();
    const byClass = await scheduler.enqueue(EmailTask, email);
    const byName = await scheduler.addImmediateJob('email', { to: 'bob', subject: 'Yo' });
    const delayed = await scheduler.addDelayedJob('1m', EmailTask, email, { id: 'welcome' });
    expect(delayed).toBe('welcome');
    await clock.advance(0);
    expect(log.runs.map((run) => run.taskId)).toEqual([byClass, byName]);
    await clock.advance(60_000);
    expect(log.runs.map((run) => [run.taskId, run.scheduledAt])).toEqual([
      [byClass, at(0).toISOString()],
      [byName, at(0).toISOString()],
      ['welcome', at(60_000).toISOString()],
    ]);
    expect(log.runs.every((run) => run.queue === 'mail' && run.name === 'email')).toBe(true);
  });

  it('infers the payload type from the handler class, and checks it at compile time', async () => {
    const { scheduler } = await start();
    // Never called: tsc checks these lines (a missing @ts-expect-error error fails typecheck).
    const compileOnly = async () => {
      await scheduler.enqueue(EmailTask, { to: 'a', subject: 'b' });
      await scheduler.addDelayedJob('5m', EmailTask, { to: 'a', subject: 'b' });
      await scheduler.addCronJob('0 * * * *', FlakyTask, { n: 1 });
      await scheduler.enqueueToQueue('bulk', FlakyTask, { n: 2 });
      // @ts-expect-error subject is missing
      await scheduler.enqueue(EmailTask, { to: 'a' });
      // @ts-expect-error n must be a number
      await scheduler.addRecurringJob('1m', FlakyTask, { n: 'one' });
      // @ts-expect-error not a task handler class
      await scheduler.enqueue(Outage);
      // By name, any payload goes.
      await scheduler.enqueue('email', { anything: true });
    };
    expect(typeof compileOnly).toBe('function');
  });

  it('puts a task in the queue named by enqueueToQueue, whatever its handler says', async () => {
    const { scheduler, log, clock } = await start();
    const id = await scheduler.enqueueToQueue('bulk', EmailTask, email, { priority: 7 });
    expect(await scheduler.getTask(id)).toMatchObject({ queue: 'bulk', priority: 7 });
    await clock.advance(0);
    expect(log.runs).toMatchObject([{ taskId: id, queue: 'bulk' }]);
    await expect(scheduler.enqueueToQueue('nowhere', EmailTask, email)).rejects.toBeInstanceOf(
      UnknownQueueError,
    );
  });

  it('adds a bulk all-or-nothing: an overflowing queue adds none of them', async () => {
    const { scheduler, log, clock } = await start();
    const ids = await scheduler.enqueueBulk([
      { task: EmailTask, payload: email },
      { task: 'flaky', payload: { n: 1 }, opts: { delay: '10s', queue: 'bulk' } },
    ]);
    expect(ids).toHaveLength(2);
    await expect(
      scheduler.enqueueBulk([
        { task: FlakyTask, payload: { n: 2 }, opts: { queue: 'bulk' } },
        { task: FlakyTask, payload: { n: 3 }, opts: { queue: 'bulk' } },
      ]),
    ).rejects.toBeInstanceOf(QueueFullError);
    expect((await scheduler.getTasks({ queue: 'bulk' })).total).toBe(1);
    await clock.advance(10_000);
    expect(log.handlers).toEqual(['email', 'flaky']);
  });

  it('refuses a class that is not a registered handler with UnknownTaskError naming it', async () => {
    const { scheduler } = await start();
    await expect(scheduler.enqueue(StrayTask)).rejects.toBeInstanceOf(UnknownTaskError);
    await expect(scheduler.addDelayedJob('1s', StrayTask)).rejects.toMatchObject({
      code: 'UNKNOWN_TASK',
      message: expect.stringContaining('"class StrayTask"'),
    });
    await expect(scheduler.enqueue('no-such-task')).rejects.toMatchObject({
      code: 'UNKNOWN_TASK',
      message: expect.stringContaining('"no-such-task"'),
    });
    expect((await scheduler.getTasks()).total).toBe(0);
  });

  it('creates queues at run time, and refuses a second queue of the same name', async () => {
    const { scheduler, log, clock } = await start();
    scheduler.createQueue('reports', { workers: 1, maxSize: 5 });
    expect((await scheduler.getQueues()).map((queue) => queue.name)).toEqual([
      'default',
      'mail',
      'bulk',
      'reports',
    ]);
    const id = await scheduler.enqueueToQueue('reports', 'flaky', { n: 1 });
    await clock.advance(0);
    expect(log.runs).toMatchObject([{ taskId: id, queue: 'reports' }]);
    expect(() => scheduler.createQueue('reports')).toThrow(/Duplicate queue name "reports"/);
    expect(() => scheduler.createQueue('bad', { workers: 0 })).toThrow(/queue "bad": workers is 0/);
  });
});

describe('cancelling and retrying', () => {
  it('cancels a waiting task, which then never runs', async () => {
    const { scheduler, log, clock } = await start();
    const id = await scheduler.addDelayedJob('1m', EmailTask, email);
    await scheduler.cancelJob(id);
    await clock.advance(120_000);
    expect(log.runs).toEqual([]);
    expect(await scheduler.getTask(id)).toMatchObject({ status: 'cancelled' });
  });

  it('cancels a running task by aborting its signal', async () => {
    const { scheduler, log, clock } = await start();
    const id = await scheduler.enqueue('long');
    await clock.advance(0);
    const cancelled = nextEvents(scheduler, (e) => e.type === 'cancelled');
    await scheduler.cancelJob(id);
    await clock.advance(0);
    expect(log.runs[0]!.signal.aborted).toBe(true);
    expect(await cancelled).toMatchObject([{ task: { id, status: 'cancelled' } }]);
  });

  it('retries a failed task by hand as a fresh attempt', async () => {
    const { scheduler, log, clock, outage } = await start();
    outage.down = true;
    const id = await scheduler.enqueue(FlakyTask, { n: 1 });
    await clock.advance(0);
    expect(await scheduler.getTask(id)).toMatchObject({
      status: 'failed',
      error: 'service unavailable',
      attempts: 1,
    });
    outage.down = false;
    await scheduler.retryTask(id);
    await clock.advance(0);
    expect(log.runs.map((run) => run.attempt)).toEqual([1, 2]);
    expect(await scheduler.getTask(id)).toMatchObject({ status: 'completed', attempts: 2 });
    await expect(scheduler.retryTask(id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});

describe('reading', () => {
  it('reads a task, lists tasks with filters and a true total, and counts them in getStats', async () => {
    const { scheduler, clock, outage } = await start();
    outage.down = true;
    const failed = await scheduler.enqueue(FlakyTask, { n: 1 });
    const done = await scheduler.enqueue(EmailTask, email);
    const waiting = await scheduler.addDelayedJob('1h', EmailTask, email);
    await clock.advance(0);

    expect(await scheduler.getTask(done)).toMatchObject({
      id: done,
      name: 'email',
      queue: 'mail',
      status: 'completed',
      payload: email,
      attempts: 1,
      nodeId: scheduler.nodeId,
      completedAt: at(0),
    });
    expect(await scheduler.getTask('missing')).toBeNull();
    const mail = await scheduler.getTasks({ queue: 'mail' });
    expect(mail.total).toBe(2);
    expect(mail.tasks.map((task) => task.id).sort()).toEqual([done, waiting].sort());
    const page = await scheduler.getTasks({ limit: 1 });
    expect(page).toMatchObject({ total: 3 });
    expect(page.tasks).toHaveLength(1);
    expect((await scheduler.getTasks({ status: 'failed' })).tasks.map((t) => t.id)).toEqual([
      failed,
    ]);
    expect(await scheduler.getStats()).toMatchObject({
      pending: 1,
      completed: 1,
      failed: 1,
      total: 3,
      queues: {
        mail: { pending: 1, completed: 1, workers: 2, maxSize: 3 },
        default: { failed: 1 },
        bulk: { pending: 0 },
      },
    });
    await expect(scheduler.getTasks({ limit: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('schedules', () => {
  it('adds cron and recurring schedules, lists them, and runs them at their times', async () => {
    const { scheduler, log, clock } = await start();
    const cron = await scheduler.addCronJob('*/15 * * * *', EmailTask, email, { id: 'digest' });
    const every = await scheduler.addRecurringJob('10m', 'flaky', { n: 1 });
    expect(cron).toBe('digest');
    const schedules = await scheduler.getSchedules();
    expect(schedules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'digest',
          kind: 'cron',
          expression: '*/15 * * * *',
          taskName: 'email',
          queue: 'mail',
          payload: email,
          paused: false,
          nextFireAt: at(15 * 60_000),
        }),
        expect.objectContaining({
          id: every,
          kind: 'recurring',
          intervalMs: 600_000,
          nextFireAt: at(10 * 60_000),
        }),
      ]),
    );
    await clock.advance(30 * 60_000);
    expect(log.of('email').map((run) => run.scheduleId)).toEqual(['digest', 'digest']);
    expect(log.of('flaky')).toHaveLength(3);
  });

  it('pauses, resumes and triggers a schedule, and cancelJob removes it', async () => {
    const { scheduler, log, clock } = await start();
    const id = await scheduler.addRecurringJob('1m', EmailTask, email);
    await scheduler.pauseSchedule(id);
    expect((await scheduler.getSchedules())[0]).toMatchObject({ paused: true, nextFireAt: null });
    await clock.advance(5 * 60_000);
    expect(log.runs).toEqual([]);

    const triggered = await scheduler.triggerSchedule(id);
    await clock.advance(0);
    expect(log.runs).toMatchObject([{ taskId: triggered, scheduleId: id }]);

    await scheduler.resumeSchedule(id);
    await clock.advance(60_000);
    expect(log.runs).toHaveLength(2);

    await scheduler.cancelJob(id);
    expect(await scheduler.getSchedules()).toEqual([]);
    await clock.advance(10 * 60_000);
    expect(log.runs).toHaveLength(2);
    await expect(scheduler.pauseSchedule(id)).rejects.toMatchObject({
      code: 'SCHEDULE_NOT_FOUND',
    });
  });
});

describe('queues', () => {
  it('pauses a queue (adds still accepted, nothing starts) and resumes it', async () => {
    const { scheduler, log, clock } = await start();
    await scheduler.pauseQueue('mail');
    const id = await scheduler.enqueue(EmailTask, email);
    await clock.advance(60_000);
    expect(log.runs).toEqual([]);
    expect((await scheduler.getQueues()).find((queue) => queue.name === 'mail')).toMatchObject({
      paused: true,
      pending: 1,
    });
    await scheduler.resumeQueue('mail');
    await clock.advance(0);
    expect(log.runs).toMatchObject([{ taskId: id }]);
    await expect(scheduler.pauseQueue('nowhere')).rejects.toBeInstanceOf(UnknownQueueError);
  });

  it('refuses an add beyond maxSize with QueueFullError and a queue-full event', async () => {
    const { scheduler } = await start();
    for (let i = 0; i < 3; i += 1) await scheduler.addDelayedJob('1h', EmailTask, email);
    const full = nextEvents(scheduler, (e) => e.type === 'queue-full');
    await expect(scheduler.addDelayedJob('1h', EmailTask, email)).rejects.toMatchObject({
      code: 'QUEUE_FULL',
      queue: 'mail',
      maxSize: 3,
    });
    expect(await full).toMatchObject([{ queue: 'mail', taskName: 'email', maxSize: 3 }]);
  });
});

describe('events$', () => {
  it("emits a task's life: added, started, completed, with snapshots", async () => {
    const { scheduler, clock } = await start();
    const seen: SchedulerEvent[] = [];
    const subscription = scheduler.events$.subscribe((event) => seen.push(event));
    const id = await scheduler.enqueue(EmailTask, email);
    await clock.advance(0);
    subscription.unsubscribe();
    expect(seen.map((event) => [event.type, 'task' in event ? event.task.status : null])).toEqual([
      ['added', 'pending'],
      ['started', 'running'],
      ['completed', 'completed'],
    ]);
    expect(seen.every((event) => 'task' in event && event.task.id === id)).toBe(true);
  });

  it('emits schedule-fired, and retrying then failed for a task that keeps failing', async () => {
    const { scheduler, clock, outage } = await start();
    outage.down = true;
    const fired = nextEvents(scheduler, (e) => e.type === 'schedule-fired');
    const outcome = nextEvents(scheduler, (e) => e.type === 'retrying' || e.type === 'failed', 2);
    await scheduler.addRecurringJob('1m', 'flaky', { n: 1 }, { id: 'poll', retries: 1 });
    await clock.advance(60_000);
    expect(await fired).toMatchObject([{ schedule: { id: 'poll' }, task: { scheduleId: 'poll' } }]);
    await clock.advance(1_000);
    expect((await outcome).map((event) => event.type)).toEqual(['retrying', 'failed']);
  });
});
