import { afterEach, describe, expect, it } from '@jest/globals';
import { SchedulerStoppedError } from '../../../lib/core/errors.js';
import { SchedulerShutdownError } from '../../../lib/core/attempt-errors.js';
import { MemoryTaskStore } from '../../../lib/store/memory/memory-task-store.js';
import { GatedStore } from '../../utils/gated-store.js';
import { ManualClock } from '../../utils/manual-clock.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

/** Starts stop() and reports whether it has finished. */
function stopping(promise: Promise<void>) {
  const state = { done: false, promise };
  void promise.then(() => (state.done = true));
  return state;
}

describe('stop()', () => {
  it('waits for running tasks to finish within shutdownTimeout', async () => {
    const store = new MemoryTaskStore();
    const h = createHarness({ store, shutdownTimeout: '5s' });
    const job = h.handler('job', { hold: true, honourSignal: true });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('job');
    await h.clock.advance(0);

    const stop = stopping(h.scheduler.stop());
    await h.clock.advance(4_000);
    expect(stop.done).toBe(false);
    expect(job.runs[0]!.signal.aborted).toBe(false);
    job.runs[0]!.finish();
    await h.clock.advance(0);
    expect(stop.done).toBe(true);
    expect(await store.getTask(id)).toMatchObject({
      status: 'completed',
      completedAt: T0 + 4_000,
    });
    expect(h.logger.warnings).toEqual([]);
  });

  it('aborts tasks still running after shutdownTimeout with SchedulerShutdownError', async () => {
    const store = new MemoryTaskStore();
    const h = createHarness({ store, shutdownTimeout: '5s' });
    const job = h.handler('job', { hold: true, honourSignal: true });
    await h.scheduler.start();
    await h.scheduler.enqueue('job');
    await h.scheduler.enqueue('job');
    await h.clock.advance(0);

    const stop = stopping(h.scheduler.stop());
    await h.clock.advance(4_999);
    expect(job.runs.map((run) => run.signal.aborted)).toEqual([false, false]);
    await h.clock.advance(1);
    for (const run of job.runs) {
      expect(run.signal.reason).toBeInstanceOf(SchedulerShutdownError);
      expect(run.signal.reason).toMatchObject({ code: 'SCHEDULER_SHUTDOWN' });
    }
    expect(stop.done).toBe(true);
    expect(h.logger.warnings).toEqual([
      'shutdown: 2 task(s) still running after 5000 ms were aborted and will run again',
    ]);
  });

  it('puts interrupted tasks back to pending without using a retry, and they run again after a restart', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTaskStore();
    const first = createHarness({ clock, store, shutdownTimeout: '5s' });
    first.handler('job', { hold: true, honourSignal: true }, { retries: 0 });
    await first.scheduler.start();
    const id = await first.scheduler.enqueue('job', { n: 1 });
    await clock.advance(1_000);
    const stop = stopping(first.scheduler.stop());
    await clock.advance(5_000);
    expect(stop.done).toBe(true);

    expect(await store.getTask(id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      retryCount: 0,
      maxRetries: 0,
      error: 'interrupted by shutdown',
      completedAt: null,
      history: [
        {
          attempt: 1,
          startedAt: T0,
          finishedAt: T0 + 6_000,
          durationMs: 6_000,
          error: 'interrupted by shutdown',
          nodeId: 'node-1',
        },
      ],
    });

    const second = createHarness({ clock, store, nodeId: 'node-2' });
    const job = second.handler('job', {}, { retries: 0 });
    await second.scheduler.start();
    await clock.advance(0);
    expect(job.runs.map((run) => [run.taskId, run.attempt, run.payload])).toEqual([
      [id, 2, { n: 1 }],
    ]);
    expect(await second.task(id)).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('gives a handler that ignores its signal abortGracePeriod more, then lets it go', async () => {
    const store = new MemoryTaskStore();
    const h = createHarness({ store, shutdownTimeout: '5s', abortGracePeriod: '2s' });
    h.handler('stubborn', { hold: true });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('stubborn');
    await h.clock.advance(0);

    const stop = stopping(h.scheduler.stop());
    await h.clock.advance(6_999);
    expect(stop.done).toBe(false);
    await h.clock.advance(1);
    expect(stop.done).toBe(true);
    expect(await store.getTask(id)).toMatchObject({
      status: 'pending',
      retryCount: 0,
      error: 'interrupted by shutdown',
    });
  });

  it('records a task that finishes during its grace period as completed', async () => {
    const store = new MemoryTaskStore();
    const h = createHarness({ store, shutdownTimeout: '1s', abortGracePeriod: '1s' });
    const job = h.handler('job', { hold: true });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('job');
    await h.clock.advance(0);

    const stop = stopping(h.scheduler.stop());
    await h.clock.advance(1_500);
    expect(job.runs[0]!.signal.aborted).toBe(true);
    job.runs[0]!.finish();
    await h.clock.advance(0);
    expect(stop.done).toBe(true);
    expect(await store.getTask(id)).toMatchObject({ status: 'completed', completedAt: T0 + 1_500 });
  });

  it('fires no schedule and starts no task once stop() has begun', async () => {
    const store = new MemoryTaskStore();
    const h = createHarness({ store, shutdownTimeout: '10s', queues: { q: {} } });
    const hold = h.handler('hold', { hold: true, honourSignal: true }, { queue: 'q' });
    const tick = h.handler('tick');
    const later = h.handler('later');
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('1s', 'tick', null, { id: 'beat' });
    await h.scheduler.enqueue('hold');
    const delayed = await h.scheduler.addDelayedJob('2s', 'later');
    await h.clock.advance(1_500);
    expect(tick.runs).toHaveLength(1);
    expect(hold.runs).toHaveLength(1);

    const stop = stopping(h.scheduler.stop());
    const duringStop = await h.scheduler.enqueue('later');
    await h.clock.advance(8_000);
    expect(stop.done).toBe(false);
    expect(tick.runs).toHaveLength(1);
    expect(later.runs).toHaveLength(0);
    hold.runs[0]!.finish();
    await h.clock.advance(0);
    expect(stop.done).toBe(true);

    await h.clock.advance(60_000);
    expect(tick.runs).toHaveLength(1);
    expect(later.runs).toHaveLength(0);
    expect((await store.getTask(delayed))!.status).toBe('pending');
    expect((await store.getTask(duringStop))!.status).toBe('pending');
    const page = await store.listTasks({ limit: 100, offset: 0 });
    expect(page.tasks.filter((task) => task.scheduleId === 'beat')).toHaveLength(1);
  });

  it('refuses every add and read after it finished with SchedulerStoppedError, adding nothing', async () => {
    const store = new MemoryTaskStore();
    const h = createHarness({ store });
    h.handler('job');
    await h.scheduler.start();
    await h.shutdown();

    const calls: [string, Promise<unknown>][] = [
      ['enqueue', h.scheduler.enqueue('job')],
      ['enqueueToQueue', h.scheduler.enqueueToQueue('default', 'job')],
      ['addImmediateJob', h.scheduler.addImmediateJob('job')],
      ['addDelayedJob', h.scheduler.addDelayedJob('1s', 'job')],
      ['addRecurringJob', h.scheduler.addRecurringJob('1s', 'job')],
      ['addCronJob', h.scheduler.addCronJob('* * * * *', 'job')],
      ['enqueueBulk', h.scheduler.enqueueBulk([{ task: 'job' }])],
      ['getTasks', h.scheduler.getTasks()],
      ['getStats', h.scheduler.getStats()],
    ];
    for (const [name, call] of calls) {
      await expect(call).rejects.toThrow(SchedulerStoppedError);
      await expect(call).rejects.toMatchObject({ code: 'SCHEDULER_STOPPED' });
      await expect(call).rejects.toThrow(/the scheduler has been stopped/);
      void name;
    }
    expect((await store.listTasks({ limit: 10, offset: 0 })).total).toBe(0);
    expect(await store.listSchedules()).toEqual([]);
  });

  it('hands back, unstarted, tasks whose claim is answered after stop() began, before it resolves', async () => {
    const store = new GatedStore();
    const h = createHarness({ store });
    const job = h.handler('job');
    await h.scheduler.start();
    await h.clock.advance(0);
    store.holdClaims();
    const id = await h.scheduler.enqueue('job');
    await h.clock.advance(0);
    expect(store.claimsInFlight).toBe(1);
    expect((await store.getTask(id))!.status).toBe('running');

    const stop = stopping(h.scheduler.stop());
    await h.clock.advance(0);
    expect(stop.done).toBe(false);
    store.releaseClaims();
    await h.clock.advance(0);
    expect(stop.done).toBe(true);

    expect(job.runs).toHaveLength(0);
    expect(await store.getTask(id)).toMatchObject({
      status: 'pending',
      attempts: 0,
      startedAt: null,
      lockedBy: null,
      lockedUntil: null,
    });
    expect(store.writesAfterClose).toEqual([]);
  });

  it('makes a second call wait for the same shutdown, and resolves at once once stopped', async () => {
    const h = createHarness({ shutdownTimeout: '5s' });
    const job = h.handler('job', { hold: true, honourSignal: true });
    await h.scheduler.start();
    await h.scheduler.enqueue('job');
    await h.clock.advance(0);
    const first = stopping(h.scheduler.stop());
    const second = stopping(h.scheduler.stop());
    await h.clock.advance(0);
    expect([first.done, second.done]).toEqual([false, false]);
    job.runs[0]!.finish();
    await h.clock.advance(0);
    expect([first.done, second.done]).toEqual([true, true]);
    await expect(h.scheduler.stop()).resolves.toBeUndefined();
  });
});
