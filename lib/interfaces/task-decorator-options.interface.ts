import type { Duration } from '../core/duration.js';
import type { MisfirePolicy, OverlapPolicy } from '../core/types.js';

/** Options of @Task: how the handler's tasks run unless an add says otherwise. */
export interface TaskDecoratorOptions {
  /** Task name (default: the class name, or `Class.method`). */
  name?: string;
  /** Queue for adds that name none (default 'default'). */
  queue?: string;
  /** Higher runs first within the queue (default 0). */
  priority?: number;
  /** Retries after the first attempt; overrides the queue's `retryPolicy.maxRetries`. */
  retries?: number;
  /** Per-attempt time limit; overrides the queue's `timeout`. */
  timeout?: Duration;
}

/** Options shared by @Cron, @Recurring and @Delayed. */
export interface ScheduleDecoratorOptions extends TaskDecoratorOptions {
  /** The payload every run receives. */
  payload?: unknown;
  /** Set false to keep the handler but not schedule it (default true). */
  enabled?: boolean;
}

/** Options of @Cron. */
export interface CronDecoratorOptions extends ScheduleDecoratorOptions {
  /** IANA time zone of the expression (default: the module's `timeZone`, else the process's). */
  timeZone?: string;
  overlap?: OverlapPolicy;
  misfire?: MisfirePolicy;
  maxCatchUp?: number;
}

/** Options of @Recurring. */
export interface RecurringDecoratorOptions extends ScheduleDecoratorOptions {
  overlap?: OverlapPolicy;
  misfire?: MisfirePolicy;
  maxCatchUp?: number;
  /** First run right at startup instead of one interval later. */
  immediate?: boolean;
}

/** Options of @Delayed. */
export type DelayedDecoratorOptions = ScheduleDecoratorOptions;

/** A schedule decorator's metadata, as stored on its target. */
export type ScheduleMetadata =
  | { kind: 'cron'; expression: string; options: CronDecoratorOptions }
  | { kind: 'recurring'; interval: Duration; options: RecurringDecoratorOptions }
  | { kind: 'delayed'; delay: Duration; options: DelayedDecoratorOptions };
