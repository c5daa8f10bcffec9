import { afterEach, describe, expect, it } from '@jest/globals';
import type { ScheduleInfo } from '../../../lib/core/types.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

describe('recurring schedules', () => {
  it('fires one interval after it is added, then every interval, with fire ids and due times', async () => {
    const h = createHarness();
    const tick = h.handler<{ n: number }>('tick');
    await h.scheduler.start();
    await h.clock.advance(250);
    const id = await h.scheduler.addRecurringJob('1s', 'tick', { n: 1 }, { id: 'beat' });
    expect(id).toBe('beat');

    await h.clock.advance(999);
    expect(tick.runs).toHaveLength(0);
    await h.clock.advance(2_001);
    expect(
      tick.runs.map((run) => [run.taskId, run.scheduleId, run.scheduledAt - T0, run.at - T0]),
    ).toEqual([
      [`beat@${iso(1_250)}`, 'beat', 1_250, 1_250],
      [`beat@${iso(2_250)}`, 'beat', 2_250, 2_250],
      [`beat@${iso(3_250)}`, 'beat', 3_250, 3_250],
    ]);
    expect(tick.runs.map((run) => run.payload)).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
  });

  it('keeps a fixed rate: slow runs do not push later fires back', async () => {
    const h = createHarness();
    // Each run takes 700 ms of a 1 s interval.
    const slow = h.handler('slow', { durationMs: 700 });
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('1s', 'slow');
    await h.clock.advance(10_000);

    expect(slow.runs.map((run) => run.at - T0)).toEqual([
      1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000, 10_000,
    ]);
    const { tasks } = await h.scheduler.getTasks({ name: 'slow', status: 'completed' });
    expect(tasks.map((task) => task.durationMs)).toEqual(Array(9).fill(700));
  });

  it('fires at once and then every interval with `immediate: true`', async () => {
    const h = createHarness();
    const tick = h.handler('tick');
    await h.scheduler.start();
    await h.clock.advance(400);
    await h.scheduler.addRecurringJob('1m', 'tick', null, { immediate: true });
    await h.clock.advance(0);
    expect(tick.runs.map((run) => run.at - T0)).toEqual([400]);
    await h.clock.advance(120_000);
    expect(tick.runs.map((run) => run.scheduledAt - T0)).toEqual([400, 60_400, 120_400]);
  });

  it('announces each fire with a schedule-fired event carrying the schedule and the new task', async () => {
    const h = createHarness();
    h.handler('tick');
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('5s', 'tick', { x: 1 }, { id: 'every-5s' });
    await h.clock.advance(10_000);

    const fired = h.events.ofType('schedule-fired');
    expect(
      fired.map((event) => [event.schedule.id, event.task.id, event.task.status, event.at]),
    ).toEqual([
      ['every-5s', `every-5s@${iso(5_000)}`, 'pending', new Date(T0 + 5_000)],
      ['every-5s', `every-5s@${iso(10_000)}`, 'pending', new Date(T0 + 10_000)],
    ]);
    expect(fired[0]!.task).toMatchObject({
      scheduleId: 'every-5s',
      scheduledAt: new Date(T0 + 5_000),
      payload: { x: 1 },
    });
    expect(fired[0]!.queue).toBe('default');
  });

  it('describes itself in getSchedules()', async () => {
    const h = createHarness({ queues: { reports: {} } });
    h.handler('report', {}, { queue: 'reports' });
    await h.scheduler.start();
    await h.clock.advance(500);
    await h.scheduler.addRecurringJob(
      '30s',
      'report',
      { kind: 'daily' },
      {
        id: 'reporter',
        priority: 4,
        overlap: 'allow',
        misfire: 'run-all',
      },
    );
    const expected: ScheduleInfo[] = [
      {
        id: 'reporter',
        kind: 'recurring',
        expression: null,
        intervalMs: 30_000,
        timeZone: null,
        taskName: 'report',
        queue: 'reports',
        payload: { kind: 'daily' },
        priority: 4,
        overlap: 'allow',
        misfire: 'run-all',
        paused: false,
        nextFireAt: new Date(T0 + 30_500),
        lastFireAt: null,
        createdAt: new Date(T0 + 500),
      },
    ];
    expect(await h.scheduler.getSchedules()).toEqual(expected);

    await h.clock.advance(30_000);
    const [after] = await h.scheduler.getSchedules();
    expect(after).toMatchObject({
      lastFireAt: new Date(T0 + 30_500),
      nextFireAt: new Date(T0 + 60_500),
    });
  });

  it('updates a schedule added again under the same id instead of adding a second one', async () => {
    const h = createHarness();
    const tick = h.handler<{ v: number }>('tick');
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('1s', 'tick', { v: 1 }, { id: 'same' });
    await h.clock.advance(1_000);
    await h.scheduler.addRecurringJob('1s', 'tick', { v: 2 }, { id: 'same' });
    await h.clock.advance(2_000);

    expect(await h.scheduler.getSchedules()).toHaveLength(1);
    expect(tick.runs.map((run) => [run.scheduledAt - T0, run.payload.v])).toEqual([
      [1_000, 1],
      [2_000, 2],
      [3_000, 2],
    ]);
  });

  it('re-anchors a schedule whose interval changes, counting from the change', async () => {
    const h = createHarness();
    const tick = h.handler('tick');
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('1s', 'tick', null, { id: 'beat' });
    await h.clock.advance(2_500);
    await h.scheduler.addRecurringJob('10s', 'tick', null, { id: 'beat' });
    await h.clock.advance(20_000);
    expect(tick.runs.map((run) => run.scheduledAt - T0)).toEqual([1_000, 2_000, 12_500, 22_500]);
    expect((await h.scheduler.getSchedules())[0]).toMatchObject({
      intervalMs: 10_000,
      nextFireAt: new Date(T0 + 32_500),
    });
  });
});

