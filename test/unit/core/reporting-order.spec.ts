import { afterEach, describe, expect, it } from '@jest/globals';
import { GatedStore } from '../../utils/gated-store.js';
import { createHarness, stopHarnesses } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

describe('events report a task as added before anything else happens to it', () => {
  // In each case the queue is resumed while the write is applied but not yet acknowledged: the
  // claim that follows must wait until the task has been announced.

  it('for a bulk add', async () => {
    const store = new GatedStore();
    const h = createHarness({ store, queues: { q: {} } });
    h.handler('task', { hold: true });
    await h.scheduler.start();
    await h.scheduler.pauseQueue('q');
    store.holdAcks();
    const adding = h.scheduler.enqueueBulk([{ task: 'task', opts: { queue: 'q' } }]);
    await h.flush();
    await h.scheduler.resumeQueue('q');
    await h.flush();
    store.releaseAcks();
    const [id] = await adding;
    await h.flush();
    expect(h.events.trail(id!)).toEqual(['added:pending', 'started:running']);
  });

  it('for a task put back by retryTask', async () => {
    const store = new GatedStore();
    const h = createHarness({ store, queues: { q: {} } });
    h.handler('task', {
      work: () => {
        throw new Error('no');
      },
    });
    await h.scheduler.start();
    const id = await h.scheduler.enqueueToQueue('q', 'task');
    await h.clock.advance(0);
    await h.scheduler.pauseQueue('q');
    store.holdAcks();
    const retrying = h.scheduler.retryTask(id);
    await h.flush();
    await h.scheduler.resumeQueue('q');
    await h.flush();
    store.releaseAcks();
    await retrying;
    await h.flush();
    expect(h.events.trail(id)).toEqual([
      'added:pending',
      'started:running',
      'failed:failed',
      'added:pending',
      'started:running',
      'failed:failed',
    ]);
  });

  it('for the task of a schedule fire: schedule-fired and added come before started', async () => {
    const store = new GatedStore();
    const h = createHarness({ store, queues: { q: {} } });
    h.handler('task', { hold: true });
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('10s', 'task', null, { id: 'every-10s', queue: 'q' });
    await h.scheduler.pauseQueue('q');
    // Another task waits in the queue, so that the claim after resuming looks at it at once.
    await h.scheduler.enqueueToQueue('q', 'task');
    store.holdAcks();
    await h.clock.advance(10_000);
    await h.scheduler.resumeQueue('q');
    await h.flush();
    store.releaseAcks();
    await h.flush();
    const types = h.events.events
      .filter((event) => 'task' in event && event.task.scheduleId === 'every-10s')
      .map((event) => event.type);
    expect(types).toEqual(['added', 'schedule-fired', 'started']);
  });
});

describe("overlap 'queue' with manual triggers and shutdown", () => {
  it('never runs two fires at once, even when a manual run overlaps them', async () => {
    const h = createHarness();
    const task = h.handler('task', { hold: true });
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('10s', 'task', null, { id: 's', overlap: 'queue' });
    await h.clock.advance(10_000);
    await h.scheduler.triggerSchedule('s');
    await h.clock.advance(20_000);
    expect(task.unsettled).toHaveLength(2);

    task.runs[0]!.finish();
    await h.clock.advance(0);
    // The manual run is still unfinished: the held-back fires keep waiting.
    expect(task.unsettled).toHaveLength(1);
    task.runs[1]!.finish();
    await h.clock.advance(0);
    expect(task.unsettled).toHaveLength(1);
    task.unsettled[0]!.finish();
    await h.clock.advance(0);
    expect(task.unsettled).toHaveLength(1);
    // The 10 s fire, the manual run (triggered at 10 s), then the held-back 20 s and 30 s fires in turn.
    expect(task.runs.map((run) => run.scheduledAt - task.runs[0]!.scheduledAt)).toEqual([
      0, 0, 10_000, 20_000,
    ]);
  });

  it('creates no held-back fire once stop() has begun', async () => {
    const h = createHarness();
    h.handler('task', { durationMs: 5_000 });
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('1s', 'task', null, { id: 's', overlap: 'queue' });
    await h.clock.advance(2_500);
    const before = h.events.events.length;
    await h.shutdown();
    const after = h.events.events.slice(before).map((event) => event.type);
    expect(after).not.toContain('schedule-fired');
    expect(after).not.toContain('added');
  });
});

describe('triggerSchedule', () => {
  it('rejects with QueueFullError and adds nothing when the queue is full', async () => {
    const h = createHarness({ queues: { q: { maxSize: 1 } } });
    h.handler('task', { hold: true });
    await h.scheduler.start();
    await h.scheduler.pauseQueue('q');
    await h.scheduler.enqueueToQueue('q', 'task');
    await h.scheduler.addCronJob('0 0 1 1 *', 'task', null, { id: 's', queue: 'q' });
    await expect(h.scheduler.triggerSchedule('s')).rejects.toMatchObject({
      code: 'QUEUE_FULL',
      queue: 'q',
    });
    expect((await h.scheduler.getTasks({ queue: 'q' })).total).toBe(1);
    expect(h.events.events.filter((event) => event.type === 'queue-full')).toMatchObject([
      { queue: 'q', taskName: 'task', maxSize: 1 },
    ]);
  });
});
