import { afterEach, describe, expect, it } from '@jest/globals';
import { NonRetryableError } from '../../../lib/core/attempt-errors.js';
import type { TaskContext } from '../../../lib/core/handler.js';
import type { RetryPolicyConfig } from '../../../lib/core/options.js';
import {
  createHarness,
  stopHarnesses,
  T0,
  type HarnessOptions,
  type Run,
} from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

const alwaysFails = {
  work: () => {
    throw new Error('boom');
  },
};

/** Start times of the runs, in ms after T0. */
const startTimes = (runs: readonly Run[]): number[] => runs.map((run) => run.at - T0);

/** Runs one always-failing task under `retryPolicy` and returns its attempts' start times. */
async function attemptTimes(
  retryPolicy: RetryPolicyConfig,
  options: HarnessOptions = {},
): Promise<number[]> {
  const h = createHarness({ ...options, queues: { q: { retryPolicy } } });
  const task = h.handler('task', alwaysFails, { queue: 'q' });
  await h.scheduler.start();
  const id = await h.scheduler.enqueue('task');
  await h.clock.advance(10 * 60_000);
  expect((await h.task(id)).status).toBe('failed');
  return startTimes(task.runs);
}

describe('retry delays', () => {
  it('fixed backoff waits the same delay before every retry', async () => {
    expect(await attemptTimes({ maxRetries: 3, delay: '1s', backoff: 'fixed' })).toEqual([
      0, 1_000, 2_000, 3_000,
    ]);
  });

  it('linear backoff waits d·n before retry n', async () => {
    // Delays 1s, 2s, 3s, 4s.
    expect(await attemptTimes({ maxRetries: 4, delay: 1_000, backoff: 'linear' })).toEqual([
      0, 1_000, 3_000, 6_000, 10_000,
    ]);
  });

  it('exponential backoff waits d·2^(n−1) before retry n', async () => {
    // Delays 0.5s, 1s, 2s, 4s.
    expect(await attemptTimes({ maxRetries: 4, delay: '500ms', backoff: 'exponential' })).toEqual([
      0, 500, 1_500, 3_500, 7_500,
    ]);
  });

  it('caps every delay at maxDelay', async () => {
    // Delays 1s, 2s, then 4s and 8s capped to 3s.
    expect(
      await attemptTimes({ maxRetries: 4, delay: '1s', backoff: 'exponential', maxDelay: '3s' }),
    ).toEqual([0, 1_000, 3_000, 6_000, 9_000]);
  });

  it('spreads each delay by ±jitter using the injected random source', async () => {
    const draws = [0, 0.5, 0.75, 0.25];
    const random = () => draws.shift() ?? 0.5;
    // 1s ± 50%: random 0 → 500, 0.5 → 1000, 0.75 → 1250, 0.25 → 750.
    expect(
      await attemptTimes({ maxRetries: 4, delay: '1s', backoff: 'fixed', jitter: 0.5 }, { random }),
    ).toEqual([0, 500, 1_500, 2_750, 3_500]);
    expect(draws).toEqual([]);
  });

  it('applies jitter after the cap, so a capped delay still spreads', async () => {
    const random = () => 0.9;
    // exponential 2s, 4s → capped 3s; ×(1 + 0.2·(2·0.9 − 1)) = ×1.16.
    expect(
      await attemptTimes(
        { maxRetries: 2, delay: '2s', backoff: 'exponential', maxDelay: '3s', jitter: 0.2 },
        { random },
      ),
    ).toEqual([0, 2_320, 2_320 + 3_480]);
  });
});

