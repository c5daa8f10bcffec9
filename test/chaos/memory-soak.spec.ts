/**
 * Memory soak: 500,000 short tasks pushed through the engine in back-to-back
 * bursts of 10,000 (alternately one enqueueBulk and 10,000 single adds in
 * flight together), with retention at its default of 10,000 finished tasks.
 * While the engine is saturated, retention keeps up (finished tasks stay
 * bounded); once the load is over, the heap (after gc) is within a few tens
 * of MB of where it started and retention keeps at most maxTasks plus one
 * sweep's worth; the last 100,000 tasks go through about as fast as the
 * first 100,000.
 *
 * Needs --expose-gc (npm run test:chaos passes it).
 */
import { describe, expect, it } from '@jest/globals';
import type { TaskHandler } from '../../lib/core/handler.js';
import { Scheduler } from '../../lib/core/scheduler.js';
import type { BulkJob } from '../../lib/core/task-factory.js';
import { RecordingLogger } from '../utils/scheduler-harness.js';

const TOTAL = 500_000;
const BURST = 10_000;
const WARM_UP_BURSTS = 3;
const SEGMENT = 100_000;
/** Retention's defaults: 10,000 finished tasks kept, a sweep every 1,000 finished. */
const MAX_TASKS = 10_000;
const SWEEP_WORTH = 1_000;
/**
 * Finished tasks kept at most while saturated: a sweep starts once 1,000 have
 * finished and removes, per event-loop turn, twice what finished since its
 * last batch, so a few thousand may wait for it; a retention that falls
 * behind grows far past this.
 */
const LOADED_LIMIT = 2 * MAX_TASKS;
const HEAP_GROWTH_LIMIT = 32 * 1024 * 1024;
/** The last 100,000 may take at most this much longer than the first 100,000. */
const SLOWDOWN_LIMIT = 1.6;

const gc = (globalThis as { gc?: () => void }).gc;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
  return process.memoryUsage().heapUsed;
}

/** A no-op handler (one in ten asynchronous, one in a thousand failing) that counts its calls. */
class CountingHandler implements TaskHandler<number> {
  calls = 0;
  private target = Number.POSITIVE_INFINITY;
  private reached: () => void = () => undefined;

  execute(payload: number): unknown {
    this.calls += 1;
    if (this.calls >= this.target) this.reached();
    if (payload % 1_000 === 999) throw new Error('boom');
    return payload % 10 === 0 ? Promise.resolve() : undefined;
  }

  /** Resolves once the handler has been called `count` times in all. */
  until(count: number): Promise<void> {
    if (this.calls >= count) return Promise.resolve();
    this.target = count;
    return new Promise((resolve) => (this.reached = resolve));
  }
}

/** One burst: an enqueueBulk, or single adds all in flight together. */
async function burst(scheduler: Scheduler, index: number): Promise<void> {
  const first = index * BURST;
  if (index % 2 === 0) {
    const jobs: BulkJob[] = Array.from({ length: BURST }, (_, i) => ({
      task: 'noop',
      payload: first + i,
    }));
    await scheduler.enqueueBulk(jobs);
  } else {
    const adds: Promise<string>[] = [];
    for (let i = 0; i < BURST; i += 1) adds.push(scheduler.enqueue('noop', first + i));
    await Promise.all(adds);
  }
}

function finished(stats: { completed: number; failed: number; cancelled: number }): number {
  return stats.completed + stats.failed + stats.cancelled;
}

/** Waits until nothing waits or runs and retention is done (or `ms` passed); returns the statistics. */
async function atRest(scheduler: Scheduler, ms = 5_000): ReturnType<Scheduler['getStats']> {
  const deadline = Date.now() + ms;
  for (;;) {
    const stats = await scheduler.getStats();
    const idle = stats.pending + stats.running + stats.retrying === 0;
    if ((idle && finished(stats) <= MAX_TASKS + SWEEP_WORTH) || Date.now() > deadline) return stats;
    await sleep(5);
  }
}

describe('memory soak', () => {
  it(`keeps heap and retention bounded and throughput steady over ${TOTAL.toLocaleString('en')} tasks`, async () => {
    expect(gc).toBeDefined();
    const logger = new RecordingLogger();
    const handler = new CountingHandler();
    const scheduler = new Scheduler({ logger, queueSize: 2 * BURST, nodeId: 'memory-soak' });
    scheduler.registerHandler('noop', handler);
    await scheduler.start();
    try {
      // Warm up until retention is full, so that the baseline holds what the end will hold.
      for (let i = 0; i < WARM_UP_BURSTS; i += 1) {
        await burst(scheduler, i);
        await handler.until((i + 1) * BURST);
      }
      await atRest(scheduler);
      const before = await settledHeap();

      const burstMs: number[] = [];
      let peak = 0;
      for (let i = 0; i < TOTAL / BURST; i += 1) {
        const began = performance.now();
        await burst(scheduler, WARM_UP_BURSTS + i);
        await handler.until((WARM_UP_BURSTS + i + 1) * BURST);
        burstMs.push(performance.now() - began);
        // Right at the end of a burst, with the engine still busy and retention mid-sweep.
        peak = Math.max(peak, finished(await scheduler.getStats()));
      }
      const stats = await atRest(scheduler);
      const after = await settledHeap();

      const perSegment = SEGMENT / BURST;
      const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
      const firstMs = sum(burstMs.slice(0, perSegment));
      const lastMs = sum(burstMs.slice(-perSegment));
      const rate = (ms: number): string =>
        `${Math.round((SEGMENT / ms) * 1_000).toLocaleString('en')}/s`;
      console.log(
        `memory soak: ${TOTAL.toLocaleString('en')} tasks in ${Math.round(sum(burstMs))} ms; ` +
          `first 100k ${rate(firstMs)}, last 100k ${rate(lastMs)}; heap at rest ${mb(before)} → ${mb(after)} (${mb(after - before)}); ` +
          `finished tasks kept at rest ${finished(stats)}, at most ${peak} right after a burst`,
      );
      expect(handler.calls).toBe((WARM_UP_BURSTS + TOTAL / BURST) * BURST);
      expect(stats).toMatchObject({ pending: 0, running: 0, retrying: 0 });
      expect({
        heapGrowth: mb(after - before),
        bounded: after - before < HEAP_GROWTH_LIMIT,
      }).toEqual({
        heapGrowth: mb(after - before),
        bounded: true,
      });
      expect(finished(stats)).toBeLessThanOrEqual(MAX_TASKS + SWEEP_WORTH);
      expect({ keptUnderLoad: peak, bounded: peak <= LOADED_LIMIT }).toEqual({
        keptUnderLoad: peak,
        bounded: true,
      });
      const slowdown = +(lastMs / firstMs).toFixed(2);
      expect({ slowdown, steady: slowdown <= SLOWDOWN_LIMIT }).toEqual({ slowdown, steady: true });
      expect([...logger.warnings, ...logger.errors]).toEqual([]);
    } finally {
      await scheduler.stop();
    }
  });
});
