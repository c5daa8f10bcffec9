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

export async function runDurable(params: RunParams): Promise<WorkloadResult> {
  const tasks = params.tasks ?? DEFAULT_TASKS;
  const rounds = params.rounds ?? DEFAULT_ROUNDS;
  const store = params.deployment.store as Exclude<StoreKind, 'memory'>;
  const loggers: SilentLogger[] = [];
  const warmupTasks = Math.min(tasks, WARMUP_TASKS);
  if (!params.noWarmup) {
    for (let i = 0; i < WARMUP_ROUNDS; i += 1) {
      for (const mode of MODES) await runEngine(params, warmupTasks, mode, loggers);
    }
  }
  const warm = params.noWarmup ? 0 : STEADY_WARM_BURSTS;
  const runs: Record<Mode, EngineRun[]> = { bulk: [], single: [] };
  for (const mode of MODES) {
    runs[mode] = await block('steady', rounds, warm, () => runEngine(params, tasks, mode, loggers));
  }
  const target = TARGETS[store];
  const problem = problems(loggers);
  const modeRows = (mode: Mode): Measurement[] => {
    const label = LABELS[mode];
    const rates = runs[mode].map((run) => perSecond(tasks, run.elapsedMs));
    const rate = median(rates);
    const aim = target.aimOnly === true ? `aim ${rate >= target.value ? 'met' : 'missed'}` : null;
    const cpu = runs[mode].map((run) => run.cpuPerTaskUs);
    return [
      {
        workload: WORKLOAD,
        metric: `${label}: throughput`,
        value: rate,
        unit: 'tasks/s',
        target,
        samples: rates,
        note:
          [aim, problem].filter((part) => part !== null && part !== undefined).join('; ') ||
          undefined,
      },
      {
        workload: WORKLOAD,
        metric: `${label}: CPU per task (this process)`,
        value: median(cpu),
        unit: 'µs',
        samples: cpu,
      },
      ...callRows(label, runs[mode]),
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
        : { rounds: WARMUP_ROUNDS, tasks: warmupTasks, steadyWarmBursts: STEADY_WARM_BURSTS },
      heapStates: 'steady only: one full GC and untimed warm bursts, then the timed bursts',
      completionIs: "the store's update to `completed` committed (counted through updateTasks)",
      medianAddPhaseMs: {
        bulk: median(runs.bulk.map((run) => run.addMs)),
        single: median(runs.single.map((run) => run.addMs)),
      },
      bursts: runs,
      callsAre:
        'store calls from the first add until the engine stopped; busyMs sums their durations (overlapping calls each count)',
    },
  };
}
