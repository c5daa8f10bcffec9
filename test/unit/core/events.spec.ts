import { afterEach, describe, expect, it } from '@jest/globals';
import type { TaskEvent } from '../../../lib/core/events.js';
import { waitForEvent } from '../../utils/event-waiter.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

describe('events$', () => {
  it('tells a successful task as added → started → completed, with a snapshot at each step', async () => {
    const h = createHarness();
    h.handler('job', { durationMs: 300 });
    await h.scheduler.start();
    await h.clock.advance(100);
    const id = await h.scheduler.enqueue('job', { n: 1 });
    await h.clock.advance(1_000);

    const events = h.events.about(id) as TaskEvent[];
    expect(events.map((e) => [e.type, e.task.status, e.at.getTime() - T0, e.queue])).toEqual([
      ['added', 'pending', 100, 'default'],
      ['started', 'running', 100, 'default'],
      ['completed', 'completed', 400, 'default'],
    ]);
    expect(events[0]!.task).toMatchObject({ attempts: 0, startedAt: null, nodeId: null });
    expect(events[1]!.task).toMatchObject({
      attempts: 1,
      startedAt: new Date(T0 + 100),
      nodeId: 'node-1',
    });
    expect(events[2]!.task).toMatchObject({
      attempts: 1,
      completedAt: new Date(T0 + 400),
      durationMs: 300,
      error: null,
      payload: { n: 1 },
    });
    expect(events[2]!.task.attemptHistory).toHaveLength(1);
  });

  it('tells a failing task as retrying between attempts and failed at the end', async () => {
    const h = createHarness({ queues: { q: { retryPolicy: { maxRetries: 1, delay: '1s' } } } });
    h.handler(
      'job',
      {
        work: (_payload, run) => {
          throw new Error(`attempt ${run.attempt} failed`);
        },
      },
      { queue: 'q' },
    );
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('job');
    await h.clock.advance(5_000);

    const events = h.events.about(id) as TaskEvent[];
    expect(events.map((e) => [e.type, e.task.status, e.task.attempts, e.task.error])).toEqual([
      ['added', 'pending', 0, null],
      ['started', 'running', 1, null],
      ['retrying', 'retrying', 1, 'attempt 1 failed'],
      ['started', 'running', 2, 'attempt 1 failed'],
      ['failed', 'failed', 2, 'attempt 2 failed'],
    ]);
    expect(events[2]!.task.scheduledAt).toEqual(new Date(T0 + 1_000));
    expect(events[4]!.task.attemptHistory.map((a) => a.error)).toEqual([
      'attempt 1 failed',
      'attempt 2 failed',
    ]);
    expect(events.map((e) => e.queue)).toEqual(['q', 'q', 'q', 'q', 'q']);
  });

  it('tells a cancelled running task as added → started → cancelled', async () => {
    const h = createHarness();
    h.handler('job', { hold: true, honourSignal: true });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('job');
    await h.clock.advance(50);
    await h.scheduler.cancelJob(id);
    await h.clock.advance(1_000);

    expect(h.events.trail(id)).toEqual(['added:pending', 'started:running', 'cancelled:cancelled']);
    const cancelled = h.events.about(id).at(-1) as TaskEvent;
    expect(cancelled.at).toEqual(new Date(T0 + 50));
    expect(cancelled.task.completedAt).toEqual(new Date(T0 + 50));
  });

  it('can be awaited for one event of one task', async () => {
    const h = createHarness();
    h.handler('job');
    await h.scheduler.start();
    const id = await h.scheduler.addDelayedJob('10s', 'job');
    const completed = waitForEvent(h.scheduler.events$, { type: 'completed', taskId: id });
    await h.clock.advance(10_000);
    const event = (await completed) as TaskEvent;
    expect(event.task).toMatchObject({ id, status: 'completed' });
    expect(event.at).toEqual(new Date(T0 + 10_000));
  });

  it('emits nothing for an idempotent repeat of an add', async () => {
    const h = createHarness();
    h.handler('job');
    await h.scheduler.start();
    await h.scheduler.pauseQueue('default');
    await h.scheduler.enqueue('job', null, { id: 'once' });
    await h.scheduler.enqueue('job', null, { id: 'once' });
    expect(h.events.events.map((e) => e.type)).toEqual(['added']);
  });

  it('completes the stream when the scheduler stops', async () => {
    const h = createHarness();
    await h.scheduler.start();
    let completed = false;
    h.scheduler.events$.subscribe({ complete: () => (completed = true) });
    await h.shutdown();
    expect(completed).toBe(true);
  });
});
