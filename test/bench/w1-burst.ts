/**
 * W1 burst: N no-op tasks added at once to one queue with 10 workers, timed
 * from the first add to the last completion; once through one enqueueBulk
 * call and once through N enqueue calls issued together. A bare fastq queue
 * (concurrency 10) doing the same no-op work is the baseline: our median
 * throughput is reported as a share of its median, on a steady heap (the
 * target) and on a cold one (see Heap below).
 */
import fastq from 'fastq';
import { deploy, problems, type SilentLogger } from './deployment.js';
import type { Measurement } from './measurement.js';
import { collectGarbage, median, now, perSecond } from './stats.js';
import type { RunParams, Workload, WorkloadResult } from './workload.js';

const WORKLOAD = 'W1 burst';
const DEFAULT_TASKS = 20_000;
const DEFAULT_ROUNDS = 5;
const WORKERS = 10;
/** Untimed rounds before measuring, so that every path is compiled by the JIT. */
const WARMUP_ROUNDS = 2;
/** Untimed bursts that size the heap before a side's steady timed bursts. */
const STEADY_WARM_BURSTS = 2;
const WARMUP_TASKS = 5_000;
const TIMEOUT_MS = 120_000;

type Mode = 'bulk' | 'single';

/** One timed burst through the engine. */
interface EngineRun {
  /** First add to last completion. */
  elapsedMs: number;
  /** First add until every add had resolved. */
  addMs: number;
  /** Process CPU time (user + system) per task, µs: less sensitive than wall time to other load. */
  cpuPerTaskUs: number;
}

// Both sides run the same handler: an async function that does nothing.
const noop = async (): Promise<void> => {};

async function runEngine(
  params: RunParams,
  tasks: number,
  mode: Mode,
  loggers: SilentLogger[],
): Promise<EngineRun> {
  const deployment = await deploy(params.deployment, {
    maxWorkers: WORKERS,
    queueSize: tasks,
  });
  loggers.push(deployment.logger);
  deployment.registerHandler('noop', { execute: noop });
  await deployment.start();
  const { client } = deployment;
  // The input of a bulk add is the caller's data, built before the clock starts.
  const jobs = mode === 'bulk' ? Array.from({ length: tasks }, () => ({ task: 'noop' })) : [];
  const completed = deployment.completions.whenCompleted(tasks, TIMEOUT_MS);
  const cpu = process.cpuUsage();
  const start = now();
  if (mode === 'bulk') {
    await client.enqueueBulk(jobs);
  } else {
    const adds = new Array<Promise<string>>(tasks);
    for (let i = 0; i < tasks; i += 1) adds[i] = client.enqueue('noop');
    await Promise.all(adds);
  }
  const added = now();
  const end = await completed;
  const cpuPerTaskUs = cpuMicros(process.cpuUsage(cpu)) / tasks;
  await deployment.stop();
  return { elapsedMs: end - start, addMs: added - start, cpuPerTaskUs };
}

const cpuMicros = ({ user, system }: NodeJS.CpuUsage): number => user + system;

/**
 * The heap a timed burst starts from. 'steady': the side's bursts run back
 * to back after one full GC and untimed warm bursts, as in a process that
 * has been doing this work — its heap is sized for it, and each side pays
 * only for its own garbage. 'cold': a full GC right before each burst, which
 * also shrinks V8's heap limits to the live data, so that the burst's
 * long-lived tasks trigger extra collections while the heap grows back.
 * Targets are judged on 'steady'; 'cold' is reported beside it.
 */
type Heap = 'steady' | 'cold';

/** Runs one side's timed bursts in the given heap state; returns each burst's result. */
async function block<R>(
  heap: Heap,
  rounds: number,
  warm: number,
  burst: () => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  if (heap === 'steady') {
    await collectGarbage();
    for (let i = 0; i < warm; i += 1) await burst();
  }
  for (let i = 0; i < rounds; i += 1) {
    if (heap === 'cold') await collectGarbage();
    results.push(await burst());
  }
  return results;
}

/**
 * The same burst on a bare fastq promise queue, with the caller pattern of
 * the engine run it is compared with: for enqueueBulk, N pushes whose
 * promises are dropped (one add, one promise to await); for single adds, N
 * pushes whose promises are all awaited, as N enqueue calls are.
 */
async function runFastq(
  tasks: number,
  mode: Mode,
): Promise<{ elapsedMs: number; cpuPerTaskUs: number }> {
  const queue = fastq.promise(noop, WORKERS);
  const cpu = process.cpuUsage();
  const start = now();
  if (mode === 'bulk') {
    for (let i = 0; i < tasks; i += 1) void queue.push(undefined);
  } else {
    const pushes = new Array<Promise<void>>(tasks);
    for (let i = 0; i < tasks; i += 1) pushes[i] = queue.push(undefined);
    await Promise.all(pushes);
  }
  await queue.drained();
  const elapsedMs = now() - start;
  return { elapsedMs, cpuPerTaskUs: cpuMicros(process.cpuUsage(cpu)) / tasks };
}

