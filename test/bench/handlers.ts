/**
 * The handlers the workloads register, in one place so that an engine
 * instance in another process (instance-worker.ts) runs the very same code:
 * a function cannot cross the process boundary, so such an instance is told
 * a handler's kind and builds it here.
 *
 * The lateness probe (W2) reads the time the handler starts. Which clock:
 * the due time is the handler's `ctx.scheduledAt`, which the engine computed
 * from `Date.now()` (its system clock); the engine starts a task once
 * `Date.now() >= scheduledAt`. Reading `Date.now()` alone in the handler
 * would floor the reading to the millisecond and bias every lateness down by
 * up to 1 ms, a fifth of the single-instance target. `performance.now()` has
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
 * the engine judges it. Each process calibrates its own offset.
 */
import { performance } from 'node:perf_hooks';
import type { TaskContext } from '../../lib/core/handler.js';

/** Handlers an instance in another process can be asked to register. */
export const HANDLER_KINDS = ['noop', 'lateness'] as const;
export type HandlerKind = (typeof HANDLER_KINDS)[number];

// Every side runs the same handler: an async function that does nothing.
export const noop = async (): Promise<void> => {};

const CALIBRATION_MS = 20;

/** `Date.now() ≈ performance.now() + offset`, to within ± `uncertainty` ms. */
export interface Calibration {
  offset: number;
  uncertainty: number;
}

/** Bounds the offset between the two clocks from both sides (see the file comment). */
export function calibrate(): Calibration {
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

/** What a lateness probe recorded. */
export interface LatenessReport {
  /** Handler start minus due time of each task, ms. */
  lateness: Float64Array;
  /** Tasks whose handler started while `Date.now()` was still before their due time. */
  early: number;
  /** Calibrations before the adds and after the last completion; null if not taken. */
  before: Calibration | null;
  after: Calibration | null;
}

/** W2's handler: records how late each task started (see the file comment). */
export class LatenessProbe {
  private lateness: Float64Array;
  private started = 0;
  private early = 0;
  private offset = Number.NaN;
  private before: Calibration | null = null;
  private after: Calibration | null = null;

  /** `capacity`: the tasks expected (more only cost a copy). */
  constructor(capacity: number) {
    this.lateness = new Float64Array(Math.max(1, capacity));
  }

  /** Calibrates the clocks; call it right before the tasks are added. */
  begin(): void {
    this.before = calibrate();
    this.offset = this.before.offset;
  }

  /** Calibrates again; call it once the tasks completed. */
  end(): void {
    this.after = calibrate();
  }

  readonly execute = (_payload: unknown, ctx: TaskContext): void => {
    // Read the clocks first: nothing the handler does may count as lateness.
    const wall = Date.now();
    const fine = this.offset + performance.now();
    const due = ctx.scheduledAt.getTime();
    if (wall < due) this.early += 1;
    if (this.started === this.lateness.length) {
      const grown = new Float64Array(this.lateness.length * 2);
      grown.set(this.lateness);
      this.lateness = grown;
    }
    this.lateness[this.started] = fine - due;
    this.started += 1;
  };

  report(): LatenessReport {
    return {
      lateness: this.lateness.slice(0, this.started),
      early: this.early,
      before: this.before,
      after: this.after,
    };
  }
}
