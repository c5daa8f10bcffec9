import type { Duration } from './duration.js';

/** A logger scoped to one attempt; lines name the task and attempt. */
export interface TaskLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** What a handler learns about the attempt it runs. */
export interface TaskContext {
  readonly taskId: string;
  readonly name: string;
  readonly queue: string;
  /** Attempt number, from 1; it keeps counting across retries. */
  readonly attempt: number;
  /** When the task was due (a fire's own time for schedules). */
  readonly scheduledAt: Date;
  readonly scheduleId: string | null;
  /** Aborts on timeout, cancel and shutdown; pass it to fetch, database drivers and child tasks. */
  readonly signal: AbortSignal;
  readonly logger: TaskLogger;
}

/**
 * A task handler: what runs when a task of its name is due.
 *
 * @typeParam P the payload type.
 */
export interface TaskHandler<P = unknown> {
  /** Runs one attempt. A returned promise is awaited; a throw (or rejection) fails the attempt. */
  execute(payload: P, context: TaskContext): unknown;
  /** Return false to fail at once without retries (like throwing NonRetryableError). */
  shouldRetry?(error: unknown, context: TaskContext): boolean;
  /** An id for a payload, making adds idempotent: a task with that id that is unfinished is not added again. */
  id?(payload: P): string | undefined;
}

/** Defaults a handler gives its tasks. */
export interface HandlerOptions {
  /** Queue used when an add names none (default 'default'). */
  queue?: string;
  priority?: number;
  /** Retries after the first attempt; overrides the queue's `retryPolicy.maxRetries`. */
  retries?: number;
  /** Per-attempt time limit; overrides the queue's `timeout`. */
  timeout?: Duration;
}