const MODES: readonly Mode[] = ['bulk', 'single'];
const HEAPS: readonly Heap[] = ['steady', 'cold'];
const LABELS: Record<Mode, string> = { bulk: 'enqueueBulk', single: 'single enqueue' };

type Series = Record<Mode, Record<Heap, number[]>>;
const series = (): Series => ({
  bulk: { steady: [], cold: [] },
  single: { steady: [], cold: [] },
});

async function warmUp(params: RunParams, tasks: number, loggers: SilentLogger[]): Promise<void> {
  for (let i = 0; i < WARMUP_ROUNDS; i += 1) {
    for (const mode of MODES) {
      await runFastq(tasks, mode);
      await runEngine(params, tasks, mode, loggers);
    }
  }
}

async function run(params: RunParams): Promise<WorkloadResult> {
  const tasks = params.tasks ?? DEFAULT_TASKS;
  const rounds = params.rounds ?? DEFAULT_ROUNDS;
  const loggers: SilentLogger[] = [];
  if (!params.noWarmup) await warmUp(params, Math.min(tasks, WARMUP_TASKS), loggers);
  const bare = { rate: series(), cpu: series() };
  const engine = { rate: series(), cpu: series() };
  const addMs: Record<Mode, number[]> = { bulk: [], single: [] };
  const warm = params.noWarmup ? 0 : STEADY_WARM_BURSTS;
  for (const heap of HEAPS) {
    for (const mode of MODES) {
      for (const result of await block(heap, rounds, warm, () => runFastq(tasks, mode))) {
        bare.rate[mode][heap].push(perSecond(tasks, result.elapsedMs));
        bare.cpu[mode][heap].push(result.cpuPerTaskUs);
      }
      const burst = () => runEngine(params, tasks, mode, loggers);
      for (const result of await block(heap, rounds, warm, burst)) {
        engine.rate[mode][heap].push(perSecond(tasks, result.elapsedMs));
        engine.cpu[mode][heap].push(result.cpuPerTaskUs);
        if (heap === 'steady') addMs[mode].push(result.addMs);
      }
    }
  }
  const share = (mode: Mode, heap: Heap) =>
    (median(engine.rate[mode][heap]) / median(bare.rate[mode][heap])) * 100;
  const note = problems(loggers);
  const target = { op: '>=', value: 25, aim: 50 } as const;
  const row = (metric: string, samples: number[], unit: string, extra: Partial<Measurement> = {}) =>
    ({
      workload: WORKLOAD,
      metric,
      value: median(samples),
      unit,
      samples,
      ...extra,
    }) as Measurement;
  const modeRows = (mode: Mode): Measurement[] => {
    const label = LABELS[mode];
    const baseline = mode === 'bulk' ? 'pushes not awaited' : 'every push awaited';
    return [
      row(`fastq for ${label} (${baseline})`, bare.rate[mode].steady, 'tasks/s'),
      row(`fastq for ${label}: CPU per task`, bare.cpu[mode].steady, 'µs'),
      row(`${label}: throughput`, engine.rate[mode].steady, 'tasks/s'),
      row(`${label}: share of fastq`, [share(mode, 'steady')], '%', { target, note }),
      row(`${label}: CPU per task`, engine.cpu[mode].steady, 'µs'),
      row(`${label}: throughput, cold heap`, engine.rate[mode].cold, 'tasks/s'),
      row(`${label}: share of fastq, cold heap`, [share(mode, 'cold')], '%'),
    ];
  };
  return {
    measurements: [...modeRows('bulk'), ...modeRows('single')],
    details: {
      tasks,
      rounds,
      workers: WORKERS,
      warmup: params.noWarmup
        ? null
        : { rounds: WARMUP_ROUNDS, tasks: Math.min(tasks, WARMUP_TASKS) },
      medianAddPhaseMs: { bulk: median(addMs.bulk), single: median(addMs.single) },
      addPhaseMs: addMs,
      shareIs: 'median engine tasks/s ÷ median fastq tasks/s, same caller pattern and heap state',
      heapStates:
        'steady: one full GC and untimed warm bursts, then the timed bursts back to back (targets); cold: a full GC right before each timed burst (reported)',
      fastqColdRates: { bulk: bare.rate.bulk.cold, single: bare.rate.single.cold },
      cpuPerTaskIs: 'process user + system CPU over the timed window ÷ tasks (µs)',
    },
  };
}

export const w1Burst: Workload = {
  id: 'w1',
  title: `burst of no-op tasks, ${WORKERS} workers, vs fastq`,
  run,
};
