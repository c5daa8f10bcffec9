import { afterEach, describe, expect, it } from '@jest/globals';
import {
  InvalidDurationError,
  InvalidPayloadError,
  QueueFullError,
  UnknownTaskError,
} from '../../../lib/core/errors.js';
import type { QueueFullEvent } from '../../../lib/core/events.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

async function full(maxSize: number) {
  const h = createHarness({ queues: { small: { maxSize, workers: 1 } } });
  const job = h.handler('job', { hold: true }, { queue: 'small' });
  h.handler('other');
  await h.scheduler.start();
  return { h, job };
}

describe('queue maxSize', () => {
  it('refuses the add beyond maxSize with QueueFullError and adds nothing', async () => {
    const { h } = await full(3);
    await h.scheduler.pauseQueue('small');
    for (let i = 0; i < 3; i += 1) await h.scheduler.enqueue('job', { i });

    const refused = h.scheduler.enqueue('job', { i: 3 });
    await expect(refused).rejects.toThrow(QueueFullError);
    await expect(refused).rejects.toMatchObject({ code: 'QUEUE_FULL', queue: 'small', maxSize: 3 });
    await expect(refused).rejects.toThrow(/Queue "small" is full \(maxSize 3\)/);

    const { tasks, total } = await h.scheduler.getTasks({ queue: 'small' });
    expect(total).toBe(3);
    expect(tasks.map((task) => task.payload)).toEqual([{ i: 2 }, { i: 1 }, { i: 0 }]);
    const stats = await h.scheduler.getStats();
    expect(stats.queues.small!.pending).toBe(3);
    expect(stats.total).toBe(3);
  });

  it('counts delayed tasks as waiting', async () => {
    const { h } = await full(2);
    await h.scheduler.addDelayedJob('1h', 'job', { i: 0 });
    await h.scheduler.addDelayedJob('2d', 'job', { i: 1 });

    await expect(h.scheduler.enqueue('job', { i: 2 })).rejects.toThrow(QueueFullError);
    await expect(h.scheduler.addDelayedJob('1m', 'job', { i: 3 })).rejects.toThrow(QueueFullError);
    expect((await h.scheduler.getTasks({ queue: 'small' })).total).toBe(2);
  });

  it('does not count running tasks, so a started task frees its place', async () => {
    const { h, job } = await full(2);
    await h.scheduler.enqueue('job', { i: 0 });
    await h.clock.advance(0);
    expect(job.runs).toHaveLength(1);

    // One running (not counted) + two waiting = full.
    await h.scheduler.enqueue('job', { i: 1 });
    await h.scheduler.enqueue('job', { i: 2 });
    await expect(h.scheduler.enqueue('job', { i: 3 })).rejects.toThrow(QueueFullError);

    const stats = await h.scheduler.getStats();
    expect(stats.queues.small).toMatchObject({ running: 1, pending: 2, maxSize: 2 });
  });

  it('accepts adds again once waiting tasks have started', async () => {
    const { h, job } = await full(1);
    await h.scheduler.pauseQueue('small');
    await h.scheduler.enqueue('job', { i: 0 });
    await expect(h.scheduler.enqueue('job', { i: 1 })).rejects.toThrow(QueueFullError);

    await h.scheduler.resumeQueue('small');
    await h.clock.advance(0);
    expect(job.runs.map((run) => run.payload)).toEqual([{ i: 0 }]);
    await expect(h.scheduler.enqueue('job', { i: 2 })).resolves.toEqual(expect.any(String));
  });

  it('makes room again when a waiting task is cancelled', async () => {
    const { h } = await full(1);
    await h.scheduler.pauseQueue('small');
    const first = await h.scheduler.enqueue('job', { i: 0 });
    await expect(h.scheduler.enqueue('job', { i: 1 })).rejects.toThrow(QueueFullError);
    await h.scheduler.cancelJob(first);
    await expect(h.scheduler.enqueue('job', { i: 2 })).resolves.toEqual(expect.any(String));
  });

  it('drops a schedule fire that finds its queue full, logs it, and fires again later', async () => {
    const { h, job } = await full(1);
    await h.scheduler.pauseQueue('small');
    await h.scheduler.enqueue('job', { filler: true });
    await h.scheduler.addRecurringJob('1s', 'job', null, { id: 'beat' });
    await h.clock.advance(1_000);

    expect(h.logger.warnings).toEqual([
      `schedule beat: queue small is full, fire beat@${new Date(T0 + 1_000).toISOString()} dropped`,
    ]);
    expect(h.events.ofType('schedule-fired')).toHaveLength(0);
    await h.scheduler.resumeQueue('small');
    await h.clock.advance(0);
    job.runs[0]!.finish();
    await h.clock.advance(1_000);
    expect(job.runs.map((run) => [run.scheduleId, run.scheduledAt - T0])).toEqual([
      [null, 0],
      ['beat', 2_000],
    ]);
  });

  it('never drops a task that goes back to waiting for a retry, even when the queue is full', async () => {
    const h = createHarness({
      queues: { small: { maxSize: 1, workers: 1, retryPolicy: { maxRetries: 1, delay: '1s' } } },
    });
    const flaky = h.handler('flaky', { hold: true }, { queue: 'small' });
    await h.scheduler.start();
    const first = await h.scheduler.enqueue('flaky', { n: 1 });
    await h.clock.advance(0);
    const second = await h.scheduler.enqueue('flaky', { n: 2 });

    flaky.runs[0]!.fail(new Error('boom'));
    await h.clock.advance(0);
    expect((await h.task(first)).status).toBe('retrying');
    expect((await h.task(second)).status).toBe('running');
    expect((await h.scheduler.getStats()).queues.small).toMatchObject({ retrying: 1, running: 1 });

    flaky.runs[1]!.finish();
    await h.clock.advance(1_000);
    expect(flaky.runs.map((run) => [run.payload, run.attempt])).toEqual([
      [{ n: 1 }, 1],
      [{ n: 2 }, 1],
      [{ n: 1 }, 2],
    ]);
  });

  it('emits a queue-full event naming the queue, the task and the limit', async () => {
    const { h } = await full(1);
    await h.scheduler.pauseQueue('small');
    await h.scheduler.enqueue('job');
    await expect(h.scheduler.enqueue('job')).rejects.toThrow(QueueFullError);

    const events = h.events.ofType('queue-full');
    const expected: QueueFullEvent[] = [
      { type: 'queue-full', queue: 'small', taskName: 'job', maxSize: 1, at: new Date(T0) },
    ];
    expect(events).toEqual(expected);
    expect(h.events.ofType('added')).toHaveLength(1);
  });
});

