import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { MAX_TIMER_DELAY_MS } from '../../../lib/core/clock.js';
import { Scheduler } from '../../../lib/core/scheduler.js';
import { ManualClock } from '../../utils/manual-clock.js';
import {
  createHarness,
  RecordingLogger,
  stopHarnesses,
  T0,
  type Harness,
} from '../../utils/scheduler-harness.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let warnings: Error[] = [];
const onWarning = (warning: Error) => void warnings.push(warning);

beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});

afterEach(async () => {
  process.off('warning', onWarning);
  await stopHarnesses();
});

/** Records every delay the engine asks of the clock. */
function watchTimerRequests(h: Harness): number[] {
  const delays: number[] = [];
  const setTimer = h.clock.setTimer.bind(h.clock);
  jest.spyOn(h.clock, 'setTimer').mockImplementation((callback, delayMs) => {
    delays.push(delayMs);
    return setTimer(callback, delayMs);
  });
  return delays;
}

describe('delayed tasks', () => {
  it('never start early: not at due − 1 ms, exactly at due', async () => {
    const h = createHarness();
    const task = h.handler('task');
    await h.scheduler.start();
    await h.clock.advance(123);
    const id = await h.scheduler.addDelayedJob('2500ms', 'task');
    expect(await h.task(id)).toMatchObject({
      status: 'pending',
      createdAt: new Date(T0 + 123),
      scheduledAt: new Date(T0 + 2_623),
    });

    await h.clock.advance(2_499);
    expect(task.runs).toHaveLength(0);
    await h.clock.advance(1);
    expect(task.runs.map((run) => run.at - T0)).toEqual([2_623]);
  });

  it('start in due order whatever order they were added in', async () => {
    const h = createHarness({ maxWorkers: 1 });
    const task = h.handler<{ n: string }>('task');
    await h.scheduler.start();
    await h.scheduler.addDelayedJob('3s', 'task', { n: 'c' });
    await h.scheduler.addDelayedJob('1s', 'task', { n: 'a' });
    await h.scheduler.addDelayedJob(2_000, 'task', { n: 'b' });
    await h.scheduler.addDelayedJob('1s', 'task', { n: 'a2' });
    await h.clock.advance(5_000);
    expect(task.runs.map((run) => [run.payload.n, run.at - T0])).toEqual([
      ['a', 1_000],
      ['a2', 1_000],
      ['b', 2_000],
      ['c', 3_000],
    ]);
  });

  it('wait 30 days across timer chunks without firing early, overflowing a timer or piling up timers', async () => {
    const h = createHarness();
    const delays = watchTimerRequests(h);
    const task = h.handler('task');
    await h.scheduler.start();
    const id = await h.scheduler.addDelayedJob('30d', 'task');

    // 30 days is longer than one Node timer can wait (2^31−1 ms ≈ 24.9 days).
    await h.clock.advance(30 * DAY - 1);
    expect(task.runs).toHaveLength(0);
    expect((await h.task(id)).status).toBe('pending');
    await h.clock.advance(1);
    expect(task.runs.map((run) => run.at - T0)).toEqual([30 * DAY]);

    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    expect(h.clock.peakTimers).toBeLessThanOrEqual(3);
    expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
  });

  it('wait 365 days without firing early, overflowing a timer or piling up timers', async () => {
    const h = createHarness();
    const delays = watchTimerRequests(h);
    const task = h.handler('task');
    await h.scheduler.start();
    const id = await h.scheduler.addDelayedJob('365d', 'task');

    await h.clock.advance(365 * DAY - 1);
    expect(task.runs).toHaveLength(0);
    expect((await h.task(id)).status).toBe('pending');
    await h.clock.advance(1);
    expect(task.runs.map((run) => run.at - T0)).toEqual([365 * DAY]);

    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    expect(h.clock.peakTimers).toBeLessThanOrEqual(3);
    expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
  });

  it('run monthly and yearly crons on their instants over a year, never early, on at most 3 timers', async () => {
    const h = createHarness();
    const delays = watchTimerRequests(h);
    const task = h.handler('task');
    await h.scheduler.start();
    await h.scheduler.addCronJob('@monthly', 'task', 'monthly', { timeZone: 'UTC' });
    await h.scheduler.addCronJob('@yearly', 'task', 'yearly', { timeZone: 'UTC' });

    // From 2026-01-01T00:00Z (the clock's start, excluded) to 2027-01-01T00:00Z included.
    await h.clock.advance(365 * DAY);
    const runs = task.runs.map((run) => [run.payload, new Date(run.at).toISOString()]);
    const months = Array.from({ length: 12 }, (_, i) => {
      const month = new Date(Date.UTC(2026, i + 1, 1));
      return ['monthly', month.toISOString()];
    });
    expect(runs).toEqual(
      [...months, ['yearly', '2027-01-01T00:00:00.000Z']].sort((a, b) =>
        a[1]! === b[1]! ? a[0]!.localeCompare(b[0]!) : a[1]!.localeCompare(b[1]!),
      ),
    );
    for (const run of task.runs) expect(run.at).toBe(run.scheduledAt);

    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    expect(h.clock.peakTimers).toBeLessThanOrEqual(3);
    expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
  });

  it('on the real clock, a 365-day delay neither fires at once nor warns about timer overflow', async () => {
    const logger = new RecordingLogger();
    const scheduler = new Scheduler({ logger });
    let ran = 0;
    scheduler.registerHandler('task', { execute: () => void (ran += 1) });
    await scheduler.start();
    const year = await scheduler.addDelayedJob('365d', 'task');
    const month = await scheduler.addDelayedJob('30d', 'task');
    // An overflowed Node timer fires after 1 ms: give it ample time to show.
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(ran).toBe(0);
    expect((await scheduler.getTask(year))!.status).toBe('pending');
    expect((await scheduler.getTask(month))!.status).toBe('pending');
    expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
    await scheduler.stop();
    expect(logger.errors).toEqual([]);
  });
});

