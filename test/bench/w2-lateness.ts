/**
 * W2 lateness: N delayed tasks due uniformly 100–2,100 ms after they are
 * added, 50 workers, real clock. Lateness is how long after its due time a
 * task's handler is entered, read by the lateness probe (handlers.ts, which
 * explains the clock it reads).
 *
 * With `--instances N` (PostgreSQL), every instance runs the probe and its
 * readings are gathered at the end; the coordinator polls once a minute
 * only, so that lateness shows the LISTEN/NOTIFY wake-ups, not the poll.
 * Two deployments are measured: all instances running (each due task goes
 * to whichever instance claims it first), and the adding instance paused,
 * so that every task runs on an instance that learnt of it only through a
 * notification.
 */
import { deploy, problems } from './deployment.js';
import { LatenessProbe, type Calibration } from './handlers.js';
import type { Measurement, Target } from './measurement.js';
import { seededRandom } from '../utils/seeded-random.js';
import { percentile } from './stats.js';
import type { RunParams, Workload, WorkloadResult } from './workload.js';

const WORKLOAD = 'W2 lateness';
const DEFAULT_TASKS = 2_000;
const DEFAULT_ROUNDS = 1;
const WORKERS = 50;
const MIN_DELAY_MS = 100;
const MAX_DELAY_MS = 2_100;
const SEED = 0x5eed;
/** Calibrations before and after a round further apart than this are reported. */
const DRIFT_NOTE_MS = 0.05;
const QUEUE = 'default';
const TARGET: Target = { op: '<=', value: 5 };
/** Several instances: a task may wait for a notification and a claim on another instance. */
const INSTANCES_TARGET: Target = { op: '<=', value: 50 };

/** How the instances of a round share the work. */
type Variant = 'all' | 'adder paused';

interface RoundResult {
  /** Handler start minus due time of each task, ms. */
  lateness: Float64Array;
  /** Tasks whose handler started while `Date.now()` was still before their due time. */
  early: number;
  /** Each process's calibrations before and after the round. */
  calibrations: { before: Calibration | null; after: Calibration | null }[];
  /** Tasks each instance ran (the adding instance first). */
  ranPerInstance: number[];
  /** Each coordinated instance's offset to the database clock, ms (the adding instance first). */
  clockOffsetsMs: number[];
}

async function runRound(
  params: RunParams,
  tasks: number,
  round: number,
  variant: Variant,
): Promise<RoundResult> {
  const deployment = await deploy(params.deployment, {
    maxWorkers: WORKERS,
    queueSize: tasks,
  });
  const probe = new LatenessProbe(tasks);
  deployment.registerHandler('probe', { execute: probe.execute }, 'lateness');
  try {
    await deployment.start();
    if (variant === 'adder paused') await deployment.client.pauseQueue(QUEUE);
    const random = seededRandom(SEED + round);
    const delays = Array.from({ length: tasks }, () =>
      Math.floor(MIN_DELAY_MS + random() * (MAX_DELAY_MS - MIN_DELAY_MS + 1)),
    );
    probe.begin();
    const completed = deployment.completions.whenCompleted(tasks, MAX_DELAY_MS + 30_000);
    await Promise.all(delays.map((delay) => deployment.client.addDelayedJob(delay, 'probe')));
    await completed;
    probe.end();
  } finally {
    // Also when the round fails: a SQL store's storage must not outlive the run.
    await deployment.stop();
  }
  const note = problems([deployment.logger]);
  if (note !== undefined) throw new Error(`W2 round ${round}: ${note}`);
  const reports = [
    probe.report(),
    ...deployment.reports.map((report) => report.lateness).filter((report) => report !== null),
  ];
  const lateness = new Float64Array(
    reports.reduce((sum, report) => sum + report.lateness.length, 0),
  );
  let offset = 0;
  for (const report of reports) {
    lateness.set(report.lateness, offset);
    offset += report.lateness.length;
  }
  return {
    lateness,
    early: reports.reduce((sum, report) => sum + report.early, 0),
    calibrations: reports.map(({ before, after }) => ({ before, after })),
    ranPerInstance: reports.map((report) => report.lateness.length),
    clockOffsetsMs: [
      deployment.clockOffsetMs(),
      ...deployment.reports.map((report) => report.clockOffsetMs),
    ].filter((offset) => offset !== null),
  };
}

/** Every round of one variant, the lateness of all its tasks sorted. */
interface VariantResult {
  variant: Variant;
  rounds: RoundResult[];
  sorted: number[];
}

/** The largest move of a process's clock offset between its calibrations. */
function drift(results: readonly VariantResult[]): number {
  let largest = 0;
  for (const { rounds } of results) {
    for (const { calibrations } of rounds) {
      for (const { before, after } of calibrations) {
        if (before !== null && after !== null) {
          largest = Math.max(largest, Math.abs(after.offset - before.offset));
        }
      }
    }
  }
  return largest;
}

