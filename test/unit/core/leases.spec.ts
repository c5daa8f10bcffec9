import { afterEach, describe, expect, it } from '@jest/globals';
import { LeaseLostError } from '../../../lib/core/attempt-errors.js';
import {
  INTERRUPTED_BY_RESTART,
  INTERRUPTED_LEASE_EXPIRED,
} from '../../../lib/core/lease-keeper.js';
import type { SchedulerOptions } from '../../../lib/core/options.js';
import { Scheduler } from '../../../lib/core/scheduler.js';
import { generateNodeId } from '../../../lib/coordination/local/local-coordinator.js';
import { MemoryTaskStore } from '../../../lib/store/memory/memory-task-store.js';
import { ManualClock } from '../../utils/manual-clock.js';
import {
  createHarness,
  RecordingLogger,
  stopHarnesses,
  T0,
} from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

const SECOND = 1_000;
const retryOnce = { queues: { default: { retryPolicy: { maxRetries: 1, delay: '5s' } } } };

/**
 * A node that starts a task and then dies: its clock is never moved again,
 * so it never renews, finishes or hands back what it holds.
 */
async function nodeThatDies(store: MemoryTaskStore, options: SchedulerOptions): Promise<string> {
  const clock = new ManualClock(T0);
  const scheduler = new Scheduler({ ...options, store, clock, logger: new RecordingLogger() });
  scheduler.registerHandler('job', { execute: () => new Promise(() => undefined) });
  await scheduler.start();
  const id = await scheduler.enqueue('job');
  await clock.advance(0);
  expect((await store.getTask(id))?.status).toBe('running');
  return id;
}

describe('recovering the tasks of a node that died', () => {
  it('at once when the node restarts under the same configured id', async () => {
    const store = new MemoryTaskStore();
    const id = await nodeThatDies(store, { nodeId: 'worker-1', ...retryOnce });
    const h = createHarness({
      store,
      nodeId: 'worker-1',
      clock: new ManualClock(T0 + SECOND),
      ...retryOnce,
    });
    const job = h.handler('job');
    await h.scheduler.start();
    await h.flush();

    expect(await h.task(id)).toMatchObject({
      status: 'retrying',
      attempts: 1,
      error: INTERRUPTED_BY_RESTART,
      scheduledAt: new Date(T0 + SECOND + 5 * SECOND),
    });
    expect((await h.task(id)).attemptHistory).toMatchObject([
      { attempt: 1, error: INTERRUPTED_BY_RESTART, nodeId: 'worker-1' },
    ]);
    await h.clock.advance(5 * SECOND);
    expect(job.runs.map((run) => run.attempt)).toEqual([2]);
    expect((await h.task(id)).status).toBe('completed');
  });

  it('at once when its generated id names a process of this host that is gone', async () => {
    const store = new MemoryTaskStore();
    // Same host and pid, another random part: an earlier run of this very process.
    const id = await nodeThatDies(store, { nodeId: generateNodeId(), ...retryOnce });
    const h = createHarness({ store, nodeId: generateNodeId(), ...retryOnce });
    h.handler('job');
    await h.scheduler.start();
    await h.flush();
    expect(await h.task(id)).toMatchObject({ status: 'retrying', error: INTERRUPTED_BY_RESTART });
  });

  it('only once its lease runs out when the node may be alive elsewhere', async () => {
    const store = new MemoryTaskStore();
    const id = await nodeThatDies(store, { nodeId: 'far-away', lease: '30s', ...retryOnce });
    const h = createHarness({ store, lease: '30s', renewEvery: '10s', ...retryOnce });
    const job = h.handler('job');
    await h.scheduler.start();
    await h.flush();
    expect((await h.task(id)).status).toBe('running');

    await h.clock.advance(29 * SECOND);
    expect((await h.task(id)).status).toBe('running');
    // The lease ran out at T0 + 30 s; the next look (every 10 s) recovers it.
    await h.clock.advance(11 * SECOND);
    expect(await h.task(id)).toMatchObject({
      status: 'retrying',
      error: INTERRUPTED_LEASE_EXPIRED,
    });
    await h.clock.advance(5 * SECOND);
    expect(job.runs).toHaveLength(1);
    expect((await h.task(id)).status).toBe('completed');
  });
});