describe('wall-clock steps', () => {
  async function jumpBackAnHour(kind: 'cron' | 'recurring') {
    const h = createHarness();
    const tick = h.handler('tick');
    const once = h.handler('once');
    await h.scheduler.start();
    if (kind === 'cron')
      await h.scheduler.addCronJob('* * * * *', 'tick', null, { id: 'minutely', timeZone: 'UTC' });
    else await h.scheduler.addRecurringJob('1m', 'tick', null, { id: 'minutely' });
    await h.clock.advance(3 * MINUTE + 30 * SECOND);
    const delayed = await h.scheduler.addDelayedJob('30m', 'once');
    expect(tick.runs.map((run) => run.scheduledAt - T0)).toEqual([MINUTE, 2 * MINUTE, 3 * MINUTE]);

    h.clock.jump(-HOUR);
    await h.clock.advance(3 * HOUR);

    const fireTimes = tick.runs.map((run) => run.scheduledAt - T0);
    // Fires resume where they left off once the wall clock is back, with none repeated.
    expect(fireTimes).toEqual(Array.from({ length: fireTimes.length }, (_, k) => (k + 1) * MINUTE));
    expect(new Set(tick.taskIds).size).toBe(tick.runs.length);
    // Wall time now: 3m30s + 3h − 1h.
    expect(fireTimes.at(-1)).toBe(2 * HOUR + 3 * MINUTE);
    for (const run of [...tick.runs, ...once.runs]) {
      expect(run.at).toBeGreaterThanOrEqual(run.scheduledAt);
    }
    expect(once.runs.map((run) => [run.taskId, run.at - T0])).toEqual([
      [delayed, 33 * MINUTE + 30 * SECOND],
    ]);
  }

  it('a step back by an hour neither re-fires a recurring schedule nor runs a task early or twice', async () => {
    await jumpBackAnHour('recurring');
  });

  it('a step back by an hour neither re-fires a cron schedule nor runs a task early or twice', async () => {
    await jumpBackAnHour('cron');
  });

  it('a step forward is noticed within a minute when waits are chunked to a minute', async () => {
    const h = createHarness({ clock: new ManualClock(T0, { maxWaitMs: 60_000 }) });
    const task = h.handler('task');
    await h.scheduler.start();
    await h.scheduler.addDelayedJob('2h', 'task');
    await h.clock.advance(10 * MINUTE);
    expect(task.runs).toHaveLength(0);

    h.clock.jump(3 * HOUR);
    const steppedAt = h.clock.now();
    await h.clock.advance(MINUTE);
    expect(task.runs).toHaveLength(1);
    expect(task.runs[0]!.at - steppedAt).toBeLessThanOrEqual(MINUTE);
    expect(h.clock.peakTimers).toBeLessThanOrEqual(3);
  });
});
