import { describe, expect, it } from '@jest/globals';
import { Scheduler } from '../../lib/core/scheduler.js';
import { systemClock, type Clock } from '../../lib/core/clock.js';

/** The system clock, counting the timers it holds at any moment. */
class CountingClock implements Clock {
  live = new Set<unknown>();
  peak = 0;
  now(): number {
    return systemClock.now();
  }
  setTimer(callback: () => void, delayMs: number): unknown {
    const handle: unknown = systemClock.setTimer(() => {
      this.live.delete(handle);
      callback();
    }, delayMs);
    this.live.add(handle);
    this.peak = Math.max(this.peak, this.live.size);
    return handle;
  }
  clearTimer(handle: unknown): void {
    this.live.delete(handle);
    systemClock.clearTimer(handle);
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
  return process.memoryUsage().heapUsed;
}

const silent = { log() {}, warn() {}, error() {} };

describe('memory and timers under load', () => {
  it('returns to its baseline heap after 100,000 delayed tasks and 5,000 schedules are cancelled, with at most 3 timers alive', async () => {
    expect(gc).toBeDefined();
    const clock = new CountingClock();
    const scheduler = new Scheduler({
      clock,
      logger: silent,
      queueSize: 200_000,
      retention: { maxTasks: 0 },
    });
    scheduler.registerHandler('noop', { execute() {} });
    await scheduler.start();
    try {
      await loadAndCancel(scheduler, clock);
    } finally {
      await scheduler.stop();
    }
    expect(clock.live.size).toBe(0);
  }, 120_000);
});

async function loadAndCancel(scheduler: Scheduler, clock: CountingClock): Promise<void> {
  // Warm every code path once, so that JIT code and caches are part of the baseline.
  await scheduler.cancelJob(await scheduler.addDelayedJob('1h', 'noop'));
  await scheduler.cancelJob(await scheduler.addCronJob('*/5 * * * *', 'noop'));
  const baseline = await settledHeap();

  const jobs = await scheduler.enqueueBulk(
    Array.from({ length: 100_000 }, (_, i) => ({ task: 'noop', opts: { delay: 3_600_000 + i } })),
  );
  const schedules: string[] = [];
  for (let i = 0; i < 5_000; i += 1) {
    schedules.push(await scheduler.addCronJob(`${i % 60} ${i % 24} * * *`, 'noop', { i }));
  }
  const loaded = await settledHeap();
  expect(loaded - baseline).toBeGreaterThan(10 * 1024 * 1024);
  expect((await scheduler.getStats()).pending).toBe(100_000);
  expect(await scheduler.getSchedules()).toHaveLength(5_000);

  for (const id of jobs) await scheduler.cancelJob(id);
  for (const id of schedules) await scheduler.cancelJob(id);
  // Cancelled tasks are finished tasks: retention (maxTasks 0) removes them on its next sweep.
  await (scheduler as unknown as { retention: { sweep(): Promise<void> } }).retention.sweep();
  expect((await scheduler.getTasks({ limit: 1 })).total).toBe(0);
  expect(await scheduler.getSchedules()).toHaveLength(0);

  const after = await settledHeap();
  expect(Math.abs(after - baseline)).toBeLessThanOrEqual(baseline * 0.1);
  expect(clock.peak).toBeLessThanOrEqual(3);
}
