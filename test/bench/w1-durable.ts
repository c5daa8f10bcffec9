/**
 * W1 burst on a durable (SQL) store: the same bursts as on memory (see
 * w1-burst.ts), reported as tasks per second from the first add to the last
 * completion, where a task counts once the engine's write of `completed`
 * has committed. There is no fastq baseline (an in-memory queue is no
 * measure of a database) and no cold-heap block (the database, not the
 * heap, sets the pace; and each burst takes seconds here).
 *
 * Beside the rate, the store's hot-path calls are counted (each is one
 * transaction): claims, completion updates and inserts per second, the
 * tasks each carried and their average duration. A burst's throughput is
 * bounded by claims/s × tasks per claim and by updates/s × rows per update,
 * which tells where the time goes when a target is missed.
 *
 * With `--instances N` (PostgreSQL), the main process adds the tasks and
 * runs one instance, N-1 instance workers run one each, and the figure is
 * held to that of one instance on the same store: each burst on N
 * instances is paired with a burst on one, in turns, so that both are taken
 * under the same conditions (this machine is shared). A worker's
 * completions reach the main process at most 10 ms late (see
 * instance-worker.ts); the call counts are every instance's.
 */
import { problems, type CallCount, type SilentLogger } from './deployment.js';
import type { Measurement, Target } from './measurement.js';
import { median, perSecond } from './stats.js';
import type { StoreKind } from './storage.js';
import {
  block,
  LABELS,
  MODES,
  runEngine,
  WARMUP_TASKS,
  WORKERS,
  WORKLOAD,
  type EngineRun,
  type Mode,
} from './w1-engine.js';
import type { RunParams, WorkloadResult } from './workload.js';

const DEFAULT_TASKS = 10_000;
const DEFAULT_ROUNDS = 3;
/** One untimed round and one warm burst per mode: the JIT needs them, and each costs seconds here. */
const WARMUP_ROUNDS = 1;
const STEADY_WARM_BURSTS = 1;

/** Throughput targets per store; MySQL's is an aim, reported only. */
const TARGETS: Record<Exclude<StoreKind, 'memory'>, Target> = {
  sqlite: { op: '>=', value: 10_000 },
  postgres: { op: '>=', value: 5_000 },
  mysql: { op: '>=', value: 5_000, aimOnly: true },
};

const CALLS = [
  ['claimDue', 'claim'],
  ['updateTasks', 'update'],
  ['insertTasks', 'insert'],
] as const;

/** Calls per second over a burst, tasks per call and milliseconds per call, each a median over bursts. */
function callRows(label: string, runs: readonly EngineRun[]): Measurement[] {
  return CALLS.map(([method, noun]) => {
    const counts = runs.map((run) => run.calls![method]);
    const rates = runs.map((run, i) => perSecond(counts[i]!.calls, run.elapsedMs));
    const per = (f: (count: CallCount) => number) =>
      median(counts.map((count) => (count.calls === 0 ? 0 : f(count) / count.calls)));
    const tasks = per((count) => count.tasks);
    const ms = per((count) => count.busyMs);
    return {
      workload: WORKLOAD,
      metric: `${label}: ${noun} transactions`,
      value: median(rates),
      unit: `${noun}s/s`,
      samples: rates,
      note: `${tasks.toFixed(1)} tasks per ${noun}, ${ms.toFixed(2)} ms each`,
    };
  });
}

/** A deployment bursts run on: the configured one, and with several instances, one instance beside it. */
interface Side {
  /** '' with one instance; otherwise `1 instance`, `N instances`. */
  label: string;
  params: RunParams;
  instances: number;
}

function sidesOf(params: RunParams): Side[] {
  const { instances } = params.deployment;
  if (instances === 1) return [{ label: '', params, instances }];
  const single = { ...params, deployment: { ...params.deployment, instances: 1 } };
  return [
    { label: '1 instance', params: single, instances: 1 },
    { label: `${instances} instances`, params, instances },
  ];
}