describe('retry budget', () => {
  it('`retries: n` means n + 1 attempts, then the task fails with the last error', async () => {
    const h = createHarness({ queues: { q: { retryPolicy: { maxRetries: 2, delay: 100 } } } });
    let calls = 0;
    const task = h.handler(
      'task',
      {
        work: () => {
          calls += 1;
          throw new Error(`failure ${calls}`);
        },
      },
      { queue: 'q' },
    );
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(10_000);

    expect(task.runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    expect(await h.task(id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      maxRetries: 2,
      error: 'failure 3',
      completedAt: new Date(T0 + 200),
    });
  });

  it("a handler's `retries` overrides its queue's maxRetries", async () => {
    const h = createHarness({ queues: { q: { retryPolicy: { maxRetries: 5, delay: 100 } } } });
    const task = h.handler('task', alwaysFails, { queue: 'q', retries: 1 });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(10_000);

    expect(task.runs).toHaveLength(2);
    expect(await h.task(id)).toMatchObject({ status: 'failed', attempts: 2, maxRetries: 1 });
  });

  it("an add's `retries` overrides the handler's and the queue's", async () => {
    const h = createHarness({ queues: { q: { retryPolicy: { maxRetries: 5, delay: 100 } } } });
    const task = h.handler<{ n: number }>('task', alwaysFails, { queue: 'q', retries: 1 });
    await h.scheduler.start();
    const none = await h.scheduler.enqueue('task', { n: 0 }, { retries: 0 });
    const three = await h.scheduler.enqueue('task', { n: 3 }, { retries: 3 });
    await h.clock.advance(10_000);

    expect(task.runs.filter((run) => run.payload.n === 0)).toHaveLength(1);
    expect(task.runs.filter((run) => run.payload.n === 3)).toHaveLength(4);
    expect(await h.task(none)).toMatchObject({ status: 'failed', attempts: 1, maxRetries: 0 });
    expect(await h.task(three)).toMatchObject({ status: 'failed', attempts: 4, maxRetries: 3 });
  });

  it('fails at once, without retrying, when the handler throws NonRetryableError', async () => {
    const h = createHarness({ queues: { q: { retryPolicy: { maxRetries: 5, delay: 100 } } } });
    const task = h.handler(
      'task',
      {
        work: () => {
          throw new NonRetryableError('recipient address is invalid');
        },
      },
      { queue: 'q' },
    );
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(10_000);

    expect(task.runs).toHaveLength(1);
    expect(await h.task(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'recipient address is invalid',
    });
  });

  it('fails at once when shouldRetry() returns false, and retries while it returns true', async () => {
    const h = createHarness({ queues: { q: { retryPolicy: { maxRetries: 5, delay: 100 } } } });
    const messages = ['transient', 'transient', 'permanent', 'never reached'];
    const seen: [string, number][] = [];
    const runs: number[] = [];
    h.scheduler.registerHandler(
      'task',
      {
        execute: (_payload: unknown, ctx: TaskContext) => {
          runs.push(ctx.attempt);
          throw new Error(messages[ctx.attempt - 1]);
        },
        shouldRetry: (error: unknown, ctx: TaskContext) => {
          seen.push([(error as Error).message, ctx.attempt]);
          return (error as Error).message !== 'permanent';
        },
      },
      { queue: 'q' },
    );
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(10_000);

    expect(runs).toEqual([1, 2, 3]);
    expect(seen).toEqual([
      ['transient', 1],
      ['transient', 2],
      ['permanent', 3],
    ]);
    expect(await h.task(id)).toMatchObject({ status: 'failed', attempts: 3, error: 'permanent' });
  });
});

describe('attempt history', () => {
  it('records every attempt with its times, duration, error and node, counting from 1', async () => {
    const h = createHarness({
      nodeId: 'worker-7',
      queues: { q: { retryPolicy: { maxRetries: 3, delay: '1s' } } },
    });
    const task = h.handler(
      'task',
      {
        durationMs: 250,
        work: (_payload, run) => {
          if (run.attempt < 3) throw new Error(`boom ${run.attempt}`);
        },
      },
      { queue: 'q' },
    );
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(60_000);

    expect(task.runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    expect(startTimes(task.runs)).toEqual([0, 1_250, 2_500]);
    const info = await h.task(id);
    expect(info.attemptHistory).toEqual([
      {
        attempt: 1,
        startedAt: new Date(T0),
        finishedAt: new Date(T0 + 250),
        durationMs: 250,
        error: 'boom 1',
        nodeId: 'worker-7',
      },
      {
        attempt: 2,
        startedAt: new Date(T0 + 1_250),
        finishedAt: new Date(T0 + 1_500),
        durationMs: 250,
        error: 'boom 2',
        nodeId: 'worker-7',
      },
      {
        attempt: 3,
        startedAt: new Date(T0 + 2_500),
        finishedAt: new Date(T0 + 2_750),
        durationMs: 250,
        error: null,
        nodeId: 'worker-7',
      },
    ]);
    expect(info).toMatchObject({
      status: 'completed',
      attempts: 3,
      error: null,
      startedAt: new Date(T0 + 2_500),
      completedAt: new Date(T0 + 2_750),
      durationMs: 250,
      nodeId: 'worker-7',
    });
  });

  it('shows a task between attempts as retrying, due at its retry time, with the last error', async () => {
    const h = createHarness({ queues: { q: { retryPolicy: { maxRetries: 1, delay: '5s' } } } });
    h.handler('task', alwaysFails, { queue: 'q' });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('task');
    await h.clock.advance(1_000);

    expect(await h.task(id)).toMatchObject({
      status: 'retrying',
      attempts: 1,
      error: 'boom',
      scheduledAt: new Date(T0 + 5_000),
    });
    const stats = await h.scheduler.getStats();
    expect(stats).toMatchObject({ retrying: 1, pending: 0, running: 0, failed: 0 });
  });

  it('records nodeId as null until the first attempt starts', async () => {
    const h = createHarness({ nodeId: 'worker-7' });
    h.handler('task');
    await h.scheduler.start();
    const id = await h.scheduler.addDelayedJob('1m', 'task');
    expect(await h.task(id)).toMatchObject({ nodeId: null, attempts: 0, startedAt: null });
    await h.clock.advance(60_000);
    expect(await h.task(id)).toMatchObject({ nodeId: 'worker-7', attempts: 1 });
  });
});
