import { afterEach, describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '../../../lib/core/errors.js';
import type { TaskContext } from '../../../lib/core/handler.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

describe('idempotent ids', () => {
  it('returns the existing id and adds nothing while a task with that `id` is pending', async () => {
    const h = createHarness();
    const task = h.handler<{ v: number }>('task');
    await h.scheduler.start();
    const first = await h.scheduler.addDelayedJob('1m', 'task', { v: 1 }, { id: 'order-42' });
    const again = await h.scheduler.addDelayedJob('5s', 'task', { v: 2 }, { id: 'order-42' });
    const enqueued = await h.scheduler.enqueue('task', { v: 3 }, { id: 'order-42' });

    expect([first, again, enqueued]).toEqual(['order-42', 'order-42', 'order-42']);
    const { tasks, total } = await h.scheduler.getTasks();
    expect(total).toBe(1);
    expect(tasks[0]).toMatchObject({ payload: { v: 1 }, scheduledAt: new Date(T0 + 60_000) });
    expect(h.events.ofType('added')).toHaveLength(1);

    await h.clock.advance(60_000);
    expect(task.runs.map((run) => run.payload)).toEqual([{ v: 1 }]);
  });

  it('adds nothing while a task with that id is running or waiting for a retry', async () => {
    const h = createHarness({ queues: { q: { retryPolicy: { maxRetries: 1, delay: '1m' } } } });
    const task = h.handler<{ v: number }>('task', { hold: true }, { queue: 'q' });
    await h.scheduler.start();
    await h.scheduler.enqueue('task', { v: 1 }, { id: 'job-1' });
    await h.clock.advance(0);
    expect(await h.scheduler.enqueue('task', { v: 2 }, { id: 'job-1' })).toBe('job-1');

    task.runs[0]!.fail(new Error('boom'));
    await h.clock.advance(0);
    expect((await h.task('job-1')).status).toBe('retrying');
    expect(await h.scheduler.enqueue('task', { v: 3 }, { id: 'job-1' })).toBe('job-1');

    expect((await h.scheduler.getTasks()).total).toBe(1);
    await h.clock.advance(60_000);
    expect(task.runs.map((run) => [run.payload, run.attempt])).toEqual([
      [{ v: 1 }, 1],
      [{ v: 1 }, 2],
    ]);
  });

  it('adds a new run under the same id once the previous one finished', async () => {
    const h = createHarness();
    const task = h.handler<{ v: number }>('task');
    await h.scheduler.start();
    await h.scheduler.enqueue('task', { v: 1 }, { id: 'nightly' });
    await h.clock.advance(1_000);
    expect((await h.task('nightly')).status).toBe('completed');

    expect(await h.scheduler.enqueue('task', { v: 2 }, { id: 'nightly' })).toBe('nightly');
    await h.clock.advance(0);
    expect(task.runs.map((run) => [run.taskId, run.payload, run.at - T0])).toEqual([
      ['nightly', { v: 1 }, 0],
      ['nightly', { v: 2 }, 1_000],
    ]);
    const { tasks, total } = await h.scheduler.getTasks();
    expect(total).toBe(1);
    expect(tasks[0]).toMatchObject({ payload: { v: 2 }, status: 'completed', attempts: 1 });
  });

  it('adds an id repeated within one enqueueBulk once, answering both with it', async () => {
    const h = createHarness();
    h.handler('task');
    await h.scheduler.start();
    await h.scheduler.pauseQueue('default');
    const ids = await h.scheduler.enqueueBulk([
      { task: 'task', payload: { v: 1 }, opts: { id: 'dup' } },
      { task: 'task', payload: { v: 2 } },
      { task: 'task', payload: { v: 3 }, opts: { id: 'dup' } },
    ]);
    expect(ids[0]).toBe('dup');
    expect(ids[2]).toBe('dup');
    const { tasks, total } = await h.scheduler.getTasks();
    expect(total).toBe(2);
    expect((await h.task('dup')).payload).toEqual({ v: 1 });
    expect(tasks.map((task) => task.payload)).toContainEqual({ v: 2 });
  });

  it('answers a repeat of a waiting id even when its queue is full', async () => {
    const h = createHarness({ queues: { small: { maxSize: 1 } } });
    h.handler('task', {}, { queue: 'small' });
    await h.scheduler.start();
    await h.scheduler.pauseQueue('small');
    await h.scheduler.enqueue('task', null, { id: 'only' });
    await expect(h.scheduler.enqueue('task', null, { id: 'only' })).resolves.toBe('only');
    expect(h.events.ofType('queue-full')).toHaveLength(0);
  });

  it("derives the id from the payload with the handler's id()", async () => {
    const h = createHarness();
    const runs: string[] = [];
    h.scheduler.registerHandler('email', {
      id: (payload: { to: string }) => `email:${payload.to}`,
      execute: (_payload: { to: string }, ctx: TaskContext) => void runs.push(ctx.taskId),
    });
    await h.scheduler.start();
    await h.scheduler.pauseQueue('default');
    const a = await h.scheduler.enqueue('email', { to: 'a@example.com' });
    const b = await h.scheduler.enqueue('email', { to: 'b@example.com' });
    const a2 = await h.scheduler.enqueue('email', { to: 'a@example.com' });

    expect([a, b, a2]).toEqual([
      'email:a@example.com',
      'email:b@example.com',
      'email:a@example.com',
    ]);
    expect((await h.scheduler.getTasks()).total).toBe(2);
    await h.scheduler.resumeQueue('default');
    await h.clock.advance(0);
    expect(runs).toEqual(['email:a@example.com', 'email:b@example.com']);
  });

  it('prefers an explicit id over the one id() derives', async () => {
    const h = createHarness();
    h.scheduler.registerHandler('email', {
      id: (payload: { to: string }) => `email:${payload.to}`,
      execute: () => undefined,
    });
    await h.scheduler.start();
    expect(await h.scheduler.enqueue('email', { to: 'a' }, { id: 'explicit' })).toBe('explicit');
  });

  it('refuses an id outside the allowed characters with InvalidArgumentError', async () => {
    const h = createHarness();
    h.scheduler.registerHandler('bad-ids', {
      id: () => 'has spaces',
      execute: () => undefined,
    });
    h.handler('task');
    await h.scheduler.start();
    await expect(h.scheduler.enqueue('task', null, { id: '<script>' })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(h.scheduler.enqueue('task', null, { id: '<script>' })).rejects.toThrow(
      '"<script>"',
    );
    await expect(h.scheduler.enqueue('bad-ids')).rejects.toThrow(
      'Invalid id returned by id(): "has spaces"',
    );
    expect((await h.scheduler.getTasks()).total).toBe(0);
  });
});
