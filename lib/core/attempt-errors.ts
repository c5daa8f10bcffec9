/**
 * The errors an attempt meets: reasons its signal aborts with (timeout,
 * cancel, shutdown, lost lease) and the error a handler throws to fail
 * without retries.
 */
import { describeValue, SchedulerError } from './errors.js';

/** An attempt ran longer than its timeout; the retry policy applies. */
export class TaskTimeoutError extends SchedulerError {
  readonly code = 'TASK_TIMEOUT';
  constructor(
    readonly taskId: string,
    readonly timeoutMs: number,
  ) {
    super(`Task ${describeValue(taskId)} timed out after ${timeoutMs} ms.`);
  }
}

/** Reason given to a handler's signal when its task is cancelled. */
export class TaskCancelledError extends SchedulerError {
  readonly code = 'TASK_CANCELLED';
  constructor(readonly taskId: string) {
    super(`Task ${describeValue(taskId)} was cancelled.`);
  }
}

/** Reason given to a handler's signal when the scheduler shuts down. */
export class SchedulerShutdownError extends SchedulerError {
  readonly code = 'SCHEDULER_SHUTDOWN';
  constructor() {
    super('The scheduler is shutting down; the attempt was interrupted and will run again.');
  }
}

/**
 * Reason given to a handler's signal when this node no longer holds the
 * task: its lease ran out (a long pause, a lost connection) and the task
 * was recovered, or it was cancelled, elsewhere. Stop: another attempt owns it.
 */
export class LeaseLostError extends SchedulerError {
  readonly code = 'LEASE_LOST';
  constructor(readonly taskId: string) {
    super(
      `Task ${describeValue(taskId)}: this node's lease on it is gone (it was recovered or cancelled elsewhere); the attempt was aborted.`,
    );
  }
}

/**
 * Throw from a handler to fail the task at once, without retries.
 *
 * @example throw new NonRetryableError('recipient address is invalid');
 */
export class NonRetryableError extends SchedulerError {
  readonly code = 'NON_RETRYABLE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