function summary({ rounds, sorted }: VariantResult): Record<string, unknown> {
  return {
    minMs: sorted[0],
    meanMs: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    p999Ms: percentile(sorted, 99.9),
    histogramMs: histogram(sorted, [0, 0.5, 1, 2, 3, 5, 10, 20, 50]),
    calibrations: rounds.map(({ calibrations }) =>
      calibrations.length === 1 ? calibrations[0] : calibrations,
    ),
  };
}

async function run(params: RunParams): Promise<WorkloadResult> {
  const tasks = params.tasks ?? DEFAULT_TASKS;
  const rounds = params.rounds ?? DEFAULT_ROUNDS;
  const { instances } = params.deployment;
  const variants: Variant[] = instances === 1 ? ['all'] : ['all', 'adder paused'];
  // No warm-up round: 2,000 tasks spread over 2 s give the JIT time, and a
  // cold start is part of what a real application sees.
  const results: VariantResult[] = [];
  for (const variant of variants) {
    const result: VariantResult = { variant, rounds: [], sorted: [] };
    for (let round = 0; round < rounds; round += 1) {
      const outcome = await runRound(params, tasks, round, variant);
      result.rounds.push(outcome);
      for (const value of outcome.lateness) result.sorted.push(value);
    }
    result.sorted.sort((a, b) => a - b);
    results.push(result);
  }
  const early = results.reduce(
    (sum, { rounds }) => sum + rounds.reduce((total, round) => total + round.early, 0),
    0,
  );
  const moved = drift(results);
  const driftNote =
    moved > DRIFT_NOTE_MS ? `clock offset moved ${moved.toFixed(3)} ms during a round` : undefined;
  const row = (metric: string, value: number, extra: Partial<Measurement> = {}): Measurement => ({
    workload: WORKLOAD,
    metric,
    value,
    unit: 'ms',
    note: driftNote,
    ...extra,
  });
  const variantRows = ({ variant, sorted }: VariantResult): Measurement[] => {
    if (instances === 1) {
      return [
        row('p50 (handler start − due)', percentile(sorted, 50)),
        row('p95', percentile(sorted, 95)),
        row('p99', percentile(sorted, 99), { target: TARGET }),
        row('max', sorted.at(-1)!),
      ];
    }
    const label = `${instances} instances${variant === 'all' ? '' : ', adder paused'}`;
    return [
      row(`${label}: p50 (handler start − due)`, percentile(sorted, 50)),
      row(`${label}: p95`, percentile(sorted, 95)),
      row(`${label}: p99`, percentile(sorted, 99), { target: INSTANCES_TARGET }),
      row(`${label}: max`, sorted.at(-1)!),
    ];
  };
  const only = results[0]!;
  return {
    measurements: [
      ...results.flatMap(variantRows),
      row('handlers started before due (by Date.now())', early, {
        unit: '',
        // A coordinated engine's time is Date.now() plus its offset to the database clock.
        note:
          instances > 1 && early > 0
            ? 'each engine reads time on the database clock, offset in whole ms'
            : driftNote,
      }),
    ],
    details: {
      tasks,
      rounds,
      workers: WORKERS,
      delayMs: { min: MIN_DELAY_MS, max: MAX_DELAY_MS, distribution: 'uniform, seeded' },
      clock: 'offset + performance.now(), offset bounded by ordered performance/Date.now() reads',
      ...(instances === 1
        ? summary(only)
        : {
            instances,
            instancesAre:
              'the main process (which adds the tasks) and N-1 worker processes, over the same tables, coordinated through the PostgreSQL coordinator (LISTEN/NOTIFY, poll 60 s); each runs the probe with WORKERS workers and calibrates its own clocks',
            variants: Object.fromEntries(
              results.map((result) => [
                result.variant === 'all'
                  ? 'all instances running'
                  : 'adding instance paused (every task woken by a notification)',
                {
                  ...summary(result),
                  ranPerInstance: result.rounds.map((round) => round.ranPerInstance),
                  databaseClockOffsetsMs: result.rounds.map((round) => round.clockOffsetsMs),
                },
              ]),
            ),
          }),
    },
  };
}

/** Counts of values below each bound (and a last bucket for the rest). */
function histogram(sorted: readonly number[], bounds: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  let index = 0;
  for (const bound of bounds) {
    let count = 0;
    while (index < sorted.length && sorted[index]! < bound) {
      count += 1;
      index += 1;
    }
    counts[`< ${bound}`] = count;
  }
  counts[`>= ${bounds.at(-1)}`] = sorted.length - index;
  return counts;
}

export const w2Lateness: Workload = {
  id: 'w2',
  title: `delayed tasks due in ${MIN_DELAY_MS}–${MAX_DELAY_MS} ms, ${WORKERS} workers, real clock`,
  multiInstance: true,
  run,
};
