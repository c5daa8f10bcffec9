/**
 * W2 lateness: N delayed tasks due uniformly 100–2,100 ms after they are
 * added, 50 workers, real clock. Lateness is how long after its due time a
 * task's handler is entered.
 *
 * Which clock: the due time is the handler's `ctx.scheduledAt`, which the
 * engine computed from `Date.now()` (its system clock); the engine starts a
 * task once `Date.now() >= scheduledAt`. Reading `Date.now()` alone in the
 * handler would floor the reading to the millisecond and bias every lateness
 * down by up to 1 ms, a fifth of the target. `performance.now()` has
 * sub-microsecond resolution but counts from process start, and
 * `performance.timeOrigin` may be off from `Date.now()`'s epoch by a
 * millisecond or more. So we read `offset + performance.now()`, with the
 * offset between the two clocks calibrated before the adds: for about 20 ms
 * we read `performance.now()`, `Date.now()`, `performance.now()` in turn;
 * each triple bounds the offset from both sides (`Date.now()` floors, and
 * the reads are ordered), and the bounds close in to a fraction of a
 * microsecond around a millisecond tick. Single-tick calibrations are not
 * good enough here: a thread preempted between two reads (this machine is
 * shared) skews them by milliseconds. The calibration is repeated after the
 * run; a difference shows as a note (a wall-clock step during the run).
 * Whether a task started early is judged on `Date.now()` alone, exactly as
 * the engine judges it.
 */
import { performance } from 'node:perf_hooks';
import type { TaskContext } from '../../lib/core/handler.js';
import { deploy, problems } from './deployment.js';
import type { Measurement } from './measurement.js';
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
const CALIBRATION_MS = 20;
/** Calibrations before and after a round further apart than this are reported. */
const DRIFT_NOTE_MS = 0.05;

/** `Date.now() ≈ performance.now() + offset`, to within ± `uncertainty` ms. */
interface Calibration {
  offset: number;
  uncertainty: number;
}

/** Bounds the offset between the two clocks from both sides (see the file comment). */
function calibrate(): Calibration {
  let low = Number.NEGATIVE_INFINITY;
  let high = Number.POSITIVE_INFINITY;
  const end = performance.now() + CALIBRATION_MS;
  for (;;) {
    const before = performance.now();
    const wall = Date.now();
    const after = performance.now();
    // The real time at the Date.now() read lies in [wall, wall + 1) and in [before, after] + offset.
    high = Math.min(high, wall + 1 - before);
    low = Math.max(low, wall - after);
    if (after >= end) break;
  }
  return { offset: (low + high) / 2, uncertainty: Math.abs(high - low) / 2 };
}

interface RoundResult {
  /** Handler start minus due time of each task, ms. */
  lateness: Float64Array;
  /** Tasks whose handler started while `Date.now()` was still before their due time. */
  early: number;
  before: Calibration;
  after: Calibration;
}

async function runRound(params: RunParams, tasks: number, round: number): Promise<RoundResult> {
  const deployment = await deploy(params.deployment, {
    maxWorkers: WORKERS,
    queueSize: tasks,
  });
  const lateness = new Float64Array(tasks);
  let started = 0;
  let early = 0;
  let offset = Number.NaN;
  deployment.registerHandler('probe', {
    execute: (_payload: unknown, ctx: TaskContext) => {
      // Read the clocks first: nothing the handler does may count as lateness.
      const wall = Date.now();
      const fine = offset + performance.now();
      const due = ctx.scheduledAt.getTime();
      if (wall < due) early += 1;
      lateness[started] = fine - due;
      started += 1;
    },
  });
  let before: Calibration;
  let after: Calibration;
  try {
    await deployment.start();
    const random = seededRandom(SEED + round);
    const delays = Array.from({ length: tasks }, () =>
      Math.floor(MIN_DELAY_MS + random() * (MAX_DELAY_MS - MIN_DELAY_MS + 1)),
    );
    before = calibrate();
    offset = before.offset;
    const completed = deployment.completions.whenCompleted(tasks, MAX_DELAY_MS + 30_000);
    await Promise.all(delays.map((delay) => deployment.client.addDelayedJob(delay, 'probe')));
    await completed;
    after = calibrate();
  } finally {
    // Also when the round fails: a SQL store's storage must not outlive the run.
    await deployment.stop();
  }
  const note = problems([deployment.logger]);
  if (note !== undefined) throw new Error(`W2 round ${round}: ${note}`);
  return { lateness: lateness.subarray(0, started), early, before, after };
}

async function run(params: RunParams): Promise<WorkloadResult> {
  const tasks = params.tasks ?? DEFAULT_TASKS;
  const rounds = params.rounds ?? DEFAULT_ROUNDS;
  // No warm-up round: 2,000 tasks spread over 2 s give the JIT time, and a
  // cold start is part of what a real application sees.
  const all: number[] = [];
  const results: RoundResult[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const result = await runRound(params, tasks, round);
    results.push(result);
    for (const value of result.lateness) all.push(value);
  }
  all.sort((a, b) => a - b);
  const early = results.reduce((sum, result) => sum + result.early, 0);
  const drift = Math.max(...results.map((r) => Math.abs(r.after.offset - r.before.offset)));
  const driftNote =
    drift > DRIFT_NOTE_MS ? `clock offset moved ${drift.toFixed(3)} ms during a round` : undefined;
  const row = (metric: string, value: number, extra: Partial<Measurement> = {}): Measurement => ({
    workload: WORKLOAD,
    metric,
    value,
    unit: 'ms',
    note: driftNote,
    ...extra,
  });
  return {
    measurements: [
      row('p50 (handler start − due)', percentile(all, 50)),
      row('p95', percentile(all, 95)),
      row('p99', percentile(all, 99), { target: { op: '<=', value: 5 } }),
      row('max', all.at(-1)!),
      row('handlers started before due (by Date.now())', early, { unit: '' }),
    ],
    details: {
      tasks,
      rounds,
      workers: WORKERS,
      delayMs: { min: MIN_DELAY_MS, max: MAX_DELAY_MS, distribution: 'uniform, seeded' },
      clock: 'offset + performance.now(), offset bounded by ordered performance/Date.now() reads',
      calibrations: results.map(({ before, after }) => ({ before, after })),
      minMs: all[0],
      meanMs: all.reduce((sum, value) => sum + value, 0) / all.length,
      p999Ms: percentile(all, 99.9),
      histogramMs: histogram(all, [0, 0.5, 1, 2, 3, 5, 10, 20, 50]),
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
  run,
};
