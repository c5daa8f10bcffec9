import { describe, expect, it } from '@jest/globals';
import { FinishCounter } from '../../../lib/admin/finish-history.js';
import type { SchedulerEvent, TaskEvent } from '../../../lib/core/events.js';
import type { TaskInfo } from '../../../lib/core/types.js';

const MINUTE = 60_000;
/** 12:00:00 on a whole minute. */
const T0 = Date.parse('2026-01-01T12:00:00.000Z');

function setup(start = T0) {
  let now = start;
  const counter = new FinishCounter(() => now);
  const finish = (type: TaskEvent['type'], queue = 'default', at = now) =>
    counter.record({ type, queue, at: new Date(at), task: {} as TaskInfo });
  return {
    counter,
    finish,
    advance: (ms: number) => (now += ms),
    /** The bucket of the minute `back` minutes before the current one. */
    minute: (back: number) => {
      const { buckets } = counter.history();
      return buckets[buckets.length - 1 - back]!;
    },
  };
}

describe('FinishCounter', () => {
  it('starts with sixty empty minute buckets ending at the current minute, oldest first', () => {
    const { counter } = setup(T0 + 42_000);
    const history = counter.history();
    expect(history.bucketMs).toBe(MINUTE);
    expect(history.buckets).toHaveLength(60);
    expect(history.buckets[59]).toEqual({ at: new Date(T0), completed: 0, failed: 0 });
    expect(history.buckets[0]!.at).toEqual(new Date(T0 - 59 * MINUTE));
    expect(history.throughput).toEqual({});
  });

  it('counts an event stamped ahead of its clock in the current minute, keeping the oldest one', () => {
    const { finish, advance, minute } = setup();
    finish('completed');
    advance(59 * MINUTE);
    finish('failed', 'default', T0 + 59 * MINUTE + MINUTE + 1_000);
    expect(minute(59)).toMatchObject({ completed: 1, failed: 0 });
    expect(minute(0)).toMatchObject({ completed: 0, failed: 1 });
  });

  it('counts completions and failures in the minute they happened', () => {
    const { finish, minute } = setup();
    finish('completed');
    finish('completed');
    finish('failed');
    expect(minute(0)).toEqual({ at: new Date(T0), completed: 2, failed: 1 });
  });

  it('ignores every other event', () => {
    const { counter, finish } = setup();
    for (const type of ['added', 'started', 'retrying', 'cancelled'] as const) finish(type);
    counter.record({
      type: 'queue-full',
      queue: 'default',
      taskName: 'x',
      maxSize: 1,
      at: new Date(T0),
    } satisfies SchedulerEvent);
    expect(counter.history().buckets.every((b) => b.completed + b.failed === 0)).toBe(true);
  });

  it('rolls over to a new bucket each minute, keeping the earlier ones', () => {
    const { finish, advance, minute } = setup();
    finish('completed');
    advance(MINUTE);
    finish('failed');
    finish('failed');
    expect(minute(0)).toEqual({ at: new Date(T0 + MINUTE), completed: 0, failed: 2 });
    expect(minute(1)).toEqual({ at: new Date(T0), completed: 1, failed: 0 });
  });

  it('drops minutes older than an hour, even when their ring slot is reused', () => {
    const { finish, advance, minute, counter } = setup();
    finish('completed');
    advance(59 * MINUTE);
    expect(minute(59)).toEqual({ at: new Date(T0), completed: 1, failed: 0 });
    advance(MINUTE);
    expect(counter.history().buckets.every((b) => b.completed === 0)).toBe(true);
    // The minute an hour on shares T0's slot in the ring: it starts from zero.
    finish('failed');
    expect(minute(0)).toEqual({ at: new Date(T0 + 60 * MINUTE), completed: 0, failed: 1 });
    advance(2 * 60 * MINUTE);
    expect(counter.history().buckets.every((b) => b.failed === 0)).toBe(true);
  });

  it('does not count events dated outside the hour it keeps', () => {
    const { finish, counter } = setup();
    finish('completed', 'default', T0 - 60 * MINUTE);
    finish('completed', 'default', T0 + 5 * MINUTE);
    const total = counter.history().buckets.reduce((sum, b) => sum + b.completed, 0);
    expect(total).toBe(0);
    finish('completed', 'default', T0 - 59 * MINUTE);
    expect(counter.history().buckets[0]).toEqual({
      at: new Date(T0 - 59 * MINUTE),
      completed: 1,
      failed: 0,
    });
  });

  it('reports throughput per queue as finishes per minute over the last five minutes', () => {
    const { finish, advance, counter } = setup();
    for (let i = 0; i < 10; i += 1) finish('completed', 'mail');
    finish('failed', 'reports');
    advance(4 * MINUTE);
    for (let i = 0; i < 5; i += 1) finish('completed', 'mail');
    expect(counter.history().throughput).toEqual({ mail: 3, reports: 0.2 });
    // One more minute: the first minute leaves the five-minute window.
    advance(MINUTE);
    expect(counter.history().throughput).toEqual({ mail: 1 });
    advance(5 * MINUTE);
    expect(counter.history().throughput).toEqual({});
  });
});
