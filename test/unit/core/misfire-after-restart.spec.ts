import { afterEach, describe, expect, it } from '@jest/globals';
import type { MisfirePolicy } from '../../../lib/core/types.js';
import { MemoryTaskStore } from '../../../lib/store/memory/memory-task-store.js';
import { ManualClock } from '../../utils/manual-clock.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

const SECOND = 1_000;

/**
 * A 10 s recurring schedule runs (fires at 10 s and 20 s), the application
 * stops at 25 s and comes back at 75 s on the same store: the fires at 30,
 * 40, 50, 60 and 70 s were missed.
 */
async function restartAfterDowntime(options: {
  misfire: MisfirePolicy;
  maxCatchUp?: number;
  kind?: 'recurring' | 'cron';
}) {
  const clock = new ManualClock(T0);
  const store = new MemoryTaskStore();
  const scheduleOptions = {
    id: 'beat',
    misfire: options.misfire,
    overlap: 'allow' as const,
    ...(options.maxCatchUp === undefined ? {} : { maxCatchUp: options.maxCatchUp }),
  };

  const first = createHarness({ clock, store, nodeId: 'node-1' });
  const before = first.handler('tick');
  await first.scheduler.start();
  if (options.kind === 'cron') {
    await first.scheduler.addCronJob('*/10 * * * * *', 'tick', null, {
      ...scheduleOptions,
      timeZone: 'UTC',
    });
  } else {
    await first.scheduler.addRecurringJob('10s', 'tick', null, scheduleOptions);
  }
  await clock.advance(25 * SECOND);
  expect(before.runs.map((run) => run.scheduledAt - T0)).toEqual([10 * SECOND, 20 * SECOND]);
  await first.scheduler.stop();
  expect(clock.now()).toBe(T0 + 25 * SECOND);

  await clock.advance(50 * SECOND);
  const second = createHarness({ clock, store, nodeId: 'node-2' });
  const after = second.handler('tick');
  await second.scheduler.start();
  await clock.advance(0);
  return { clock, second, before, after };
}

describe('misfire after downtime (a restart on the same store)', () => {
  it("'skip' runs none of the missed fires and carries on with the next one", async () => {
    const { clock, second, after } = await restartAfterDowntime({ misfire: 'skip' });
    expect(after.runs).toHaveLength(0);
    await clock.advance(5 * SECOND);
    expect(after.runs.map((run) => [run.scheduledAt - T0, run.at - T0])).toEqual([
      [80 * SECOND, 80 * SECOND],
    ]);
    expect((await second.scheduler.getSchedules())[0]).toMatchObject({
      lastFireAt: new Date(T0 + 80 * SECOND),
      nextFireAt: new Date(T0 + 90 * SECOND),
    });
  });

  it("'run-once' runs one catch-up for the latest missed fire at start", async () => {
    const { clock, after } = await restartAfterDowntime({ misfire: 'run-once' });
    expect(after.runs.map((run) => [run.scheduledAt - T0, run.at - T0])).toEqual([
      [70 * SECOND, 75 * SECOND],
    ]);
    await clock.advance(5 * SECOND);
    expect(after.runs.map((run) => run.scheduledAt - T0)).toEqual([70 * SECOND, 80 * SECOND]);
  });

  it("'run-all' runs every missed fire when they are fewer than maxCatchUp", async () => {
    const { after } = await restartAfterDowntime({ misfire: 'run-all', maxCatchUp: 10 });
    expect(after.runs.map((run) => run.scheduledAt - T0)).toEqual([
      30 * SECOND,
      40 * SECOND,
      50 * SECOND,
      60 * SECOND,
      70 * SECOND,
    ]);
  });

  it("'run-all' runs only the latest maxCatchUp missed fires", async () => {
    const { after } = await restartAfterDowntime({ misfire: 'run-all', maxCatchUp: 3 });
    expect(after.runs.map((run) => run.scheduledAt - T0)).toEqual([
      50 * SECOND,
      60 * SECOND,
      70 * SECOND,
    ]);
  });

  it('catches up a cron schedule by the same rules', async () => {
    const { after } = await restartAfterDowntime({
      misfire: 'run-all',
      maxCatchUp: 2,
      kind: 'cron',
    });
    expect(after.taskIds).toEqual([
      'beat@2026-01-01T00:01:00.000Z',
      'beat@2026-01-01T00:01:10.000Z',
    ]);
  });

  it('never repeats a fire id across the restart', async () => {
    const { clock, second, before, after } = await restartAfterDowntime({
      misfire: 'run-all',
      maxCatchUp: 10,
    });
    await clock.advance(30 * SECOND);
    const ids = [...before.taskIds, ...after.taskIds];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(2 + 5 + 3);
    const { tasks, total } = await second.scheduler.getTasks({ limit: 1000 });
    expect(total).toBe(10);
    expect(new Set(tasks.map((task) => task.id)).size).toBe(10);
    expect(after.runs.every((run) => run.ctx.scheduleId === 'beat')).toBe(true);
  });

  it('counts waiting tasks without a handler as orphaned and runs the others past them', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTaskStore();
    const first = createHarness({ clock, store });
    first.handler('retired');
    first.handler('job');
    await first.scheduler.start();
    await first.scheduler.pauseQueue('default');
    const orphan = await first.scheduler.enqueue('retired', null, { priority: 10 });
    await first.scheduler.enqueue('job', { n: 1 });
    await first.scheduler.stop();

    // The new release no longer has a handler for 'retired'.
    const second = createHarness({ clock, store, nodeId: 'node-2' });
    const job = second.handler('job');
    await second.scheduler.start();
    await clock.advance(0);
    await second.scheduler.enqueue('job', { n: 2 });
    await clock.advance(5_000);
    expect(job.runs.map((run) => run.payload)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await second.task(orphan)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await second.scheduler.getStats()).toMatchObject({
      orphaned: 1,
      pending: 1,
      completed: 2,
    });
  });

  it('runs tasks that were still waiting when the first instance stopped', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryTaskStore();
    const first = createHarness({ clock, store });
    first.handler('job');
    await first.scheduler.start();
    const id = await first.scheduler.addDelayedJob('1m', 'job', { keep: true });
    await first.scheduler.stop();

    await clock.advance(2 * 60 * SECOND);
    const second = createHarness({ clock, store, nodeId: 'node-2' });
    const job = second.handler('job');
    await second.scheduler.start();
    await clock.advance(0);
    expect(job.runs.map((run) => [run.taskId, run.payload, run.at - T0])).toEqual([
      [id, { keep: true }, 2 * 60 * SECOND],
    ]);
    expect(await second.task(id)).toMatchObject({ status: 'completed', nodeId: 'node-2' });
  });
});
