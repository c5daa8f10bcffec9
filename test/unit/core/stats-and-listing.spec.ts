import { afterEach, describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '../../../lib/core/errors.js';
import type { QueueInfo } from '../../../lib/core/types.js';
import { createHarness, stopHarnesses, T0, type Harness } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

/** A handler whose runs take `payload.ms` of clock time. */
function timed(h: Harness, name: string, queue: string) {
  return h.handler<{ ms: number }>(
    name,
    { work: (payload) => new Promise<void>((resolve) => h.clock.setTimer(resolve, payload.ms)) },
    { queue },
  );
}

describe('getStats() and getQueues()', () => {
  it('counts tasks exactly per status and per queue', async () => {
    const h = createHarness({
      maxWorkers: 5,
      queueSize: 100,
      queues: {
        a: { workers: 2, maxSize: 50 },
        b: { workers: 1, retryPolicy: { maxRetries: 1, delay: '1m' } },
      },
    });
    h.handler('hold-a', { hold: true }, { queue: 'a' });
    h.handler('ok-b', {}, { queue: 'b' });
    h.handler(
      'fail-b',
      { work: () => Promise.reject(new Error('no')) },
      { queue: 'b', retries: 0 },
    );
    h.handler('retry-b', { work: () => Promise.reject(new Error('again')) }, { queue: 'b' });
    await h.scheduler.start();
    for (let i = 0; i < 3; i += 1) await h.scheduler.enqueue('hold-a', { i }); // 2 running, 1 pending
    await h.scheduler.enqueue('ok-b');
    await h.scheduler.enqueue('ok-b');
    await h.scheduler.enqueue('fail-b');
    await h.scheduler.enqueue('retry-b');
    const cancelled = await h.scheduler.addDelayedJob('1h', 'ok-b');
    await h.scheduler.cancelJob(cancelled);
    await h.scheduler.addDelayedJob('1h', 'ok-b'); // pending in b
    await h.clock.advance(1_000);
    await h.flush();

    const stats = await h.scheduler.getStats();
    expect(stats).toMatchObject({
      pending: 2,
      running: 2,
      retrying: 1,
      completed: 2,
      failed: 1,
      cancelled: 1,
      orphaned: 0,
      total: 9,
      nodeId: 'node-1',
    });
    expect(stats.queues).toEqual({
      default: expect.objectContaining({ pending: 0, running: 0, workers: 5, maxSize: 100 }),
      a: expect.objectContaining({
        pending: 1,
        running: 2,
        retrying: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
        workers: 2,
        maxSize: 50,
        paused: false,
      }),
      b: expect.objectContaining({
        pending: 1,
        running: 0,
        retrying: 1,
        completed: 2,
        failed: 1,
        cancelled: 1,
        workers: 1,
        maxSize: 100,
        paused: false,
      }),
    });
  });

  it('reports the mean and 95th percentile of run durations per queue', async () => {
    const h = createHarness({ queues: { timed: { workers: 1 } } });
    timed(h, 'work', 'timed');
    await h.scheduler.start();
    const before = await h.scheduler.getQueues();
    expect(before.find((q) => q.name === 'timed')).toMatchObject({
      avgDurationMs: null,
      p95DurationMs: null,
    });
    // 100, 200, ..., 2000 ms, added in a shuffled order.
    const durations = Array.from({ length: 20 }, (_, i) => ((i * 7) % 20) * 100 + 100);
    for (const ms of durations) await h.scheduler.enqueue('work', { ms });
    await h.clock.advance(30_000);

    const stats = await h.scheduler.getStats();
    expect(stats.queues.timed).toMatchObject({
      completed: 20,
      avgDurationMs: 1_050,
      // Nearest rank: the 19th of 20 sorted durations.
      p95DurationMs: 1_900,
    });
    expect(stats.queues.default).toMatchObject({ avgDurationMs: null, p95DurationMs: null });
  });

  it('reports throughput over the last minute and uptime', async () => {
    const h = createHarness();
    h.handler('job');
    await h.scheduler.start();
    for (let i = 0; i < 10; i += 1) await h.scheduler.enqueue('job');
    await h.clock.advance(5_000);
    expect(await h.scheduler.getStats()).toMatchObject({
      completed: 10,
      throughputPerSecond: 2,
      uptimeMs: 5_000,
    });

    await h.clock.advance(25_000);
    expect(await h.scheduler.getStats()).toMatchObject({
      throughputPerSecond: 0.33,
      uptimeMs: 30_000,
    });
    // A minute after they finished, the ten no longer count.
    await h.clock.advance(31_000);
    expect(await h.scheduler.getStats()).toMatchObject({
      throughputPerSecond: 0,
      uptimeMs: 61_000,
    });
  });

  it('lists every queue with its configuration, counts and paused state', async () => {
    const h = createHarness({
      maxWorkers: 4,
      queueSize: 10,
      queues: { mail: { workers: 2, maxSize: 5, timeout: '30s' } },
    });
    h.handler('send', {}, { queue: 'mail' });
    await h.scheduler.start();
    h.scheduler.createQueue('bulk', { workers: 1 });
    await h.scheduler.pauseQueue('mail');
    await h.scheduler.enqueue('send');

    const queues = await h.scheduler.getQueues();
    const expected: QueueInfo[] = [
      {
        name: 'default',
        timeoutMs: null,
        pending: 0,
        running: 0,
        retrying: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
        workers: 4,
        maxSize: 10,
        paused: false,
        avgDurationMs: null,
        p95DurationMs: null,
      },
      {
        name: 'mail',
        timeoutMs: 30_000,
        pending: 1,
        running: 0,
        retrying: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
        workers: 2,
        maxSize: 5,
        paused: true,
        avgDurationMs: null,
        p95DurationMs: null,
      },
      {
        name: 'bulk',
        timeoutMs: null,
        pending: 0,
        running: 0,
        retrying: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
        workers: 1,
        maxSize: 10,
        paused: false,
        avgDurationMs: null,
        p95DurationMs: null,
      },
    ];
    expect(queues).toEqual(expected);
  });

  it('starts nothing from a paused queue until it is resumed', async () => {
    const h = createHarness();
    const job = h.handler('job');
    await h.scheduler.start();
    await h.scheduler.pauseQueue('default');
    await h.scheduler.enqueue('job');
    await h.clock.advance(10_000);
    expect(job.runs).toHaveLength(0);
    await h.scheduler.resumeQueue('default');
    await h.clock.advance(0);
    expect(job.runs.map((run) => run.at - T0)).toEqual([10_000]);
  });
});

describe('getTasks()', () => {
  async function populated() {
    const h = createHarness({ queues: { other: {} } });
    h.handler('alpha');
    h.handler('beta', {}, { queue: 'other' });
    h.handler('broken', { work: () => Promise.reject(new Error('x')) });
    await h.scheduler.start();
    const order: string[] = [];
    order.push(await h.scheduler.enqueue('alpha', { n: 0 }));
    await h.clock.advance(10);
    order.push(await h.scheduler.enqueue('beta', { n: 1 }));
    await h.clock.advance(10);
    order.push(await h.scheduler.enqueue('broken', { n: 2 }));
    await h.clock.advance(10);
    order.push(await h.scheduler.addDelayedJob('1h', 'alpha', { n: 3 }));
    await h.clock.advance(10);
    order.push(await h.scheduler.addDelayedJob('1h', 'beta', { n: 4 }));
    await h.clock.advance(10);
    return { h, order };
  }

  it('lists newest first, with a total of all matches', async () => {
    const { h, order } = await populated();
    const { tasks, total } = await h.scheduler.getTasks();
    expect(total).toBe(5);
    expect(tasks.map((t) => t.id)).toEqual([...order].reverse());
    expect(tasks.map((t) => t.createdAt.getTime() - T0)).toEqual([40, 30, 20, 10, 0]);
  });

  it('filters by one status or several, by queue and by name', async () => {
    const { h, order } = await populated();
    const ids = async (filter: Parameters<typeof h.scheduler.getTasks>[0]) => {
      const { tasks, total } = await h.scheduler.getTasks(filter);
      expect(total).toBe(tasks.length);
      return tasks.map((t) => order.indexOf(t.id));
    };
    expect(await ids({ status: 'pending' })).toEqual([4, 3]);
    expect(await ids({ status: ['completed', 'failed'] })).toEqual([2, 1, 0]);
    expect(await ids({ queue: 'other' })).toEqual([4, 1]);
    expect(await ids({ name: 'alpha' })).toEqual([3, 0]);
    expect(await ids({ name: 'alpha', status: 'completed' })).toEqual([0]);
    expect(await ids({ queue: 'default', status: ['failed', 'pending'] })).toEqual([3, 2]);
    expect(await ids({ queue: 'unknown-but-well-formed' })).toEqual([]);
  });

  it('pages with limit and offset while total counts every match', async () => {
    const { h, order } = await populated();
    const page = await h.scheduler.getTasks({ limit: 2, offset: 1 });
    expect(page.total).toBe(5);
    expect(page.tasks.map((t) => order.indexOf(t.id))).toEqual([3, 2]);
    const last = await h.scheduler.getTasks({ limit: 2, offset: 4 });
    expect(last.tasks.map((t) => order.indexOf(t.id))).toEqual([0]);
    const beyond = await h.scheduler.getTasks({ limit: 2, offset: 10 });
    expect(beyond).toEqual({ tasks: [], total: 5 });
  });

  it('returns 100 tasks by default and up to 1000 when asked', async () => {
    const h = createHarness({ queueSize: 2_000 });
    h.handler('job');
    await h.scheduler.start();
    await h.scheduler.pauseQueue('default');
    await h.scheduler.enqueueBulk(
      Array.from({ length: 1_100 }, (_, i) => ({ task: 'job', payload: i })),
    );

    const firstPage = await h.scheduler.getTasks();
    expect(firstPage.total).toBe(1_100);
    expect(firstPage.tasks).toHaveLength(100);
    expect(firstPage.tasks[0]!.payload).toBe(1_099);
    const big = await h.scheduler.getTasks({ limit: 1_000 });
    expect(big.tasks).toHaveLength(1_000);
    expect(big.tasks.at(-1)!.payload).toBe(100);
  });

  it.each([
    ['limit', { limit: 1_001 }, '1001'],
    ['limit', { limit: 0 }, '0'],
    ['limit', { limit: 2.5 }, '2.5'],
    ['offset', { offset: -1 }, '-1'],
    ['status', { status: 'done' }, '"done"'],
    ['status', { status: ['pending', 'nope'] }, '"nope"'],
    ['queue', { queue: '<script>' }, '"<script>"'],
    ['name', { name: 'has space' }, '"has space"'],
  ])(
    'refuses a bad %s filter (%j) with InvalidArgumentError naming it',
    async (field, filter, shown) => {
      const h = createHarness();
      await h.scheduler.start();
      const listing = h.scheduler.getTasks(filter as never);
      await expect(listing).rejects.toThrow(InvalidArgumentError);
      await expect(listing).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field });
      await expect(listing).rejects.toThrow(`Invalid ${field}: ${shown}`);
    },
  );
});
