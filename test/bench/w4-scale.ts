/**
 * W4 scale: N delayed tasks due in one hour, added by single adds (issued
 * in batches, each batch awaited together) and by one enqueueBulk call.
 * Measures adds per second and the heap each pending task holds: heapUsed
 * after a full GC with the tasks pending, minus heapUsed after a full GC
 * before adding them, divided by N. Each task carries a small JSON payload
 * (`{"seq":n}`), as real tasks do.
 *
 * On a durable store the tasks live in the database, so heap per task means
 * nothing there; instead each filled store is restarted (see w4-restart.ts)
 * and the time until its due tasks ran is reported. Filling 100,000 rows
 * takes seconds, so a durable store runs 1 round and a short warm-up.
 */
import { deploy, problems, type Deployment, type SilentLogger } from './deployment.js';
import type { Measurement } from './measurement.js';
import { canCollect, collectGarbage, median, now, perSecond } from './stats.js';
import { isDurable } from './storage.js';
import { DUE_TASKS, measureRestart, type RestartRun } from './w4-restart.js';
import type { RunParams, Workload, WorkloadResult } from './workload.js';

const WORKLOAD = 'W4 scale';
const DEFAULT_TASKS = 100_000;
const DEFAULT_ROUNDS = 3;
const DURABLE_DEFAULT_ROUNDS = 1;
const BATCH = 1_000;
const DELAY = '1h';
const WARMUP_TASKS = 10_000;
/** Enough to compile the add path; every warm-up row is written to disk. */
const DURABLE_WARMUP_TASKS = 2_000;
const KIB = 1024;
const RESTART_TARGET_MS = 5_000;

type Mode = 'single' | 'bulk';

interface ScaleRun {
  addsPerSecond: number;
  /** Bytes of heap per pending task; null without --expose-gc or on a durable store. */
  heapPerTask: number | null;
  /** Durable stores only. */
  restart: RestartRun | null;
}

const noop = (): void => {};

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

/** Adds the tasks; resolves to the add rate and, on memory with --expose-gc, the heap per task. */
async function fill(
  deployment: Deployment,
  tasks: number,
  mode: Mode,
  durable: boolean,
): Promise<Omit<ScaleRun, 'restart'>> {
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
  return {
    addsPerSecond: perSecond(tasks, elapsed),
    heapPerTask: canCollect() && !durable ? (heapAfter - heapBefore) / tasks : null,
  };
}

async function runOnce(
  params: RunParams,
  tasks: number,
  mode: Mode,
  loggers: SilentLogger[],
  restart: boolean,
): Promise<ScaleRun> {
  const durable = isDurable(params.deployment.store);
  // A durable store takes the due tasks of the restart on top.
  const queueSize = durable ? tasks + DUE_TASKS : tasks;
  const deployment = await deploy(params.deployment, { queueSize });
  loggers.push(deployment.logger);
  try {
    deployment.registerHandler('noop', { execute: noop });
    await deployment.start();
    const filled = await fill(deployment, tasks, mode, durable);
    if (!durable || !restart) return { ...filled, restart: null };
    return { ...filled, restart: await measureRestart(deployment, tasks, noop, loggers) };
  } finally {
    // After a restart the storage is gone already (the restarted deployment disposed of it).
    await deployment.stop();
  }
}

const MODES = ['single', 'bulk'] as const;
const LABELS: Record<Mode, string> = {
  single: `single adds (batches of ${BATCH})`,
  bulk: 'enqueueBulk',
};

/** Heap per pending task: memory store only (a durable store keeps its tasks in the database). */
function heapRow(label: string, runs: readonly ScaleRun[]): Measurement {
  const heaps = runs.flatMap((r) => (r.heapPerTask === null ? [] : [r.heapPerTask]));
  return {
    workload: WORKLOAD,
    metric: `${label}: heap per pending task`,
    value: heaps.length === 0 ? null : median(heaps),
    unit: 'B',
    target: { op: '<=', value: KIB },
    samples: heaps,
    note: heaps.length === 0 ? 'run with --expose-gc to measure heap' : undefined,
  };
}

/** Restart recovery after each fill (single and bulk): start() alone, and until the due tasks ran. */
function restartRows(runs: readonly ScaleRun[], tasks: number, note: string | undefined) {
  const restarts = runs.map((r) => r.restart!);
  const starts = restarts.map((r) => r.startMs);
  const recoveries = restarts.map((r) => r.recoveryMs);
  const label = `restart over ${tasks.toLocaleString('en-US')} delayed + ${DUE_TASKS.toLocaleString('en-US')} due`;
  return [
    {
      workload: WORKLOAD,
      metric: `${label}: start()`,
      value: median(starts),
      unit: 'ms',
      samples: starts,
    },
    {
      workload: WORKLOAD,
      metric: `${label}: start() until due tasks ran`,
      value: median(recoveries),
      unit: 'ms',
      target: { op: '<=', value: RESTART_TARGET_MS },
      samples: recoveries,
      note,
    },
  ] satisfies Measurement[];
}

async function run(params: RunParams): Promise<WorkloadResult> {
  const durable = isDurable(params.deployment.store);
  const tasks = params.tasks ?? DEFAULT_TASKS;
  const rounds = params.rounds ?? (durable ? DURABLE_DEFAULT_ROUNDS : DEFAULT_ROUNDS);
  const loggers: SilentLogger[] = [];
  if (!params.noWarmup) {
    const warmup = Math.min(tasks, durable ? DURABLE_WARMUP_TASKS : WARMUP_TASKS);
    for (const mode of MODES) await runOnce(params, warmup, mode, loggers, false);
  }
  const runs: Record<Mode, ScaleRun[]> = { single: [], bulk: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (const mode of MODES) runs[mode].push(await runOnce(params, tasks, mode, loggers, true));
  }
  const note = problems(loggers);
  const measurements: Measurement[] = [];
  for (const mode of MODES) {
    const rates = runs[mode].map((r) => r.addsPerSecond);
    measurements.push({
      workload: WORKLOAD,
      metric: `${LABELS[mode]}: add rate`,
      value: median(rates),
      unit: 'adds/s',
      // The target is the memory store's; a durable store's rate is reported.
      target: durable ? undefined : { op: '>=', value: 100_000 },
      samples: rates,
      note,
    });
    if (!durable) measurements.push(heapRow(LABELS[mode], runs[mode]));
  }
  if (durable) measurements.push(...restartRows([...runs.single, ...runs.bulk], tasks, note));
  return {
    measurements,
    details: {
      tasks,
      rounds,
      batch: BATCH,
      delay: DELAY,
      payload: '{"seq":n}',
      ...(durable && { dueAtRestart: DUE_TASKS, restartAfter: 'each fill, single and bulk' }),
      runs,
    },
  };
}

export const w4Scale: Workload = {
  id: 'w4',
  title: 'many delayed tasks pending: add rate, heap per task (memory), restart recovery (SQL)',
  run,
};
