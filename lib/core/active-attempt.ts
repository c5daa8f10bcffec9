import type { Clock } from './clock.js';
import {
  LeaseLostError,
  NonRetryableError,
  SchedulerShutdownError,
  TaskCancelledError,
  TaskTimeoutError,
} from './attempt-errors.js';
import type { RegisteredHandler } from './handler-registry.js';
import { errorMessage, type SchedulerLogger } from './logger.js';
import type { QueueRuntime } from './queue-registry.js';
import { AttemptContext } from './task-context.js';
import { TimelineEntry, type Timeline } from './timeline.js';
import type { TaskRecord } from './types.js';

/** How an attempt ended, as far as the engine is concerned. */
export type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'timed-out'; error: TaskTimeoutError }
  /** Cancelled while running: the cancel already recorded the task's new state. */
  | { kind: 'cancelled' }
  /** Interrupted by shutdown: the task goes back to waiting, its retry budget untouched. */
  | { kind: 'interrupted' };

/** Why an attempt's signal was aborted. */
export type AbortKind = 'timeout' | 'cancel' | 'shutdown' | 'lease-lost';

/** Services an attempt needs, shared by every attempt, and where it reports its end. */
export interface AttemptServices {
  clock: Clock;
  timeline: Timeline;
  logger: SchedulerLogger;
  abortGracePeriodMs: number;
  settled(attempt: ActiveAttempt, outcome: AttemptOutcome): void;
}

const SUCCEEDED: AttemptOutcome = Object.freeze({ kind: 'succeeded' });

/**
 * One running attempt of a task: it calls the handler, enforces the
 * timeout, and settles exactly once. After an abort the handler gets a
 * grace period to stop; if it ignores its signal, the attempt settles
 * anyway and the worker slot is freed, while the handler's promise runs on
 * unobserved (its eventual result is ignored).
 */
export class ActiveAttempt {
  readonly startedAt: number;
  readonly context: AttemptContext;
  private abortKind: AbortKind | undefined;
  private settled = false;
  // Built only when needed: most attempts have no timeout and are never aborted.
  private deadline: TimelineEntry | undefined;
  private grace: TimelineEntry | undefined;

  constructor(
    readonly record: TaskRecord,
    readonly handler: RegisteredHandler,
    readonly queue: QueueRuntime,
    readonly timeoutMs: number | null,
    private readonly services: AttemptServices,
  ) {
    // The claim recorded when the attempt started; reading the clock again would only differ by µs.
    this.startedAt = record.startedAt ?? services.clock.now();
    this.context = new AttemptContext(record, services.logger);
  }

  get id(): string {
    return this.record.id;
  }

  get aborted(): AbortKind | undefined {
    return this.abortKind;
  }

  /** Calls the handler; the outcome arrives through `services.settled`. */
  run(): void {
    if (this.timeoutMs !== null) {
      this.deadline = new TimelineEntry(() => this.abort('timeout'));
      this.services.timeline.schedule(this.deadline, this.startedAt + this.timeoutMs);
    }
    let result: unknown;
    try {
      result = this.handler.handler.execute(this.parsePayload(), this.context);
    } catch (error) {
      this.settle({ kind: 'failed', error });
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        () => this.settle(SUCCEEDED),
        (error: unknown) => this.settle({ kind: 'failed', error }),
      );
    } else {
      this.settle(SUCCEEDED);
    }
  }

  /** Aborts the handler's signal; the first abort decides the outcome. Returns false if too late. */
  abort(kind: AbortKind): boolean {
    if (this.settled || this.abortKind !== undefined) return false;
    this.abortKind = kind;
    this.context.abort(this.abortReason(kind));
    this.grace = new TimelineEntry(() => this.settle(null));
    this.services.timeline.schedule(
      this.grace,
      this.services.clock.now() + this.services.abortGracePeriodMs,
    );
    return true;
  }

  private abortReason(kind: AbortKind): Error {
    if (kind === 'timeout') return new TaskTimeoutError(this.id, this.timeoutMs ?? 0);
    if (kind === 'cancel') return new TaskCancelledError(this.id);
    if (kind === 'lease-lost') return new LeaseLostError(this.id);
    return new SchedulerShutdownError();
  }

  private parsePayload(): unknown {
    // Tasks without a payload are common and cost no parse.
    if (this.record.payload === 'null') return null;
    try {
      return JSON.parse(this.record.payload);
    } catch (error) {
      throw new NonRetryableError(`stored payload is not valid JSON: ${errorMessage(error)}`);
    }
  }

  /** @param handlerOutcome what the handler did, or null when its grace period ran out first. */
  private settle(handlerOutcome: AttemptOutcome | null): void {
    if (this.settled) {
      this.services.logger.debug?.(
        `task ${this.record.name} ${this.id} attempt ${this.record.attempts} finished after its slot was released; result ignored`,
      );
      return;
    }
    this.settled = true;
    if (this.deadline !== undefined) this.services.timeline.cancel(this.deadline);
    if (this.grace !== undefined) this.services.timeline.cancel(this.grace);
    this.services.settled(this, this.finalOutcome(handlerOutcome));
  }

  private finalOutcome(handlerOutcome: AttemptOutcome | null): AttemptOutcome {
    switch (this.abortKind) {
      case 'timeout':
        return { kind: 'timed-out', error: new TaskTimeoutError(this.id, this.timeoutMs ?? 0) };
      case 'cancel':
      case 'lease-lost':
        // Whoever cancelled the task, or took it over, has recorded its state: nothing to write.
        return { kind: 'cancelled' };
      case 'shutdown':
        // Work that finished despite the shutdown is done; anything else runs again later.
        return handlerOutcome?.kind === 'succeeded' ? handlerOutcome : { kind: 'interrupted' };
      default:
        return handlerOutcome ?? SUCCEEDED;
    }
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