describe('keeping leases alive', () => {
  it('renews the lease of a long attempt, which is then never recovered', async () => {
    const store = new MemoryTaskStore();
    const h = createHarness({ store, lease: '3s', renewEvery: '1s' });
    const job = h.handler('job', { durationMs: 20 * SECOND });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('job');
    for (let second = 1; second <= 19; second += 1) {
      await h.clock.advance(SECOND);
      const record = await store.getTask(id);
      expect(record?.lockedUntil).toBeGreaterThan(h.clock.now());
    }
    await h.clock.advance(SECOND);
    expect(await h.task(id)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(job.runs).toHaveLength(1);
  });

  it('aborts an attempt whose lease was taken over, and does not record its result', async () => {
    const store = new MemoryTaskStore();
    const h = createHarness({ store, lease: '3s', renewEvery: '1s' });
    const job = h.handler('job', { hold: true });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('job');
    await h.clock.advance(0);
    const running = (await store.getTask(id))!;
    // Another node took the task over (its lease was judged expired there).
    await store.updateTasks([
      {
        id,
        expect: { statuses: ['running'] },
        set: { lockedBy: 'other-node', lockedUntil: h.clock.now() + 60 * SECOND },
      },
    ]);
    await h.clock.advance(SECOND);
    expect(job.runs[0]!.signal.aborted).toBe(true);
    expect(job.runs[0]!.signal.reason).toBeInstanceOf(LeaseLostError);
    expect(h.logger.warnings.join('\n')).toContain('no longer holds it');

    job.runs[0]!.finish();
    await h.clock.advance(2 * SECOND);
    expect(await store.getTask(id)).toMatchObject({
      status: 'running',
      lockedBy: 'other-node',
      attempts: running.attempts,
    });
  });
});

/** A store whose claim replies can be lost after the claim was made (a connection dropping on the way back). */
class LossyClaimStore extends MemoryTaskStore {
  lostReplies = 0;

  override async claimDue(...args: Parameters<MemoryTaskStore['claimDue']>) {
    const result = await super.claimDue(...args);
    if (this.lostReplies > 0 && result.tasks.length > 0) {
      this.lostReplies -= 1;
      throw new Error('read ECONNRESET');
    }
    return result;
  }
}

describe('a claim whose reply was lost', () => {
  it('hands its tasks back uncounted at the next lease tick, long before their lease runs out', async () => {
    const store = new LossyClaimStore();
    const h = createHarness({ store, lease: '60s', renewEvery: '5s' });
    const job = h.handler('job');
    await h.scheduler.start();
    await h.flush();
    store.lostReplies = 1;
    const id = await h.scheduler.enqueue('job', { n: 1 });
    await h.flush();
    expect(await store.getTask(id)).toMatchObject({ status: 'running', lockedBy: 'node-1' });
    expect(job.runs).toHaveLength(0);

    await h.clock.advance(5 * SECOND);
    expect(job.runs.map((run) => run.attempt)).toEqual([1]);
    expect(await h.task(id)).toMatchObject({ status: 'completed', attempts: 1, error: null });
    expect(h.logger.warnings.join('\n')).toContain(`handed back: ${id}`);
  });

  it('hands back only the tasks of the lost claim, not the attempts this node runs', async () => {
    const store = new LossyClaimStore();
    const h = createHarness({ store, lease: '60s', renewEvery: '5s', queues: { a: {}, b: {} } });
    const job = h.handler('job', { hold: true });
    await h.scheduler.start();
    await h.flush();
    const running = await h.scheduler.enqueueToQueue('a', 'job');
    await h.flush();
    store.lostReplies = 1;
    const lost = await h.scheduler.enqueueToQueue('b', 'job');
    await h.flush();
    expect(job.taskIds).toEqual([running]);

    await h.clock.advance(5 * SECOND);
    expect(job.taskIds).toEqual([running, lost]);
    expect(job.runs.map((run) => run.attempt)).toEqual([1, 1]);
    expect(job.runs[0]!.signal.aborted).toBe(false);
    for (const run of job.runs) run.finish();
    await h.flush();
    expect(await h.task(running)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(await h.task(lost)).toMatchObject({ status: 'completed', attempts: 1 });
  });
});
