import { afterEach, describe, expect, it } from '@jest/globals';
import { InvalidStateError, TaskNotFoundError } from '../../../lib/core/errors.js';
import { TaskCancelledError } from '../../../lib/core/attempt-errors.js';
import { GatedStore } from '../../utils/gated-store.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

describe('cancelJob', () => {
  it('cancels a pending task, which then never runs', async () => {
    const h = createHarness();
    const task = h.handler('task');
    await h.scheduler.start();
    const id = await h.scheduler.addDelayedJob('10s', 'task');
    await h.clock.advance(3_000);
    await h.scheduler.cancelJob(id);

    expect(await h.task(id)).toMatchObject({
      status: 'cancelled',
      completedAt: new Date(T0 + 3_000),
      attempts: 0,
    });
    await h.clock.advance(60_000);
    expect(task.runs).toHaveLength(0);
    expect(h.events.trail(id)).toEqual(['added:pending', 'cancelled:cancelled']);
  });

  it('cancels a task waiting for a retry, which then never runs again', async () => {
    const h = createHarness({ queues: { q: { retryPolicy: { maxRetries: 3, delay: '5s' } } } });
    const task = h.handler(
      'task',
      {
        work: () => {
          throw new Error('boom');
        },
      },
      { queue: 'q' },
    );
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(1_000);
    expect((await h.task(id)).status).toBe('retrying');

    await h.scheduler.cancelJob(id);
    await h.clock.advance(60_000);
    expect(task.runs).toHaveLength(1);
    expect(await h.task(id)).toMatchObject({ status: 'cancelled', attempts: 1, error: 'boom' });
  });

  it("aborts a running task's signal with TaskCancelledError and marks it cancelled", async () => {
    const h = createHarness();
    const task = h.handler('task', { hold: true, honourSignal: true });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(2_000);
    await h.scheduler.cancelJob(id);

    const { signal } = task.runs[0]!;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(TaskCancelledError);
    expect(signal.reason).toMatchObject({ code: 'TASK_CANCELLED', taskId: id });
    const info = await h.task(id);
    expect(info).toMatchObject({ status: 'cancelled', completedAt: new Date(T0 + 2_000) });
    expect(info.attemptHistory).toEqual([
      {
        attempt: 1,
        startedAt: new Date(T0),
        finishedAt: new Date(T0 + 2_000),
        durationMs: 2_000,
        error: 'cancelled',
        nodeId: 'node-1',
      },
    ]);
  });

  it("ignores a cancelled task's late result", async () => {
    const h = createHarness({ abortGracePeriod: '5s' });
    const task = h.handler('task', { hold: true });
    await h.scheduler.start();
    const succeeds = await h.scheduler.enqueue('task', { n: 1 });
    const fails = await h.scheduler.enqueue('task', { n: 2 });
    await h.clock.advance(0);
    await h.scheduler.cancelJob(succeeds);
    await h.scheduler.cancelJob(fails);

    task.runs[0]!.finish();
    task.runs[1]!.fail(new Error('late failure'));
    await h.clock.advance(10_000);
    expect(await h.task(succeeds)).toMatchObject({ status: 'cancelled', error: null });
    expect(await h.task(fails)).toMatchObject({ status: 'cancelled', error: null });
    expect(h.events.trail(succeeds)).toEqual([
      'added:pending',
      'started:running',
      'cancelled:cancelled',
    ]);
    expect((await h.scheduler.getStats()).completed).toBe(0);
  });

  it('frees the worker slot of a cancelled task as soon as its handler stops', async () => {
    const h = createHarness({ queues: { q: { workers: 1 } } });
    const task = h.handler('task', { hold: true, honourSignal: true }, { queue: 'q' });
    await h.scheduler.start();
    const first = await h.scheduler.enqueue('task', { n: 1 });
    await h.scheduler.enqueue('task', { n: 2 });
    await h.clock.advance(100);
    await h.scheduler.cancelJob(first);
    await h.clock.advance(0);
    expect(task.runs.map((run) => [run.payload, run.at - T0])).toEqual([
      [{ n: 1 }, 0],
      [{ n: 2 }, 100],
    ]);
  });

  it('never starts a task cancelled while the claim that took it was still in flight', async () => {
    const store = new GatedStore();
    const h = createHarness({ store, queues: { q: { workers: 1 } } });
    const task = h.handler<{ n: number }>('task', {}, { queue: 'q' });
    await h.scheduler.start();
    await h.clock.advance(0);
    store.holdClaims();
    const id = await h.scheduler.enqueue('task', { n: 1 });
    await h.clock.advance(0);
    expect(store.claimsInFlight).toBe(1);
    expect((await store.getTask(id))!.status).toBe('running');

    await h.scheduler.cancelJob(id);
    store.releaseClaims();
    await h.clock.advance(0);
    expect(task.runs).toHaveLength(0);
    expect(await h.task(id)).toMatchObject({ status: 'cancelled' });

    // Its worker slot is free for the next task.
    await h.scheduler.enqueue('task', { n: 2 });
    await h.clock.advance(0);
    expect(task.runs.map((run) => run.payload)).toEqual([{ n: 2 }]);
  });

  it('refuses to cancel a finished task with InvalidStateError', async () => {
    const h = createHarness();
    h.handler('task');
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(0);

    const cancel = h.scheduler.cancelJob(id);
    await expect(cancel).rejects.toThrow(InvalidStateError);
    await expect(cancel).rejects.toMatchObject({ code: 'INVALID_STATE', state: 'completed' });
    await expect(cancel).rejects.toThrow(`Cannot cancel "${id}": it is completed.`);
    expect((await h.task(id)).status).toBe('completed');
  });

  it('refuses to cancel an unknown id with TaskNotFoundError naming it', async () => {
    const h = createHarness();
    await h.scheduler.start();
    const cancel = h.scheduler.cancelJob('no-such-task');
    await expect(cancel).rejects.toThrow(TaskNotFoundError);
    await expect(cancel).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    await expect(cancel).rejects.toThrow('"no-such-task"');
  });

  it('stops a schedule from firing when its id is cancelled', async () => {
    const h = createHarness();
    const tick = h.handler('tick');
    await h.scheduler.start();
    const scheduleId = await h.scheduler.addRecurringJob('1s', 'tick', null, { id: 'ticker' });
    await h.clock.advance(2_000);
    expect(tick.runs).toHaveLength(2);

    await h.scheduler.cancelJob(scheduleId);
    await h.clock.advance(10_000);
    expect(tick.runs).toHaveLength(2);
    expect(await h.scheduler.getSchedules()).toEqual([]);
    await expect(h.scheduler.pauseSchedule('ticker')).rejects.toMatchObject({
      code: 'SCHEDULE_NOT_FOUND',
    });
  });
});

