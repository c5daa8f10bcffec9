import { afterEach, describe, expect, it } from '@jest/globals';
import { LocalCoordinator } from '../../../lib/coordination/local/local-coordinator.js';
import { INTERRUPTED_LEASE_EXPIRED } from '../../../lib/core/lease-keeper.js';
import { Scheduler } from '../../../lib/core/scheduler.js';
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

/** The local coordinator, saying that other instances share the store (as PostgreSQL's does). */
class SharedCoordinator extends LocalCoordinator {
  readonly shared = true;
}

describe('an instance sharing its store with others', () => {
  it('recovers the tasks of an instance that died after it started, once their lease runs out', async () => {
    const store = new MemoryTaskStore();
    const clock = new ManualClock(T0);
    const survivor = createHarness({
      store,
      clock,
      coordinator: new SharedCoordinator(clock, 'survivor'),
      lease: '3s',
      renewEvery: '1s',
      queues: { default: { retryPolicy: { maxRetries: 1, delay: 0 } } },
    });
    const job = survivor.handler('job');
    await survivor.scheduler.start();
    await survivor.scheduler.pauseQueue('default');

    // Another instance starts afterwards, claims the task, and dies: its clock never moves again.
    const doomed = new Scheduler({
      store,
      clock: new ManualClock(T0),
      nodeId: 'doomed',
      logger: new RecordingLogger(),
      lease: '3s',
      renewEvery: '1s',
      queues: { default: { retryPolicy: { maxRetries: 1, delay: 0 } } },
    });
    doomed.registerHandler('job', { execute: () => new Promise(() => undefined) });
    await doomed.start();
    const id = await doomed.enqueue('job');
    await survivor.flush();
    expect(await store.getTask(id)).toMatchObject({ status: 'running', lockedBy: 'doomed' });

    await survivor.scheduler.resumeQueue('default');
    await clock.advance(5 * SECOND);
    expect(job.taskIds).toEqual([id]);
    const task = await survivor.task(id);
    expect(task.status).toBe('completed');
    expect(task.attemptHistory[0]?.error).toBe(INTERRUPTED_LEASE_EXPIRED);
  });

  it('keeps firing a schedule whose earlier run another instance finished', async () => {
    const store = new MemoryTaskStore();
    const clock = new ManualClock(T0);
    const h = createHarness({
      store,
      clock,
      coordinator: new SharedCoordinator(clock, 'creator'),
      queues: { q: {} },
    });
    h.handler('job');
    await h.scheduler.start();
    await h.scheduler.pauseQueue('q'); // this instance creates the fires, others run them
    await h.scheduler.addRecurringJob('10s', 'job', null, { id: 'every-10s', queue: 'q' });
    await clock.advance(10 * SECOND);
    const first = 'every-10s@2026-01-01T00:00:10.000Z';
    expect((await store.getTask(first))?.status).toBe('pending');

    // Another instance runs it to the end (here: written straight to the shared store).
    await store.updateTasks([
      {
        id: first,
        expect: { statuses: ['pending'] },
        set: { status: 'completed', completedAt: clock.now() },
      },
    ]);
    await clock.advance(10 * SECOND);
    expect(await store.getTask('every-10s@2026-01-01T00:00:20.000Z')).not.toBeNull();
  });

  it('still skips a fire while the earlier run is unfinished anywhere', async () => {
    const store = new MemoryTaskStore();
    const clock = new ManualClock(T0);
    const h = createHarness({
      store,
      clock,
      coordinator: new SharedCoordinator(clock, 'creator'),
      queues: { q: {} },
    });
    h.handler('job');
    await h.scheduler.start();
    await h.scheduler.pauseQueue('q');
    await h.scheduler.addRecurringJob('10s', 'job', null, { id: 'every-10s', queue: 'q' });
    await clock.advance(20 * SECOND);
    expect(await store.getTask('every-10s@2026-01-01T00:00:10.000Z')).not.toBeNull();
    expect(await store.getTask('every-10s@2026-01-01T00:00:20.000Z')).toBeNull();
  });
});
