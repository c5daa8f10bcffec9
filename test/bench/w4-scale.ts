/**
 * W4 scale: N delayed tasks due in one hour, added by single adds (issued
 * in batches, each batch awaited together) and by one enqueueBulk call.
 * Measures adds per second and the heap each pending task holds: heapUsed
 * after a full GC with the tasks pending, minus heapUsed after a full GC
 * before adding them, divided by N. Each task carries a small JSON payload
 * (`{"seq":n}`), as real tasks do.
 */
import { deploy, problems, type Deployment, type SilentLogger } from './deployment.js';
import type { Measurement } from './measurement.js';
import { canCollect, collectGarbage, median, now, perSecond } from './stats.js';
import type { RunParams, Workload, WorkloadResult } from './workload.js';

const WORKLOAD = 'W4 scale';
const DEFAULT_TASKS = 100_000;
const DEFAULT_ROUNDS = 3;
const BATCH = 1_000;
const DELAY = '1h';
const WARMUP_TASKS = 10_000;
const KIB = 1024;

type Mode = 'single' | 'bulk';

interface ScaleRun {
  addsPerSecond: number;
  /** Bytes of heap per pending task; null without --expose-gc. */
  heapPerTask: number | null;
}

/** Adds the tasks one by one, a batch of adds awaited together at a time; resolves to the time taken. */
async function addSingles(deployment: Deployment, tasks: number): Promise<number> {
  const start = now();
  for (let first = 0; first < tasks; first += BATCH) {
    const count = Math.min(BATCH, tasks - first);
    const adds = new Array<Promise<string>>(count);
    for (let i = 0; i < count; i += 1) {
      adds[i] = deployment.client.addDelayedJob(DELAY, 'noop', { seq: first + i });
    }
    await Promise.all(adds);
  }
  return now() - start;
}

/**
 * Adds the tasks in one enqueueBulk call; resolves to the time taken. The input is the caller's
 * data: built before the clock starts, and unreachable once this returns, so that the heap
 * reading after it does not count it as the engine's.
 */
async function addBulk(deployment: Deployment, tasks: number): Promise<number> {
  const jobs = Array.from({ length: tasks }, (_, seq) => ({
    task: 'noop',
    payload: { seq },
    opts: { delay: DELAY },
  }));
  const start = now();
  await deployment.client.enqueueBulk(jobs);
  return now() - start;
}

async function runOnce(
  params: RunParams,
  tasks: number,
  mode: Mode,
  loggers: SilentLogger[],
): Promise<ScaleRun> {
  const deployment = await deploy(params.deployment, { queueSize: tasks });
  loggers.push(deployment.logger);
  deployment.registerHandler('noop', { execute: () => {} });
  await deployment.start();
  await collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const elapsed =
    mode === 'bulk' ? await addBulk(deployment, tasks) : await addSingles(deployment, tasks);
  await collectGarbage();
  const heapAfter = process.memoryUsage().heapUsed;
  const stats = await deployment.client.getStats();
  if (stats.pending !== tasks) {
    throw new Error(`W4 ${mode}: ${stats.pending} tasks pending, expected ${tasks}`);
  }
  await deployment.stop();
  return {
    addsPerSecond: perSecond(tasks, elapsed),
    heapPerTask: canCollect() ? (heapAfter - heapBefore) / tasks : null,
  };
}

async function run(params: RunParams): Promise<WorkloadResult> {
  const tasks = params.tasks ?? DEFAULT_TASKS;
  const rounds = params.rounds ?? DEFAULT_ROUNDS;
  const loggers: SilentLogger[] = [];
  if (!params.noWarmup) {
    for (const mode of ['single', 'bulk'] as const) {
      await runOnce(params, Math.min(tasks, WARMUP_TASKS), mode, loggers);
    }
  }
  const runs: Record<Mode, ScaleRun[]> = { single: [], bulk: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (const mode of ['single', 'bulk'] as const) {
      runs[mode].push(await runOnce(params, tasks, mode, loggers));
    }
  }
  const note = problems(loggers);
  const measurements: Measurement[] = [];
  for (const mode of ['single', 'bulk'] as const) {
    const label = mode === 'single' ? `single adds (batches of ${BATCH})` : 'enqueueBulk';
    const rates = runs[mode].map((r) => r.addsPerSecond);
    const heaps = runs[mode].flatMap((r) => (r.heapPerTask === null ? [] : [r.heapPerTask]));
    measurements.push(
      {
        workload: WORKLOAD,
        metric: `${label}: add rate`,
        value: median(rates),
        unit: 'adds/s',
        target: { op: '>=', value: 100_000 },
        samples: rates,
        note,
      },
      {
        workload: WORKLOAD,
        metric: `${label}: heap per pending task`,
        value: heaps.length === 0 ? null : median(heaps),
        unit: 'B',
        target: { op: '<=', value: KIB },
        samples: heaps,
        note: heaps.length === 0 ? 'run with --expose-gc to measure heap' : undefined,
      },
    );
  }
  return {
    measurements,
    details: { tasks, rounds, batch: BATCH, delay: DELAY, payload: '{"seq":n}', runs },
  };
}

export const w4Scale: Workload = {
  id: 'w4',
  title: 'many delayed tasks pending: add rate and heap per task',
  run,
};
