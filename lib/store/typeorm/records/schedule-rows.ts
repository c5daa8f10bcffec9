/** Schedule records to and from SQL rows: one column per field. */
import type {
  MisfirePolicy,
  OverlapPolicy,
  ScheduleKind,
  ScheduleRecord,
} from '../../../core/types.js';
import type { SqlDialect } from '../sql-store-options.js';
import { toInt, toNullableInt, toNullableString, type Row } from './task-rows.js';

/** The columns of a schedule, in the order of {@link scheduleValues}. */
export const SCHEDULE_COLUMNS: readonly string[] = [
  'id',
  'kind',
  'expression',
  'interval_ms',
  'time_zone',
  'task_name',
  'queue',
  'payload',
  'priority',
  'max_retries',
  'timeout_ms',
  'overlap',
  'misfire',
  'max_catch_up',
  'paused',
  'anchor_at',
  'next_fire_at',
  'last_fire_at',
  'created_at',
  'source',
];

/** A boolean as the dialect binds it (better-sqlite3 binds no booleans). */
export function boolParam(value: boolean, dialect: SqlDialect): boolean | number {
  return dialect === 'postgres' ? value : value ? 1 : 0;
}

/** The values of {@link SCHEDULE_COLUMNS} for one schedule. */
export function scheduleValues(schedule: ScheduleRecord, dialect: SqlDialect): unknown[] {
  return [
    schedule.id,
    schedule.kind,
    schedule.expression,
    schedule.intervalMs,
    schedule.timeZone,
    schedule.taskName,
    schedule.queue,
    schedule.payload,
    schedule.priority,
    schedule.maxRetries,
    schedule.timeoutMs,
    schedule.overlap,
    schedule.misfire,
    schedule.maxCatchUp,
    boolParam(schedule.paused, dialect),
    schedule.anchorAt,
    schedule.nextFireAt,
    schedule.lastFireAt,
    schedule.createdAt,
    schedule.source,
  ];
}

/** A schedule record from a row read with {@link SCHEDULE_COLUMNS}. */
export function rowToSchedule(row: Row): ScheduleRecord {
  return {
    id: String(row.id),
    kind: String(row.kind) as ScheduleKind,
    expression: toNullableString(row.expression),
    intervalMs: toNullableInt(row.interval_ms),
    timeZone: toNullableString(row.time_zone),
    taskName: String(row.task_name),
    queue: String(row.queue),
    payload: String(row.payload),
    priority: toInt(row.priority),
    maxRetries: toNullableInt(row.max_retries),
    timeoutMs: toNullableInt(row.timeout_ms),
    overlap: String(row.overlap) as OverlapPolicy,
    misfire: String(row.misfire) as MisfirePolicy,
    maxCatchUp: toInt(row.max_catch_up),
    // PostgreSQL gives booleans, MySQL and SQLite 0 or 1.
    paused: row.paused === true || Number(row.paused) === 1,
    anchorAt: toInt(row.anchor_at),
    nextFireAt: toNullableInt(row.next_fire_at),
    lastFireAt: toNullableInt(row.last_fire_at),
    createdAt: toInt(row.created_at),
    source: String(row.source) as ScheduleRecord['source'],
  };
}

/** The columns a schedule patch writes, by field. */
export const SCHEDULE_PATCH_COLUMNS = {
  paused: 'paused',
  nextFireAt: 'next_fire_at',
  lastFireAt: 'last_fire_at',
} as const;
