import { afterEach, describe, expect, it } from '@jest/globals';
import { TaskTimeoutError } from '../../../lib/core/attempt-errors.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

describe('attempt timeout', () => {
  it("aborts the handler's signal with TaskTimeoutError when the timeout passes", async () => {
    const h = createHarness({ queues: { q: { timeout: '1s' } } });
    const task = h.handler('task', { hold: true, honourSignal: true }, { queue: 'q' });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(999);
    expect(task.runs[0]!.signal.aborted).toBe(false);

    await h.clock.advance(1);
    const { signal } = task.runs[0]!;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(TaskTimeoutError);
    expect(signal.reason).toMatchObject({ code: 'TASK_TIMEOUT', taskId: id, timeoutMs: 1_000 });
    expect((signal.reason as Error).message).toBe(`Task "${id}" timed out after 1000 ms.`);
  });

  it('fails the attempt with the timeout error and applies the retry policy', async () => {
    const h = createHarness({
      queues: { q: { timeout: '1s', retryPolicy: { maxRetries: 1, delay: '500ms' } } },
    });
    const task = h.handler('task', { hold: true, honourSignal: true }, { queue: 'q' });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(1_000);
    expect(await h.task(id)).toMatchObject({
      status: 'retrying',
      error: `Task "${id}" timed out after 1000 ms.`,
      scheduledAt: new Date(T0 + 1_500),
    });

    await h.clock.advance(1_500);
    expect(task.runs.map((run) => [run.attempt, run.at - T0])).toEqual([
      [1, 0],
      [2, 1_500],
    ]);
    const info = await h.task(id);
    expect(info).toMatchObject({
      status: 'failed',
      attempts: 2,
      completedAt: new Date(T0 + 2_500),
    });
    expect(info.attemptHistory.map((a) => [a.attempt, a.durationMs, a.error])).toEqual([
      [1, 1_000, `Task "${id}" timed out after 1000 ms.`],
      [2, 1_000, `Task "${id}" timed out after 1000 ms.`],
    ]);
  });

  it('frees the worker slot after abortGracePeriod when the handler ignores its signal', async () => {
    const h = createHarness({
      abortGracePeriod: '200ms',
      queues: { q: { workers: 1, timeout: '1s' } },
    });
    const stubborn = h.handler('stubborn', { hold: true }, { queue: 'q' });
    const next = h.handler('next', {}, { queue: 'q' });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('stubborn');
    await h.scheduler.enqueue('next');
    await h.clock.advance(1_199);
    expect(next.runs).toHaveLength(0);

    await h.clock.advance(1);
    expect(next.runs.map((run) => run.at - T0)).toEqual([1_200]);
    expect(await h.task(id)).toMatchObject({
      status: 'failed',
      error: `Task "${id}" timed out after 1000 ms.`,
      completedAt: new Date(T0 + 1_200),
    });

    // The handler's eventual success changes nothing.
    stubborn.runs[0]!.finish();
    await h.clock.advance(0);
    expect((await h.task(id)).status).toBe('failed');
    expect(h.events.trail(id)).toEqual(['added:pending', 'started:running', 'failed:failed']);
  });

  it("takes an add's timeout over the handler's, and the handler's over the queue's", async () => {
    const h = createHarness({ queues: { q: { timeout: '10s' } } });
    const byQueue = h.handler('by-queue', { hold: true, honourSignal: true }, { queue: 'q' });
    const byHandler = h.handler(
      'by-handler',
      { hold: true, honourSignal: true },
      { queue: 'q', timeout: '3s' },
    );
    await h.scheduler.start();
    await h.scheduler.enqueue('by-queue');
    await h.scheduler.enqueue('by-handler');
    await h.scheduler.enqueue('by-handler', null, { timeout: 1_000 });
    await h.clock.advance(0);

    const abortedAt = new Map<string, number>();
    for (const run of [...byQueue.runs, ...byHandler.runs]) {
      run.signal.addEventListener('abort', () => abortedAt.set(run.taskId, h.elapsed()));
    }
    await h.clock.advance(10_000);
    expect([...abortedAt.values()].sort((a, b) => a - b)).toEqual([1_000, 3_000, 10_000]);
  });

  it("applies a schedule's timeout to each of its runs", async () => {
    const h = createHarness();
    const task = h.handler('task', { hold: true, honourSignal: true });
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('10s', 'task', null, { id: 'beat', timeout: '2s' });
    await h.clock.advance(12_000);
    const id = task.runs[0]!.taskId;
    expect(await h.task(id)).toMatchObject({
      status: 'failed',
      error: `Task "${id}" timed out after 2000 ms.`,
      completedAt: new Date(T0 + 12_000),
    });
  });

  it('aborts each attempt exactly at its own deadline, even one millisecond apart', async () => {
    const h = createHarness();
    const task = h.handler('task', { hold: true, honourSignal: true });
    await h.scheduler.start();
    await h.scheduler.enqueue('task', { n: 1 }, { timeout: 1_000 });
    await h.clock.advance(1);
    await h.scheduler.enqueue('task', { n: 2 }, { timeout: 1_000 });
    await h.clock.advance(0);
    const abortedAt: number[] = [];
    for (const run of task.runs) {
      run.signal.addEventListener('abort', () => abortedAt.push(h.elapsed()));
    }
    await h.clock.advance(999);
    expect(abortedAt).toEqual([1_000]);
    await h.clock.advance(1);
    expect(abortedAt).toEqual([1_000, 1_001]);
  });

  it('lets an attempt that finishes within its timeout complete normally', async () => {
    const h = createHarness({ queues: { q: { timeout: '1s' } } });
    const task = h.handler('task', { durationMs: 999, honourSignal: true }, { queue: 'q' });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(5_000);
    expect(task.runs[0]!.signal.aborted).toBe(false);
    expect(await h.task(id)).toMatchObject({ status: 'completed', durationMs: 999 });
  });
});
