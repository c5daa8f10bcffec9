/**
 * Fenced updates as SQL: each update has a shape (the fields it sets, the
 * fences it checks, whether it appends an attempt), and updates of one shape
 * share one statement text, prepared once (SQLite), or one statement for the
 * whole group (PostgreSQL).
 */
import { MAX_ATTEMPT_HISTORY, type TaskStatus } from '../../../core/types.js';
import type { TaskPatch, TaskUpdate } from '../../task-store.js';
import { attemptJson, phaseOf } from '../records/task-rows.js';
import type { SqlNames } from '../sql-names.js';

/** A patchable field, its column and its PostgreSQL array type (for unnest). */
export interface PatchField {
  readonly key: keyof TaskPatch;
  readonly column: string;
  readonly pgType: 'text' | 'bigint' | 'int';
}

/** Every field a patch may set, in the order their columns are written. */
export const PATCH_FIELDS: readonly PatchField[] = [
  { key: 'status', column: 'status', pgType: 'text' },
  { key: 'scheduledAt', column: 'scheduled_at', pgType: 'bigint' },
  { key: 'startedAt', column: 'started_at', pgType: 'bigint' },
  { key: 'completedAt', column: 'completed_at', pgType: 'bigint' },
  { key: 'error', column: 'error', pgType: 'text' },
  { key: 'retryCount', column: 'retry_count', pgType: 'int' },
  { key: 'lockedBy', column: 'locked_by', pgType: 'text' },
  { key: 'lockedUntil', column: 'locked_until', pgType: 'bigint' },
  { key: 'nodeId', column: 'node_id', pgType: 'text' },
  { key: 'attempts', column: 'attempts', pgType: 'int' },
];

/** What an update's statement looks like. */
export interface UpdateShape {
  /** Identifies the statement text of a one-row update. */
  readonly key: string;
  readonly fields: readonly PatchField[];
  readonly append: boolean;
  readonly owner: boolean;
  readonly attempt: boolean;
  readonly statuses: readonly TaskStatus[];
}

/** The shape of an update. */
export function shapeOf(update: TaskUpdate): UpdateShape {
  const fields = PATCH_FIELDS.filter((field) => update.set[field.key] !== undefined);
  const append = update.appendAttempt !== undefined;
  const owner = update.expect.owner !== undefined;
  const attempt = update.expect.attempt !== undefined;
  const statuses = [...new Set(update.expect.statuses)];
  const flags = `${append ? 'h' : ''}${owner ? 'o' : ''}${attempt ? 'a' : ''}`;
  const key = `${fields.map((field) => field.key).join(',')}|${flags}|${statuses.length}`;
  return { key, fields, append, owner, attempt, statuses };
}

/**
 * Splits a call's updates into rounds in which each id occurs once, keeping the order of updates
 * of one id: running the rounds in turn gives the same result as running the updates in order,
 * and within a round updates of different tasks can share statements.
 */
export function roundsOf(updates: readonly TaskUpdate[]): number[][] {
  const seen = new Map<string, number>();
  const rounds: number[][] = [];
  updates.forEach((update, index) => {
    const round = seen.get(update.id) ?? 0;
    seen.set(update.id, round + 1);
    (rounds[round] ??= []).push(index);
  });
  return rounds;
}

/** The history-append expression of a dialect; `att` is the new attempt's JSON, `max` the history limit. */
export function appendHistorySql(
  dialect: SqlNames['dialect'],
  column: (name: string) => string,
  att: () => string,
  max: () => string,
): string {
  const history = column('history');
  const len = column('history_len');
  // An empty history becomes [a]; a short one gets ",a" before its "]"; a full one also loses its
  // oldest attempt, which ends at the first "},{" (see attemptJson).
  switch (dialect) {
    case 'postgres':
      return (
        `CASE WHEN ${len} = 0 THEN '[' || ${att()} || ']' ` +
        `WHEN ${len} < ${max()} THEN left(${history}, -1) || ',' || ${att()} || ']' ` +
        `ELSE '[' || left(substr(${history}, strpos(${history}, '},{') + 2), -1) || ',' || ${att()} || ']' END`
      );
    case 'sqlite':
      return (
        `CASE WHEN ${len} = 0 THEN '[' || ${att()} || ']' ` +
        `WHEN ${len} < ${max()} THEN substr(${history}, 1, length(${history}) - 1) || ',' || ${att()} || ']' ` +
        `ELSE '[' || substr(${history}, instr(${history}, '},{') + 2, length(${history}) - instr(${history}, '},{') - 2)` +
        ` || ',' || ${att()} || ']' END`
      );
    case 'mysql':
      return (
        `CASE WHEN ${len} = 0 THEN CONCAT('[', ${att()}, ']') ` +
        `WHEN ${len} < ${max()} THEN CONCAT(LEFT(${history}, CHAR_LENGTH(${history}) - 1), ',', ${att()}, ']') ` +
        `ELSE CONCAT('[', SUBSTRING(${history}, LOCATE('},{', ${history}) + 2, ` +
        `CHAR_LENGTH(${history}) - LOCATE('},{', ${history}) - 2), ',', ${att()}, ']') END`
      );
  }
}

/**
 * A one-row update with `?` placeholders (SQLite, MySQL). MySQL evaluates SET from left to right,
 * each assignment seeing the ones before: the history is written before its length changes.
 */
export function rowUpdateSql(names: SqlNames, shape: UpdateShape): string {
  const sets = shape.fields.map((field) => `${field.column} = ?`);
  if (shape.fields.some((field) => field.key === 'status')) sets.push('phase = ?');
  if (shape.append) {
    const q = (): string => '?';
    sets.push(`history = ${appendHistorySql(names.dialect, (c) => c, q, q)}`);
    sets.push(`history_len = ${names.dialect === 'sqlite' ? 'min' : 'LEAST'}(history_len + 1, ?)`);
  }
  sets.push('version = version + 1', 'updated_at = ?');
  const where = [`id = ?`, `status IN (${shape.statuses.map(() => '?').join(', ')})`];
  if (shape.owner) where.push('locked_by = ?');
  if (shape.attempt) where.push('attempts = ?');
  return `UPDATE ${names.tasks} SET ${sets.join(', ')} WHERE ${where.join(' AND ')}`;
}

/** The parameters of {@link rowUpdateSql} for one update. */
export function rowUpdateParams(update: TaskUpdate, shape: UpdateShape, now: number): unknown[] {
  const params: unknown[] = shape.fields.map((field) => update.set[field.key]);
  if (update.set.status !== undefined) params.push(phaseOf(update.set.status));
  if (update.appendAttempt !== undefined) {
    const json = attemptJson(update.appendAttempt);
    params.push(json, MAX_ATTEMPT_HISTORY, json, json, MAX_ATTEMPT_HISTORY);
  }
  params.push(now, update.id, ...shape.statuses);
  if (shape.owner) params.push(update.expect.owner);
  if (shape.attempt) params.push(update.expect.attempt);
  return params;
}