export async function runDurable(params: RunParams): Promise<WorkloadResult> {
  const tasks = params.tasks ?? DEFAULT_TASKS;
  const rounds = params.rounds ?? DEFAULT_ROUNDS;
  const store = params.deployment.store as Exclude<StoreKind, 'memory'>;
  const loggers: SilentLogger[] = [];
  const warmupTasks = Math.min(tasks, WARMUP_TASKS);
  const sides = sidesOf(params);
  let turn = 0;
  // One burst on each side, in turns, the order swapped every time: the figures compared are taken
  // in the same minutes, and neither side always follows the other (whose schema is being dropped).
  const bursts = async (count: number, mode: Mode): Promise<EngineRun[]> => {
    const order = turn++ % 2 === 0 ? sides : [...sides].reverse();
    const runs = new Map<Side, EngineRun>();
    for (const side of order) runs.set(side, await runEngine(side.params, count, mode, loggers));
    return sides.map((side) => runs.get(side)!);
  };
  if (!params.noWarmup) {
    for (let i = 0; i < WARMUP_ROUNDS; i += 1) {
      for (const mode of MODES) await bursts(warmupTasks, mode);
    }
  }
  const warm = params.noWarmup ? 0 : STEADY_WARM_BURSTS;
  // runs[mode][side]: that side's timed bursts.
  const runs: Record<Mode, EngineRun[][]> = { bulk: [], single: [] };
  for (const mode of MODES) {
    const timed = await block('steady', rounds, warm, () => bursts(tasks, mode));
    runs[mode] = sides.map((_, i) => timed.map((pair) => pair[i]!));
  }
  const target = TARGETS[store];
  const problem = problems(loggers);
  const rates = (mode: Mode, side: number) =>
    runs[mode][side]!.map((run) => perSecond(tasks, run.elapsedMs));
  const sideRows = (mode: Mode, side: number): Measurement[] => {
    const { label: sideLabel, instances } = sides[side]!;
    const label = sideLabel === '' ? LABELS[mode] : `${LABELS[mode]}, ${sideLabel}`;
    const sideRates = rates(mode, side);
    const rate = median(sideRates);
    // Several instances are held to the one instance's figure: adding one must not slow the burst.
    const single = instances === 1 ? null : median(rates(mode, 0));
    const sideTarget: Target = single === null ? target : { op: '>=', value: single };
    const aim =
      sideTarget.aimOnly === true ? `aim ${rate >= sideTarget.value ? 'met' : 'missed'}` : null;
    const ratio = single === null ? null : `${(rate / single).toFixed(2)}× 1 instance`;
    const cpu = runs[mode][side]!.map((run) => run.cpuPerTaskUs);
    return [
      {
        workload: WORKLOAD,
        metric: `${label}: throughput`,
        value: rate,
        unit: 'tasks/s',
        target: sideTarget,
        samples: sideRates,
        note:
          [ratio, aim, problem].filter((part) => part !== null && part !== undefined).join('; ') ||
          undefined,
      },
      {
        workload: WORKLOAD,
        metric: `${label}: CPU per task (this process)`,
        value: median(cpu),
        unit: 'µs',
        samples: cpu,
      },
      ...callRows(label, runs[mode][side]!),
    ];
  };
  const modeRows = (mode: Mode) => sides.flatMap((_, side) => sideRows(mode, side));
  const perSide = <T>(f: (side: number) => T): T | Record<string, T> =>
    sides.length === 1
      ? f(0)
      : Object.fromEntries(sides.map((side, i) => [side.label, f(i)] as const));
  return {
    measurements: [...modeRows('bulk'), ...modeRows('single')],
    details: {
      tasks,
      rounds,
      workers: WORKERS,
      instances: params.deployment.instances,
      ...(sides.length === 1
        ? {}
        : {
            instancesAre:
              'the main process (which adds the tasks) and N-1 worker processes, all over the same tables, coordinated through the PostgreSQL coordinator (LISTEN/NOTIFY, poll 60 s); each runs WORKERS workers',
            comparison:
              'each burst on N instances is paired with one on 1 instance (no coordinator), in turns, the order swapped every time; N instances are held to the 1-instance median',
            workerCompletions:
              'counted by the worker as here, sent to the main process at most every 10 ms (the last one at most that late)',
          }),
      warmup: params.noWarmup
        ? null
        : { rounds: WARMUP_ROUNDS, tasks: warmupTasks, steadyWarmBursts: STEADY_WARM_BURSTS },
      heapStates: 'steady only: one full GC and untimed warm bursts, then the timed bursts',
      completionIs: "the store's update to `completed` committed (counted through updateTasks)",
      medianAddPhaseMs: perSide((side) => ({
        bulk: median(runs.bulk[side]!.map((run) => run.addMs)),
        single: median(runs.single[side]!.map((run) => run.addMs)),
      })),
      bursts: perSide((side) => ({ bulk: runs.bulk[side], single: runs.single[side] })),
      callsAre:
        'store calls from the first add until the engine stopped; busyMs sums their durations (overlapping calls each count)',
    },
  };
}
