/**
 * W1 burst: N no-op tasks added at once to one queue with 10 workers, timed
 * from the first add to the last completion; once through one enqueueBulk
 * call and once through N enqueue calls issued together. A bare fastq queue
 * (concurrency 10) doing the same no-op work is the baseline: our median
 * throughput is reported as a share of its median, on a steady heap (the
 * target) and on a cold one (see Heap in w1-engine.ts).
 *
 * On a durable store the comparison with an in-memory queue means nothing:
 * w1-durable.ts reports tasks/s against the store's own target instead.
 */
import fastq from 'fastq';
import { problems, type SilentLogger } from './deployment.js';
import { noop } from './handlers.js';
import type { Measurement } from './measurement.js';
import { median, now, perSecond } from './stats.js';
import { isDurable } from './storage.js';
import {
  block,
  cpuMicros,
  LABELS,
  MODES,
  runEngine,
  WARMUP_TASKS,
  WORKERS,
  WORKLOAD,
  type Heap,
  type Mode,
} from './w1-engine.js';
import { runDurable } from './w1-durable.js';
import type { RunParams, Workload, WorkloadResult } from './workload.js';

const DEFAULT_TASKS = 20_000;
const DEFAULT_ROUNDS = 5;
/** Untimed rounds before measuring, so that every path is compiled by the JIT. */
const WARMUP_ROUNDS = 2;
/** Untimed bursts that size the heap before a side's steady timed bursts. */
const STEADY_WARM_BURSTS = 2;

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

const HEAPS: readonly Heap[] = ['steady', 'cold'];

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
  if (isDurable(params.deployment.store)) return runDurable(params);
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
  title: `burst of no-op tasks, ${WORKERS} workers, vs fastq (SQL stores: tasks/s)`,
  multiInstance: true,
  run,
};
