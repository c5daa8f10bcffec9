/**
 * Typed errors of the scheduler. Every error carries a stable `code`, and
 * every message quotes the offending value and says what would be accepted,
 * so that callers never have to match on message text.
 */

/** Stable, machine-readable error codes. */
export type SchedulerErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_DURATION'
  | 'INVALID_CRON_EXPRESSION'
  | 'INVALID_PAYLOAD'
  | 'PAYLOAD_TOO_LARGE'
  | 'INVALID_QUEUE_CONFIG'
  | 'QUEUE_FULL'
  | 'UNKNOWN_QUEUE'
  | 'UNKNOWN_TASK'
  | 'TASK_NOT_FOUND'
  | 'SCHEDULE_NOT_FOUND'
  | 'INVALID_STATE'
  | 'DUPLICATE_NAME'
  | 'CONFIGURATION'
  | 'TASK_TIMEOUT'
  | 'TASK_CANCELLED'
  | 'SCHEDULER_SHUTDOWN'
  | 'SCHEDULER_STOPPED'
  | 'LEASE_LOST'
  | 'STORE_UNAVAILABLE'
  | 'NON_RETRYABLE';

const MAX_QUOTED_LENGTH = 120;

/**
 * Renders a caller-supplied value for an error message: strings are JSON
 * quoted (so control characters and markup stay inert) and cut to a
 * readable length; other values show their type.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > MAX_QUOTED_LENGTH
      ? `${quoted.slice(0, MAX_QUOTED_LENGTH)}…" (${value.length} characters)`
      : quoted;
  }
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'bigint') return `${value}n (a BigInt)`;
  if (value === null || value === undefined || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (Array.isArray(value)) return 'an array';
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'an object';
}

/** Base class of every error the scheduler raises on purpose. */
export abstract class SchedulerError extends Error {
  /** Stable code identifying the kind of error. */
  abstract readonly code: SchedulerErrorCode;

  protected constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument (a name, an id, a number) is outside what is accepted. */
export class InvalidArgumentError extends SchedulerError {
  readonly code = 'INVALID_ARGUMENT';
  constructor(
    readonly field: string,
    readonly value: unknown,
    /** What would be accepted. */
    readonly expectation: string,
  ) {
    super(`Invalid ${field}: ${describeValue(value)}; ${expectation}.`);
  }
}

/** A duration is negative, not a number, or not in a known format. */
export class InvalidDurationError extends SchedulerError {
  readonly code = 'INVALID_DURATION';
  constructor(
    readonly field: string,
    readonly value: unknown,
    /** What would be accepted. */
    readonly expectation = "use a number of milliseconds or a string like '250ms', '30s', '5m', '1h' or '2d'",
  ) {
    super(`Invalid duration for ${field}: ${describeValue(value)}; ${expectation}.`);
  }
}

/** A cron expression cannot be parsed, is too long, or never fires. */
export class InvalidCronExpressionError extends SchedulerError {
  readonly code = 'INVALID_CRON_EXPRESSION';
  constructor(
    readonly expression: unknown,
    readonly reason: string,
  ) {
    super(`Invalid cron expression ${describeValue(expression)}: ${reason}.`);
  }
}

/** A payload is not plain JSON (a function, a cycle, a BigInt, a class instance...). */
export class InvalidPayloadError extends SchedulerError {
  readonly code = 'INVALID_PAYLOAD';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `Invalid payload at ${path}: ${reason}; payloads must be plain JSON (objects, arrays, strings, finite numbers, booleans, null).`,
    );
  }
}

/** A payload's JSON form is larger than `maxPayloadBytes`. */
export class PayloadTooLargeError extends SchedulerError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `Payload of ${bytes} bytes exceeds the limit of ${maxBytes} bytes (maxPayloadBytes); store large data elsewhere and pass a reference.`,
    );
  }
}

/** A queue configuration value is missing, of the wrong type, or out of range. */
export class InvalidQueueConfigError extends SchedulerError {
  readonly code = 'INVALID_QUEUE_CONFIG';
  constructor(
    readonly queue: string,
    readonly field: string,
    readonly value: unknown,
    expectation: string,
  ) {
    super(
      `Invalid configuration for queue ${describeValue(queue)}: ${field} is ${describeValue(value)}; ${expectation}.`,
    );
  }
}

/** The queue already holds `maxSize` waiting tasks; nothing was added. */
export class QueueFullError extends SchedulerError {
  readonly code = 'QUEUE_FULL';
  constructor(
    readonly queue: string,
    readonly maxSize: number,
    readonly requested = 1,
  ) {
    super(
      `Queue ${describeValue(queue)} is full (maxSize ${maxSize}); ${requested === 1 ? 'the task was' : `none of the ${requested} tasks were`} not added. Retry later or raise maxSize.`,
    );
  }
}

/** No queue of that name exists. */
export class UnknownQueueError extends SchedulerError {
  readonly code = 'UNKNOWN_QUEUE';
  constructor(
    readonly queue: unknown,
    known: readonly string[],
    /** Who asked for the queue, when that helps find the mistake (e.g. "provider EmailTask"). */
    namedBy?: string,
  ) {
    super(
      `Unknown queue ${describeValue(queue)}${namedBy === undefined ? '' : ` (named by ${namedBy})`}; known queues: ${known.map((q) => JSON.stringify(q)).join(', ')}. Declare it in the 'queues' option or with createQueue().`,
    );
  }
}

/** No handler is registered under that task name (or for that class). */
export class UnknownTaskError extends SchedulerError {
  readonly code = 'UNKNOWN_TASK';
  constructor(readonly task: unknown) {
    super(
      `Unknown task ${describeValue(task)}; decorate a provider with @Task() (or a method with @Cron/@Recurring/@Delayed) and list it in a module's providers.`,
    );
  }
}

/** No task with that id exists (it may have been removed by retention). */
export class TaskNotFoundError extends SchedulerError {
  readonly code = 'TASK_NOT_FOUND';
  constructor(readonly id: unknown) {
    super(`Task not found: ${describeValue(id)}.`);
  }
}

/** No schedule with that id exists. */
export class ScheduleNotFoundError extends SchedulerError {
  readonly code = 'SCHEDULE_NOT_FOUND';
  constructor(readonly id: unknown) {
    super(`Schedule not found: ${describeValue(id)}.`);
  }
}

/** The operation does not apply to the task or schedule in its current state. */
export class InvalidStateError extends SchedulerError {
  readonly code = 'INVALID_STATE';
  constructor(
    readonly id: string,
    readonly state: string,
    operation: string,
  ) {
    super(`Cannot ${operation} ${describeValue(id)}: it is ${state}.`);
  }
}

/** Two handlers, queues or schedules claim the same name. */
export class DuplicateNameError extends SchedulerError {
  readonly code = 'DUPLICATE_NAME';
  constructor(
    readonly kind: 'task' | 'queue' | 'schedule',
    readonly duplicate: string,
    detail: string,
  ) {
    super(`Duplicate ${kind} name ${describeValue(duplicate)}: ${detail}.`);
  }
}

/** The scheduler is configured in a way that cannot work. */
export class SchedulerConfigurationError extends SchedulerError {
  readonly code = 'CONFIGURATION';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The store could not be reached or failed; the cause says why. Nothing was changed by the call. */
export class StoreUnavailableError extends SchedulerError {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      `The task store failed during ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** The scheduler was stopped; it accepts no more work. */
export class SchedulerStoppedError extends SchedulerError {
  readonly code = 'SCHEDULER_STOPPED';
  constructor(operation: string) {
    super(`Cannot ${operation}: the scheduler has been stopped.`);
  }
}
