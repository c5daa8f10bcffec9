/**
 * Statements that read the same in every dialect but for their placeholders
 * and a few functions: each backend runs them its own way (a pooled
 * connection, or a prepared better-sqlite3 statement).
 */
import type { ScheduleRecord } from '../../../core/types.js';
import type { PruneRule, SchedulePatch, TaskQuery } from '../../task-store.js';
import { boolParam, SCHEDULE_COLUMNS, scheduleValues } from '../records/schedule-rows.js';
import { taskSelect, toInt, toNullableInt, type Row } from '../records/task-rows.js';
import type { SqlNames } from '../sql-names.js';
import { FINISHED, RUNNING } from '../schema/table-specs.js';

/** A statement and its parameters. */
export interface Query {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Collects parameters and writes their placeholders: `$1, $2…` on PostgreSQL, `?` elsewhere. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: SqlNames['dialect']) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'postgres' ? `$${this.values.length}` : '?';
  }

  /** A parenthesized list of placeholders for an IN. */
  list(values: readonly unknown[]): string {
    return `(${values.map((value) => this.add(value)).join(', ')})`;
  }
}

/** One task by id. */
export function getTaskQuery(names: SqlNames, id: string): Query {
  const p = new Params(names.dialect);
  return {
    sql: `SELECT ${taskSelect()} FROM ${names.tasks} WHERE id = ${p.add(id)}`,
    params: p.values,
  };
}

/** The page and the count of a listing (never called with an empty status list). */
export function listQueries(names: SqlNames, query: TaskQuery): { page: Query; count: Query } {
  const filter = (p: Params): string => {
    const where: string[] = [];
    if (query.statuses !== undefined) where.push(`status IN ${p.list(query.statuses)}`);
    if (query.queue !== undefined) where.push(`queue = ${p.add(query.queue)}`);
    if (query.name !== undefined) where.push(`name = ${p.add(query.name)}`);
    return where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
  };
  const page = new Params(names.dialect);
  const pageSql =
    `SELECT ${taskSelect()} FROM ${names.tasks}${filter(page)} ORDER BY created_at DESC, seq DESC ` +
    `LIMIT ${page.add(query.limit)} OFFSET ${page.add(query.offset)}`;
  const count = new Params(names.dialect);
  const countSql = `SELECT COUNT(*) AS n FROM ${names.tasks}${filter(count)}`;
  return {
    page: { sql: pageSql, params: page.values },
    count: { sql: countSql, params: count.values },
  };
}

/** Task counts per queue, name and status. */
export function countTasksQuery(names: SqlNames): Query {
  return {
    sql: `SELECT queue, name, status, COUNT(*) AS n FROM ${names.tasks} GROUP BY queue, name, status`,
    params: [],
  };
}

/** Running tasks whose lease ran out before `now`, oldest lease first. */
export function expiredLeasesQuery(names: SqlNames, now: number, limit: number): Query {
  const p = new Params(names.dialect);
  const sql =
    `SELECT ${taskSelect()} FROM ${names.tasks} WHERE phase = ${RUNNING} AND locked_until < ${p.add(now)} ` +
    `ORDER BY locked_until LIMIT ${p.add(limit)}`;
  return { sql, params: p.values };
}

/** How many finished tasks there are. */
export function finishedCountQuery(names: SqlNames): Query {
  return { sql: `SELECT COUNT(*) AS n FROM ${names.tasks} WHERE phase = ${FINISHED}`, params: [] };
}

/** The oldest finished tasks with a completion time, oldest first. */
export function oldestFinishedQuery(names: SqlNames, limit: number): Query {
  const p = new Params(names.dialect);
  const sql =
    `SELECT id, completed_at FROM ${names.tasks} WHERE phase = ${FINISHED} AND completed_at IS NOT NULL ` +
    `ORDER BY completed_at LIMIT ${p.add(limit)}`;
  return { sql, params: p.values };
}

/** Finished tasks without a completion time: they count as the newest, the latest inserted last. */
export function undatedFinishedQuery(names: SqlNames, limit: number): Query {
  const p = new Params(names.dialect);
  const sql =
    `SELECT id FROM ${names.tasks} WHERE phase = ${FINISHED} AND completed_at IS NULL ` +
    `ORDER BY seq LIMIT ${p.add(limit)}`;
  return { sql, params: p.values };
}

