import type { TaskContext, TaskLogger } from './handler.js';
import type { SchedulerLogger } from './logger.js';
import type { TaskRecord } from './types.js';

/**
 * The context handed to a handler. The signal and the logger are built on
 * first use: most handlers touch neither, and an AbortController per task
 * is a measurable share of a no-op task's cost.
 */
export class AttemptContext implements TaskContext {
  private controller: AbortController | undefined;
  private abortReason: unknown = undefined;
  private taskLogger: TaskLogger | undefined;

  constructor(
    private readonly record: TaskRecord,
    private readonly engineLogger: SchedulerLogger,
  ) {}

  get taskId(): string {
    return this.record.id;
  }

  get name(): string {
    return this.record.name;
  }

  get queue(): string {
    return this.record.queue;
  }

  get attempt(): number {
    return this.record.attempts;
  }

  get scheduledAt(): Date {
    return new Date(this.record.scheduledAt);
  }

  get scheduleId(): string | null {
    return this.record.scheduleId;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get logger(): TaskLogger {
    this.taskLogger ??= scopedLogger(
      this.engineLogger,
      `task ${this.record.name} ${this.record.id} attempt ${this.record.attempts}: `,
    );
    return this.taskLogger;
  }

  /** Aborts the signal (now, or when first read) with `reason`. */
  abort(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}

function scopedLogger(logger: SchedulerLogger, prefix: string): TaskLogger {
  return {
    log: (message) => logger.log(prefix + message),
    warn: (message) => logger.warn(prefix + message),
    error: (message) => logger.error(prefix + message),
    debug: (message) => logger.debug?.(prefix + message),
  };
}
