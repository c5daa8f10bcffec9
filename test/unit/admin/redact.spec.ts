import { describe, expect, it } from '@jest/globals';
import { DEFAULT_REDACTED_KEYS, resolveAdminOptions } from '../../../lib/admin/admin-options.js';
import { eventView, scheduleView, taskView } from '../../../lib/admin/admin-views.js';
import { REDACTED, redact } from '../../../lib/admin/redact.js';
import type { SchedulerEvent } from '../../../lib/core/events.js';
import type { ScheduleInfo, TaskInfo } from '../../../lib/core/types.js';

const defaults = new Set(DEFAULT_REDACTED_KEYS);

describe('redact', () => {
  it('hides the default keys at any depth, in objects and arrays', () => {
    const payload = {
      user: 'ada',
      password: 'hunter2',
      nested: { secret: 's', deeper: { token: 't', keep: 1 } },
      headers: [{ authorization: 'Bearer x', accept: 'json' }, 'plain', 3],
    };
    expect(redact(payload, defaults)).toEqual({
      user: 'ada',
      password: REDACTED,
      nested: { secret: REDACTED, deeper: { token: REDACTED, keep: 1 } },
      headers: [{ authorization: REDACTED, accept: 'json' }, 'plain', 3],
    });
  });

  it('matches key names case-insensitively, but only whole names', () => {
    expect(
      redact(
        { Password: 'a', TOKEN: 'b', API_TOKEN: 'c', passwordHint: 'd', mytoken: 'e' },
        defaults,
      ),
    ).toEqual({
      Password: REDACTED,
      TOKEN: REDACTED,
      API_TOKEN: 'c',
      passwordHint: 'd',
      mytoken: 'e',
    });
  });

  it('hides a secret value whatever its type, objects included', () => {
    expect(redact({ secret: { a: 1 }, token: null, password: 12 }, defaults)).toEqual({
      secret: REDACTED,
      token: REDACTED,
      password: REDACTED,
    });
  });

  it('returns values that need no change as they are, and never changes its input', () => {
    const clean = { a: [1, { b: 2 }], c: 'x' };
    expect(redact(clean, defaults)).toBe(clean);
    expect(redact('token', defaults)).toBe('token');
    expect(redact(null, defaults)).toBeNull();
    const dirty = { list: [{ token: 't' }], other: { keep: true } };
    const copy = redact(dirty, defaults) as typeof dirty;
    expect(dirty.list[0]!.token).toBe('t');
    expect(copy.other).toBe(dirty.other);
  });

  it('hides a top-level array of secrets', () => {
    expect(redact([{ password: 'p' }, { ok: 1 }], defaults)).toEqual([
      { password: REDACTED },
      { ok: 1 },
    ]);
  });

  it('with no keys, shows everything', () => {
    const payload = { password: 'p' };
    expect(redact(payload, new Set())).toBe(payload);
  });

  it('hides whatever lies deeper than any real payload', () => {
    let deep: unknown = { password: 'p' };
    for (let i = 0; i < 40; i += 1) deep = { next: deep };
    expect(JSON.stringify(redact(deep, defaults))).not.toContain('"p"');
  });

  it('treats a key named __proto__ as data', () => {
    const payload = JSON.parse('{"__proto__": {"token": "t"}, "ok": 1}') as Record<string, unknown>;
    const shown = redact(payload, defaults) as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(shown, '__proto__')?.value).toEqual({
      token: REDACTED,
    });
    expect(Object.getPrototypeOf(shown)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(shown))).toEqual(
      JSON.parse('{"__proto__": {"token": "[redacted]"}, "ok": 1}'),
    );
  });

  it('with custom keys, replaces the defaults (names matched case-insensitively)', () => {
    const keys = resolveAdminOptions({ redact: ['apiKey'] }).redact;
    expect(redact({ APIKEY: 'k', apikey: 'k', password: 'p', token: 't' }, keys)).toEqual({
      APIKEY: REDACTED,
      apikey: REDACTED,
      password: 'p',
      token: 't',
    });
  });
});

describe('admin views', () => {
  const task = {
    id: 't1',
    name: 'email',
    queue: 'mail',
    status: 'pending',
    payload: { to: 'ada', token: 't' },
  } as unknown as TaskInfo;
  const schedule = { id: 's1', payload: { secret: 's', every: 'day' } } as unknown as ScheduleInfo;

  it('redact the payloads of tasks, schedules and events, and nothing else', () => {
    expect(taskView(task, defaults)).toEqual({ ...task, payload: { to: 'ada', token: REDACTED } });
    expect(scheduleView(schedule, defaults).payload).toEqual({ secret: REDACTED, every: 'day' });
    const fired: SchedulerEvent = {
      type: 'schedule-fired',
      schedule,
      task,
      queue: 'mail',
      at: new Date(0),
    };
    expect(eventView(fired, defaults)).toEqual({
      ...fired,
      schedule: { ...schedule, payload: { secret: REDACTED, every: 'day' } },
      task: { ...task, payload: { to: 'ada', token: REDACTED } },
    });
    expect((task.payload as { token: string }).token).toBe('t');
  });

  it('pass events without secrets through as they are', () => {
    const full: SchedulerEvent = {
      type: 'queue-full',
      queue: 'mail',
      taskName: 'email',
      maxSize: 3,
      at: new Date(0),
    };
    expect(eventView(full, defaults)).toBe(full);
    const clean = { ...task, payload: { to: 'ada' } };
    expect(taskView(clean, defaults)).toBe(clean);
  });
});
