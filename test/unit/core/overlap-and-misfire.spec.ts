import { afterEach, describe, expect, it } from '@jest/globals';
import type { MisfirePolicy, OverlapPolicy } from '../../../lib/core/types.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

/** A 1 s recurring schedule whose runs are held until the test finishes them. */
async function slowSchedule(overlap: OverlapPolicy, maxCatchUp?: number) {
  const h = createHarness();
  const slow = h.handler('slow', { hold: true });
  await h.scheduler.start();
  await h.scheduler.addRecurringJob('1s', 'slow', null, {
    id: 'beat',
    overlap,
    ...(maxCatchUp === undefined ? {} : { maxCatchUp }),
  });
  return { h, slow };
}

describe('overlap policies', () => {
  it("'skip' drops fires that come while the previous run is unfinished", async () => {
    const { h, slow } = await slowSchedule('skip');
    await h.clock.advance(3_500);
    expect(slow.runs.map((run) => run.scheduledAt - T0)).toEqual([1_000]);

    slow.runs[0]!.finish();
    await h.clock.advance(500);
    expect(slow.runs.map((run) => [run.scheduledAt - T0, run.at - T0])).toEqual([
      [1_000, 1_000],
      [4_000, 4_000],
    ]);
    // The skipped fires never became tasks.
    const { tasks } = await h.scheduler.getTasks();
    expect(tasks.map((task) => task.scheduledAt.getTime() - T0)).toEqual([4_000, 1_000]);
  });

  it("'allow' starts every fire even while earlier runs are unfinished", async () => {
    const { h, slow } = await slowSchedule('allow');
    await h.clock.advance(3_000);
    expect(slow.runs.map((run) => [run.scheduledAt - T0, run.at - T0])).toEqual([
      [1_000, 1_000],
      [2_000, 2_000],
      [3_000, 3_000],
    ]);
    expect((await h.scheduler.getStats()).running).toBe(3);
  });

  it("'queue' holds fires back and runs them one after another as runs finish", async () => {
    const { h, slow } = await slowSchedule('queue');
    await h.clock.advance(3_200);
    expect(slow.runs).toHaveLength(1);

    slow.runs[0]!.finish();
    await h.clock.advance(0);
    expect(slow.runs.map((run) => [run.scheduledAt - T0, run.at - T0])).toEqual([
      [1_000, 1_000],
      [2_000, 3_200],
    ]);
    slow.runs[1]!.finish();
    await h.clock.advance(100);
    expect(slow.runs.map((run) => [run.scheduledAt - T0, run.at - T0])).toEqual([
      [1_000, 1_000],
      [2_000, 3_200],
      [3_000, 3_200],
    ]);
    expect(new Set(slow.taskIds).size).toBe(3);
  });

  it("'queue' starts the next waiting fire when the running one is cancelled", async () => {
    const { h, slow } = await slowSchedule('queue');
    await h.clock.advance(2_500);
    await h.scheduler.cancelJob(slow.runs[0]!.taskId);
    await h.clock.advance(0);
    expect(slow.runs.map((run) => [run.scheduledAt - T0, run.at - T0])).toEqual([
      [1_000, 1_000],
      [2_000, 2_500],
    ]);
  });

  it("'queue' keeps at most maxCatchUp fires waiting", async () => {
    const { h, slow } = await slowSchedule('queue', 2);
    await h.clock.advance(6_000);
    expect(slow.runs).toHaveLength(1);

    for (let i = 0; i < 4; i += 1) {
      slow.unsettled[0]?.finish();
      await h.clock.advance(0);
    }
    // Fires at 2 s and 3 s waited; 4, 5 and 6 s found the line full.
    expect(slow.runs.map((run) => run.scheduledAt - T0)).toEqual([1_000, 2_000, 3_000]);
  });
});

describe('misfire after a late wake in the running process', () => {
  /** A 1 s recurring schedule whose first wake comes 5 s late, as when the event loop is blocked. */
  async function lateWake(misfire: MisfirePolicy, maxCatchUp?: number) {
    const h = createHarness();
    const tick = h.handler('tick');
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('1s', 'tick', null, {
      id: 'beat',
      misfire,
      overlap: 'allow',
      ...(maxCatchUp === undefined ? {} : { maxCatchUp }),
    });
    await h.clock.advance(500);
    // The wall clock moves 5 s while no timer can run; the 1 s timer then fires at 6 s.
    h.clock.jump(5_000);
    await h.clock.advance(500);
    expect(h.clock.now()).toBe(T0 + 6_000);
    return { h, tick };
  }

  it("'run-once' runs only the latest missed fire", async () => {
    const { h, tick } = await lateWake('run-once');
    expect(tick.runs.map((run) => [run.scheduledAt - T0, run.at - T0])).toEqual([[6_000, 6_000]]);
    await h.clock.advance(1_000);
    expect(tick.runs.map((run) => run.scheduledAt - T0)).toEqual([6_000, 7_000]);
    expect((await h.scheduler.getSchedules())[0]).toMatchObject({
      lastFireAt: new Date(T0 + 7_000),
      nextFireAt: new Date(T0 + 8_000),
    });
  });

  it("'run-all' runs every missed fire, oldest first", async () => {
    const { tick } = await lateWake('run-all');
    expect(tick.runs.map((run) => run.scheduledAt - T0)).toEqual([
      1_000, 2_000, 3_000, 4_000, 5_000, 6_000,
    ]);
    expect(tick.runs.every((run) => run.at === T0 + 6_000)).toBe(true);
  });

  it("'run-all' runs only the latest maxCatchUp missed fires", async () => {
    const { h, tick } = await lateWake('run-all', 3);
    expect(tick.runs.map((run) => run.scheduledAt - T0)).toEqual([4_000, 5_000, 6_000]);
    await h.clock.advance(1_000);
    expect(tick.runs.map((run) => run.scheduledAt - T0)).toEqual([4_000, 5_000, 6_000, 7_000]);
  });

  it('catches a cron schedule up the same way', async () => {
    const h = createHarness();
    const tick = h.handler('tick');
    await h.scheduler.start();
    await h.scheduler.addCronJob('* * * * * *', 'tick', null, {
      id: 'cron-beat',
      timeZone: 'UTC',
      misfire: 'run-all',
      overlap: 'allow',
      maxCatchUp: 4,
    });
    await h.clock.advance(500);
    h.clock.jump(5_000);
    await h.clock.advance(500);
    expect(tick.taskIds).toEqual([
      'cron-beat@2026-01-01T00:00:03.000Z',
      'cron-beat@2026-01-01T00:00:04.000Z',
      'cron-beat@2026-01-01T00:00:05.000Z',
      'cron-beat@2026-01-01T00:00:06.000Z',
    ]);
  });
});
