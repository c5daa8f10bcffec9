import { afterEach, describe, expect, it } from '@jest/globals';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('cron schedules through the engine', () => {
  it('fires a 6-field every-second expression on each whole second', async () => {
    const h = createHarness();
    const tick = h.handler('tick');
    await h.scheduler.start();
    await h.clock.advance(300);
    await h.scheduler.addCronJob('* * * * * *', 'tick', null, {
      id: 'each-second',
      timeZone: 'UTC',
    });
    await h.clock.advance(699);
    expect(tick.runs).toHaveLength(0);
    await h.clock.advance(3_001);

    expect(tick.runs.map((run) => [run.taskId, run.scheduledAt - T0, run.at - T0])).toEqual([
      ['each-second@2026-01-01T00:00:01.000Z', 1_000, 1_000],
      ['each-second@2026-01-01T00:00:02.000Z', 2_000, 2_000],
      ['each-second@2026-01-01T00:00:03.000Z', 3_000, 3_000],
      ['each-second@2026-01-01T00:00:04.000Z', 4_000, 4_000],
    ]);
  });

  it('fires a 5-field expression at the matching minutes in UTC', async () => {
    const h = createHarness();
    const job = h.handler('job');
    await h.scheduler.start();
    await h.scheduler.addCronJob('*/15 * * * *', 'job', null, { id: 'quarter', timeZone: 'UTC' });
    await h.clock.advance(HOUR);
    expect(job.runs.map((run) => run.taskId)).toEqual([
      'quarter@2026-01-01T00:15:00.000Z',
      'quarter@2026-01-01T00:30:00.000Z',
      'quarter@2026-01-01T00:45:00.000Z',
      'quarter@2026-01-01T01:00:00.000Z',
    ]);
    expect(job.runs.map((run) => run.at - run.scheduledAt)).toEqual([0, 0, 0, 0]);
  });

  it('reads the expression in the given time zone', async () => {
    const h = createHarness();
    const job = h.handler('job');
    await h.scheduler.start();
    // 09:00 in Shanghai (UTC+8) is 01:00 UTC; the clock starts at 08:00 there.
    await h.scheduler.addCronJob('0 9 * * *', 'job', null, {
      id: 'morning',
      timeZone: 'Asia/Shanghai',
    });
    // 08:30 on weekdays in New York (UTC−5 in January) is 13:30 UTC; 2026-01-01 is a Thursday.
    await h.scheduler.addCronJob('30 8 * * 1-5', 'job', null, {
      id: 'ny-open',
      timeZone: 'America/New_York',
    });
    await h.clock.advance(3 * DAY);

    expect(job.runs.map((run) => run.taskId)).toEqual([
      'morning@2026-01-01T01:00:00.000Z',
      'ny-open@2026-01-01T13:30:00.000Z',
      'morning@2026-01-02T01:00:00.000Z',
      'ny-open@2026-01-02T13:30:00.000Z',
      'morning@2026-01-03T01:00:00.000Z',
      // Saturday 3 and Sunday 4 January: no New York fire.
    ]);
    const schedules = await h.scheduler.getSchedules();
    expect(schedules.map((s) => [s.id, s.kind, s.expression, s.timeZone, s.nextFireAt])).toEqual([
      ['morning', 'cron', '0 9 * * *', 'Asia/Shanghai', new Date('2026-01-04T01:00:00.000Z')],
      ['ny-open', 'cron', '30 8 * * 1-5', 'America/New_York', new Date('2026-01-05T13:30:00.000Z')],
    ]);
  });

  it("uses the scheduler's timeZone for expressions that name none", async () => {
    const h = createHarness({ timeZone: 'Asia/Tokyo' });
    const job = h.handler('job');
    await h.scheduler.start();
    await h.scheduler.addCronJob('0 12 * * *', 'job', null, { id: 'noon' });
    await h.clock.advance(DAY);
    // Noon in Tokyo (UTC+9) is 03:00 UTC.
    expect(job.runs.map((run) => run.taskId)).toEqual(['noon@2026-01-01T03:00:00.000Z']);
    expect((await h.scheduler.getSchedules())[0]!.timeZone).toBe('Asia/Tokyo');
  });

  it('gives each fire task its fire time as scheduledAt and announces it with schedule-fired', async () => {
    const h = createHarness();
    h.handler('job');
    await h.scheduler.start();
    await h.scheduler.addCronJob(
      '0 * * * *',
      'job',
      { report: true },
      { id: 'hourly', timeZone: 'UTC' },
    );
    await h.clock.advance(2 * HOUR);

    const fired = h.events.ofType('schedule-fired');
    expect(fired.map((event) => [event.task.id, event.task.scheduledAt, event.at])).toEqual([
      ['hourly@2026-01-01T01:00:00.000Z', new Date(T0 + HOUR), new Date(T0 + HOUR)],
      ['hourly@2026-01-01T02:00:00.000Z', new Date(T0 + 2 * HOUR), new Date(T0 + 2 * HOUR)],
    ]);
    expect(fired[0]!.schedule).toMatchObject({
      id: 'hourly',
      kind: 'cron',
      expression: '0 * * * *',
    });
    const task = await h.task('hourly@2026-01-01T01:00:00.000Z');
    expect(task).toMatchObject({
      status: 'completed',
      scheduleId: 'hourly',
      scheduledAt: new Date(T0 + HOUR),
      payload: { report: true },
    });
  });
});