describe('pause, resume and trigger', () => {
  it('fires nothing while paused and resumes on its original rhythm without making up fires', async () => {
    const h = createHarness();
    const tick = h.handler('tick');
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('1s', 'tick', null, { id: 'beat' });
    await h.clock.advance(2_500);
    await h.scheduler.pauseSchedule('beat');
    expect((await h.scheduler.getSchedules())[0]).toMatchObject({ paused: true, nextFireAt: null });

    await h.clock.advance(8_000);
    expect(tick.runs).toHaveLength(2);
    await h.scheduler.resumeSchedule('beat');
    expect((await h.scheduler.getSchedules())[0]).toMatchObject({
      paused: false,
      nextFireAt: new Date(T0 + 11_000),
    });
    await h.clock.advance(2_000);
    expect(tick.runs.map((run) => run.scheduledAt - T0)).toEqual([1_000, 2_000, 11_000, 12_000]);
  });

  it('can be added paused, firing only once resumed', async () => {
    const h = createHarness();
    const tick = h.handler('tick');
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('1s', 'tick', null, { id: 'beat', paused: true });
    await h.clock.advance(5_000);
    expect(tick.runs).toHaveLength(0);
    await h.scheduler.resumeSchedule('beat');
    await h.clock.advance(1_000);
    expect(tick.runs.map((run) => run.scheduledAt - T0)).toEqual([6_000]);
  });

  it("triggers one run now, carrying the schedule's id and payload, even while paused", async () => {
    const h = createHarness();
    const tick = h.handler('tick');
    await h.scheduler.start();
    await h.scheduler.addRecurringJob(
      '1h',
      'tick',
      { from: 'schedule' },
      { id: 'hourly', paused: true },
    );
    await h.clock.advance(1_234);
    const taskId = await h.scheduler.triggerSchedule('hourly');
    await h.clock.advance(0);

    expect(taskId).toMatch(/^hourly@manual-[0-9a-f-]{36}$/);
    expect(
      tick.runs.map((run) => [run.taskId, run.scheduleId, run.scheduledAt - T0, run.payload]),
    ).toEqual([[taskId, 'hourly', 1_234, { from: 'schedule' }]]);
    await h.clock.advance(2 * 3_600_000);
    expect(tick.runs).toHaveLength(1);
  });

  it('refuses to pause, resume or trigger an unknown schedule', async () => {
    const h = createHarness();
    await h.scheduler.start();
    for (const call of [
      h.scheduler.pauseSchedule('ghost'),
      h.scheduler.resumeSchedule('ghost'),
      h.scheduler.triggerSchedule('ghost'),
    ]) {
      await expect(call).rejects.toMatchObject({
        name: 'ScheduleNotFoundError',
        code: 'SCHEDULE_NOT_FOUND',
        message: 'Schedule not found: "ghost".',
      });
    }
  });
});