describe('enqueueBulk', () => {
  it('adds every job and resolves to their ids in order', async () => {
    const { h } = await full(5);
    await h.scheduler.pauseQueue('small');
    const ids = await h.scheduler.enqueueBulk([
      { task: 'job', payload: { i: 0 } },
      { task: 'job', payload: { i: 1 }, opts: { delay: '5s' } },
      { task: 'other', payload: { i: 2 } },
    ]);
    expect(ids).toHaveLength(3);
    const tasks = await Promise.all(ids.map((id) => h.task(id)));
    expect(tasks.map((task) => [task.name, task.queue, task.payload])).toEqual([
      ['job', 'small', { i: 0 }],
      ['job', 'small', { i: 1 }],
      ['other', 'default', { i: 2 }],
    ]);
    expect(tasks[1]!.scheduledAt).toEqual(new Date(T0 + 5_000));
  });

  it('adds nothing when one job would overflow its queue', async () => {
    const { h } = await full(3);
    await h.scheduler.pauseQueue('small');
    await h.scheduler.enqueue('job', { i: 'existing' });

    const bulk = h.scheduler.enqueueBulk([
      { task: 'other', payload: { i: 0 } },
      { task: 'job', payload: { i: 1 } },
      { task: 'job', payload: { i: 2 } },
      { task: 'job', payload: { i: 3 } },
    ]);
    await expect(bulk).rejects.toThrow(QueueFullError);
    await expect(bulk).rejects.toMatchObject({ queue: 'small', maxSize: 3, requested: 4 });

    const { tasks, total } = await h.scheduler.getTasks();
    expect(total).toBe(1);
    expect(tasks[0]!.payload).toEqual({ i: 'existing' });
  });

  it('adds nothing when one job is invalid', async () => {
    const { h } = await full(10);
    await h.scheduler.pauseQueue('small');

    await expect(
      h.scheduler.enqueueBulk([
        { task: 'job', payload: { i: 0 } },
        { task: 'job', payload: { when: new Date(T0) } },
      ]),
    ).rejects.toThrow(InvalidPayloadError);
    await expect(
      h.scheduler.enqueueBulk([
        { task: 'job', payload: { i: 0 } },
        { task: 'no-such-task', payload: { i: 1 } },
      ]),
    ).rejects.toThrow(UnknownTaskError);
    await expect(
      h.scheduler.enqueueBulk([
        { task: 'job', payload: { i: 0 } },
        { task: 'job', payload: { i: 1 }, opts: { delay: '5 parsecs' } },
      ]),
    ).rejects.toThrow(InvalidDurationError);

    expect((await h.scheduler.getTasks()).total).toBe(0);
    expect(h.events.ofType('added')).toHaveLength(0);
  });
});