describe('retryTask', () => {
  const failing = {
    work: () => {
      throw new Error('boom');
    },
  };

  it('re-runs a failed task with a fresh retry budget while attempts keep counting', async () => {
    const h = createHarness({ queues: { q: { retryPolicy: { maxRetries: 1, delay: '1s' } } } });
    const task = h.handler('task', failing, { queue: 'q' });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(5_000);
    expect(await h.task(id)).toMatchObject({ status: 'failed', attempts: 2 });

    // Paused, so that the re-queued task can be seen before a worker takes it.
    await h.scheduler.pauseQueue('q');
    await h.scheduler.retryTask(id);
    expect(await h.task(id)).toMatchObject({
      status: 'pending',
      completedAt: null,
      scheduledAt: new Date(T0 + 5_000),
    });
    await h.scheduler.resumeQueue('q');
    await h.clock.advance(5_000);

    expect(task.runs.map((run) => [run.attempt, run.at - T0])).toEqual([
      [1, 0],
      [2, 1_000],
      [3, 5_000],
      [4, 6_000],
    ]);
    const info = await h.task(id);
    expect(info).toMatchObject({ status: 'failed', attempts: 4 });
    expect(info.attemptHistory.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('re-runs a cancelled task', async () => {
    const h = createHarness();
    const task = h.handler('task');
    await h.scheduler.start();
    const id = await h.scheduler.addDelayedJob('1h', 'task', { n: 1 });
    await h.scheduler.cancelJob(id);
    await h.scheduler.retryTask(id);
    await h.clock.advance(0);

    expect(task.runs.map((run) => [run.taskId, run.attempt, run.payload])).toEqual([
      [id, 1, { n: 1 }],
    ]);
    expect(await h.task(id)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(h.events.trail(id)).toEqual([
      'added:pending',
      'cancelled:cancelled',
      'added:pending',
      'started:running',
      'completed:completed',
    ]);
  });

  it('refuses to retry a task that is pending, running or completed', async () => {
    const h = createHarness({ queues: { q: { workers: 1 } } });
    const task = h.handler('task', { hold: true }, { queue: 'q' });
    await h.scheduler.start();
    const running = await h.scheduler.enqueue('task');
    const pending = await h.scheduler.enqueue('task');
    await h.clock.advance(0);

    for (const [id, state] of [
      [running, 'running'],
      [pending, 'pending'],
    ] as const) {
      const retry = h.scheduler.retryTask(id);
      await expect(retry).rejects.toThrow(InvalidStateError);
      await expect(retry).rejects.toThrow(`Cannot retry "${id}": it is ${state}.`);
    }
    task.runs[0]!.finish();
    await h.clock.advance(0);
    await expect(h.scheduler.retryTask(running)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      state: 'completed',
    });
    await expect(h.scheduler.retryTask('missing')).rejects.toThrow(TaskNotFoundError);
    expect(task.runs).toHaveLength(2);
  });

  it('runs and cancels a retried task cleanly while its cancelled attempt is still winding down', async () => {
    const h = createHarness({ abortGracePeriod: '10s' });
    // Ignores its signal: the cancelled attempt holds its slot for the whole grace period.
    const task = h.handler('task', { hold: true });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(0);
    await h.scheduler.cancelJob(id);
    await h.scheduler.retryTask(id);
    await h.clock.advance(0);
    expect(task.runs.map((run) => run.attempt)).toEqual([1, 2]);

    // The first attempt's grace period ends; the second attempt must still be the one we can reach.
    await h.clock.advance(10_000);
    await h.scheduler.cancelJob(id);
    expect(task.runs[1]!.signal.aborted).toBe(true);
    expect(task.runs[1]!.signal.reason).toBeInstanceOf(TaskCancelledError);
    expect((await h.task(id)).status).toBe('cancelled');
    // Nothing is left running unseen, so shutdown does not wait forever.
    await h.shutdown();
  });
});
