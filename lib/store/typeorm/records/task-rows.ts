/**
 * Task records to and from SQL rows. Every value is a bound parameter; rows
 * come back with the drivers' types (PostgreSQL and MySQL give BIGINT as
 * strings), converted here to exact integers.
 */
import {
  MAX_ATTEMPT_HISTORY,
  NO_ATTEMPTS,
  type AttemptRecord,
  type TaskRecord,
  type TaskStatus,
} from '../../../core/types.js';
import { FINISHED, RUNNING, WAITING, type Phase } from '../schema/table-specs.js';

/** A row as a driver returns it. */
export type Row = Record<string, unknown>;

/** The columns a task record is read from, in a SELECT list. */
export const TASK_COLUMNS: readonly string[] = [
  'id',
  'name',
  'queue',
  'status',
  'payload',
  'priority',
  'schedule_id',
  'created_at',
  'scheduled_at',
  'started_at',
  'completed_at',
  'error',
  'attempts',
  'retry_count',
  'max_retries',
  'timeout_ms',
  'node_id',
  'locked_by',
  'locked_until',
  'history',
];

/** The SELECT list of a task, optionally qualified by a table alias. */
export function taskSelect(alias?: string): string {
  return alias === undefined
    ? TASK_COLUMNS.join(', ')
    : TASK_COLUMNS.map((c) => `${alias}.${c}`).join(', ');
}

/** The columns an insert writes (all but `seq`, which the database or the SQLite store numbers). */
export const INSERT_COLUMNS: readonly string[] = [
  ...TASK_COLUMNS.filter((column) => column !== 'history'),
  'phase',
  'history',
  'history_len',
  'version',
  'updated_at',
];

/** The values of {@link INSERT_COLUMNS} for one task. */
export function taskValues(task: TaskRecord, now: number): unknown[] {
  const history =
    task.history.length > MAX_ATTEMPT_HISTORY
      ? task.history.slice(-MAX_ATTEMPT_HISTORY)
      : task.history;
  return [
    task.id,
    task.name,
    task.queue,
    task.status,
    task.payload,
    task.priority,
    task.scheduleId,
    task.createdAt,
    task.scheduledAt,
    task.startedAt,
    task.completedAt,
    task.error,
    task.attempts,
    task.retryCount,
    task.maxRetries,
    task.timeoutMs,
    task.nodeId,
    task.lockedBy,
    task.lockedUntil,
    phaseOf(task.status),
    historyText(history),
    history.length,
    1,
    now,
  ];
}

/** The phase a status belongs to. */
export function phaseOf(status: TaskStatus): Phase {
  if (status === 'pending' || status === 'retrying') return WAITING;
  return status === 'running' ? RUNNING : FINISHED;
}

/** A task record from a row read with {@link TASK_COLUMNS}. */
export function rowToTask(row: Row): TaskRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    queue: String(row.queue),
    status: String(row.status) as TaskStatus,
    payload: String(row.payload),
    priority: toInt(row.priority),
    scheduleId: toNullableString(row.schedule_id),
    createdAt: toInt(row.created_at),
    scheduledAt: toInt(row.scheduled_at),
    startedAt: toNullableInt(row.started_at),
    completedAt: toNullableInt(row.completed_at),
    error: toNullableString(row.error),
    attempts: toInt(row.attempts),
    retryCount: toInt(row.retry_count),
    maxRetries: toInt(row.max_retries),
    timeoutMs: toNullableInt(row.timeout_ms),
    nodeId: toNullableString(row.node_id),
    lockedBy: toNullableString(row.locked_by),
    lockedUntil: toNullableInt(row.locked_until),
    history: parseHistory(row.history),
  };
}

/** An integer from a driver value (number, numeric string or bigint). */
export function toInt(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** An integer, or null for SQL NULL. */
export function toNullableInt(value: unknown): number | null {
  return value === null || value === undefined ? null : toInt(value);
}

/** A string, or null for SQL NULL. */
export function toNullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/**
 * One attempt as JSON, with `{` and `}` inside strings written as `\u007b` and `\u007d` (JSON.parse
 * reads them back unchanged): then `},{` occurs only between two attempts, which lets SQL drop the
 * oldest attempt of a full history by plain text search, without parsing JSON.
 */
export function attemptJson(attempt: AttemptRecord): string {
  return (
    `{"attempt":${JSON.stringify(attempt.attempt)},"startedAt":${JSON.stringify(attempt.startedAt)},` +
    `"finishedAt":${JSON.stringify(attempt.finishedAt)},"durationMs":${JSON.stringify(attempt.durationMs)},` +
    `"error":${jsonString(attempt.error)},"nodeId":${jsonString(attempt.nodeId)}}`
  );
}

function jsonString(value: string | null): string {
  if (value === null) return 'null';
  return JSON.stringify(value).replace(/[{}]/g, (brace) => (brace === '{' ? '\\u007b' : '\\u007d'));
}

/** The stored text of a history: a JSON array of {@link attemptJson}. */
export function historyText(history: readonly AttemptRecord[]): string {
  return history.length === 0 ? '[]' : `[${history.map(attemptJson).join(',')}]`;
}

/**
 * A stored history. One that does not parse (edited by hand) reads as empty rather than making
 * the task unreadable: the history is a record of the past, never used to decide anything.
 */
export function parseHistory(value: unknown): readonly AttemptRecord[] {
  if (value === '[]' || value === null || value === undefined) return NO_ATTEMPTS;
  try {
    const parsed: unknown = JSON.parse(String(value));
    if (!Array.isArray(parsed)) return NO_ATTEMPTS;
    // Longer only if the limit was lowered since the row was written: keep the newest, as promised.
    return parsed.length > MAX_ATTEMPT_HISTORY
      ? (parsed.slice(-MAX_ATTEMPT_HISTORY) as AttemptRecord[])
      : (parsed as AttemptRecord[]);
  } catch {
    return NO_ATTEMPTS;
  }
}