/** Deletes finished tasks by id (a task that is no longer finished stays). */
export function deleteFinishedQuery(names: SqlNames, ids: readonly string[]): Query {
  const p = new Params(names.dialect);
  const sql = `DELETE FROM ${names.tasks} WHERE id IN ${p.list(ids)} AND phase = ${FINISHED}`;
  return { sql, params: p.values };
}

/**
 * Which of the oldest finished tasks one prune call removes: a prefix of them (both rules remove
 * the oldest first), as long as each is too old or beyond the newest `keepNewest`.
 */
export function pruneSelection(
  finished: number,
  oldest: readonly Row[],
  rule: PruneRule,
): { ids: string[]; undated: number } {
  const excess = finished - rule.keepNewest;
  const ids: string[] = [];
  for (const row of oldest) {
    if (ids.length >= rule.batchSize) break;
    const completedAt = toNullableInt(row.completed_at);
    if (ids.length >= excess && !(completedAt !== null && completedAt < rule.finishedBefore)) break;
    ids.push(String(row.id));
  }
  // Undated tasks come after every dated one; only the count rule reaches them.
  const reachedUndated = ids.length === oldest.length;
  const undated = reachedUndated ? Math.max(0, Math.min(rule.batchSize, excess) - ids.length) : 0;
  return { ids, undated };
}

/** The `n` of a COUNT query. */
export function countOf(rows: readonly Row[]): number {
  return rows.length === 0 ? 0 : toInt(rows[0]!.n);
}

/** Every schedule. */
export function listSchedulesQuery(names: SqlNames): Query {
  return {
    sql: `SELECT ${SCHEDULE_COLUMNS.join(', ')} FROM ${names.schedules} ORDER BY created_at, id`,
    params: [],
  };
}

/** Inserts a schedule, or replaces every field of the one with its id. */
export function saveScheduleQuery(names: SqlNames, schedule: ScheduleRecord, now: number): Query {
  const p = new Params(names.dialect);
  const values = scheduleValues(schedule, names.dialect).map((value) => p.add(value));
  const columns = [...SCHEDULE_COLUMNS, 'version', 'updated_at'].join(', ');
  const insert = `INSERT INTO ${names.schedules} (${columns}) VALUES (${values.join(', ')}, 1, ${p.add(now)})`;
  const others = [...SCHEDULE_COLUMNS.slice(1), 'updated_at'];
  if (names.dialect === 'mysql') {
    const sets = others.map((column) => `${column} = VALUES(${column})`);
    return {
      sql: `${insert} ON DUPLICATE KEY UPDATE ${sets.join(', ')}, version = version + 1`,
      params: p.values,
    };
  }
  const sets = others.map((column) => `${column} = excluded.${column}`);
  const version = `version = ${names.schedules}.version + 1`;
  return {
    sql: `${insert} ON CONFLICT (id) DO UPDATE SET ${sets.join(', ')}, ${version}`,
    params: p.values,
  };
}

/** Writes the fields a schedule patch defines. */
export function updateScheduleQuery(
  names: SqlNames,
  id: string,
  patch: SchedulePatch,
  now: number,
): Query {
  const p = new Params(names.dialect);
  const sets: string[] = [];
  if (patch.paused !== undefined)
    sets.push(`paused = ${p.add(boolParam(patch.paused, names.dialect))}`);
  if (patch.nextFireAt !== undefined) sets.push(`next_fire_at = ${p.add(patch.nextFireAt)}`);
  if (patch.lastFireAt !== undefined) sets.push(`last_fire_at = ${p.add(patch.lastFireAt)}`);
  // The version changes on every write, so that MySQL counts the row as changed even when the
  // values are not (its affected-rows count is of changed rows unless the client asked otherwise).
  sets.push('version = version + 1', `updated_at = ${p.add(now)}`);
  const sql = `UPDATE ${names.schedules} SET ${sets.join(', ')} WHERE id = ${p.add(id)}`;
  return { sql, params: p.values };
}

/** Deletes one schedule. */
export function deleteScheduleQuery(names: SqlNames, id: string): Query {
  const p = new Params(names.dialect);
  return { sql: `DELETE FROM ${names.schedules} WHERE id = ${p.add(id)}`, params: p.values };
}
