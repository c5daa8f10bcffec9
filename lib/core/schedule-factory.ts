import { randomUUID } from 'node:crypto';
import { CronExpression } from './cron/cron-expression.js';
import { parsePositiveDuration, type Duration } from './duration.js';
import type { EngineContext } from './engine-context.js';
import { InvalidArgumentError } from './errors.js';
import { LIMITS } from './options.js';
import { fireRuleOf, nextFireAfter } from './schedule-times.js';
import {
  NO_ATTEMPTS,
  type MisfirePolicy,
  type OverlapPolicy,
  type ScheduleKind,
  type ScheduleRecord,
  type TaskRecord,
} from './types.js';
import { assertInteger, assertName, assertPriority, serializePayload } from './validation.js';

/** Options shared by cron and recurring schedules. */
export interface ScheduleOptions {
  /** Schedule id; adding a schedule with an existing id updates it instead of adding a second one. */
  id?: string;
  queue?: string;
  priority?: number;
  retries?: number;
  timeout?: Duration;
  /** While the previous run is unfinished, a fire is skipped ('skip', default), runs anyway ('allow'), or waits ('queue'). */
  overlap?: OverlapPolicy;
  /** Fires missed while the application was down: 'skip', one catch-up ('run-once', default), or each ('run-all'). */
  misfire?: MisfirePolicy;
  /** Bound on catch-up runs and on fires waiting under overlap 'queue' (default 10). */
  maxCatchUp?: number;
  /** Added paused: no fires until resumed. */
  paused?: boolean;
}

/** Options of a cron schedule. */
export interface CronJobOptions extends ScheduleOptions {
  /** IANA time zone of the expression (default: the scheduler's `timeZone`). */
  timeZone?: string;
}

/** Options of a recurring schedule. */
export interface RecurringJobOptions extends ScheduleOptions {
  /** Fire once right away, then every interval (default: first fire one interval from now). */
  immediate?: boolean;
}

/** A schedule as requested through the API or a decorator. */
export interface ScheduleDefinition {
  kind: ScheduleKind;
  /** The cron expression, or the interval. */
  rule: string | Duration;
  taskName: string;
  payload?: unknown;
  options?: CronJobOptions & RecurringJobOptions;
  source: ScheduleRecord['source'];
}

const OVERLAPS: readonly OverlapPolicy[] = ['skip', 'allow', 'queue'];
const MISFIRES: readonly MisfirePolicy[] = ['skip', 'run-once', 'run-all'];

/** Builds schedule records and their fire tasks, checking every input first. */
export class ScheduleFactory {
  constructor(private readonly ctx: EngineContext) {}

  build(
    definition: ScheduleDefinition,
    now: number,
  ): { record: ScheduleRecord; cron: CronExpression | null } {
    const options = definition.options ?? {};
    const handler = this.ctx.handlers.get(definition.taskName);
    const queue = this.ctx.queues.get(options.queue ?? handler.queue ?? 'default');
    const cron =
      definition.kind === 'cron'
        ? CronExpression.parse(
            definition.rule as string,
            options.timeZone ?? this.ctx.options.timeZone,
          )
        : null;
    const intervalMs =
      definition.kind === 'recurring' ? parsePositiveDuration(definition.rule, 'interval') : null;
    const record: ScheduleRecord = {
      id: options.id === undefined ? randomUUID() : assertName('schedule id', options.id),
      kind: definition.kind,
      expression: cron?.expression ?? null,
      intervalMs,
      timeZone: cron?.timeZone ?? null,
      taskName: handler.name,
      queue: queue.name,
      payload: serializePayload(definition.payload, this.ctx.options.maxPayloadBytes),
      priority:
        options.priority === undefined
          ? (handler.priority ?? 0)
          : assertPriority('priority', options.priority),
      maxRetries:
        options.retries === undefined
          ? null
          : assertInteger('retries', options.retries, 0, LIMITS.maxRetries),
      timeoutMs:
        options.timeout === undefined ? null : parsePositiveDuration(options.timeout, 'timeout'),
      overlap: oneOf('overlap', options.overlap ?? 'skip', OVERLAPS),
      misfire: oneOf('misfire', options.misfire ?? 'run-once', MISFIRES),
      maxCatchUp: assertInteger('maxCatchUp', options.maxCatchUp ?? 10, 1, 1000),
      paused: options.paused === true,
      anchorAt: intervalMs !== null && options.immediate === true ? now - intervalMs : now,
      nextFireAt: null,
      lastFireAt: null,
      createdAt: now,
      source: definition.source,
    };
    record.nextFireAt = record.paused ? null : firstFire(record, cron, now);
    return { record, cron };
  }

  /** Recreates the cron expression of a stored schedule. */
  cronOf(record: ScheduleRecord): CronExpression | null {
    return record.kind === 'cron'
      ? CronExpression.parse(record.expression!, record.timeZone ?? undefined)
      : null;
  }

  /** The task of one fire (or manual trigger) of a schedule. */
  fireTask(schedule: ScheduleRecord, id: string, fireAt: number, now: number): TaskRecord {
    const handler = this.ctx.handlers.get(schedule.taskName);
    const queue = this.ctx.queues.get(schedule.queue);
    return {
      id,
      name: schedule.taskName,
      queue: schedule.queue,
      status: 'pending',
      payload: schedule.payload,
      priority: schedule.priority,
      scheduleId: schedule.id,
      createdAt: now,
      scheduledAt: fireAt,
      startedAt: null,
      completedAt: null,
      error: null,
      attempts: 0,
      retryCount: 0,
      maxRetries: schedule.maxRetries ?? handler.maxRetries ?? queue.config.retry.maxRetries,
      timeoutMs: schedule.timeoutMs,
      nodeId: null,
      lockedBy: null,
      lockedUntil: null,
      history: NO_ATTEMPTS,
    };
  }
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new InvalidArgumentError(field, value, `use one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** A new schedule's first fire: the cron's next time, or one interval after the anchor. */
export function firstFire(
  record: ScheduleRecord,
  cron: CronExpression | null,
  now: number,
): number | null {
  return cron === null
    ? record.anchorAt + record.intervalMs!
    : nextFireAfter(fireRuleOf(record, cron), now);
}
