/**
 * The SQLite statement texts. Hot queries name their index (INDEXED BY):
 * SQLite plans without statistics, and a claim must walk the claim index in
 * order, never sort the queue.
 */
import { INSERT_COLUMNS, taskSelect } from '../records/task-rows.js';
import type { SqlNames } from '../sql-names.js';
import { RUNNING, WAITING } from '../schema/table-specs.js';

const marks = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

/** The texts of the SQLite statements; functions take the number of task names. */
export interface SqliteStatementTexts {
  readonly byId: string;
  readonly countWaiting: string;
  readonly deleteById: string;
  readonly maxSeq: string;
  readonly insert: string;
  readonly topLevel: string;
  readonly nextLevel: string;
  dueAtLevel(names: number): string;
  readonly lease: string;
  nextDue(names: number): string;
  readonly renew: string;
}

/** The statements of one store's tables. */
export function sqliteStatements(names: SqlNames): SqliteStatementTexts {
  const t = names.tasks;
  const claimIndex = `${t} INDEXED BY ${names.index('tasks', 'claim')}`;
  const dueIndex = `${t} INDEXED BY ${names.index('tasks', 'due')}`;
  return {
    byId: `SELECT ${taskSelect()} FROM ${t} WHERE id = ?`,
    countWaiting: `SELECT COUNT(*) AS n FROM ${dueIndex} WHERE queue = ? AND phase = ${WAITING}`,
    deleteById: `DELETE FROM ${t} WHERE id = ?`,
    maxSeq: `SELECT MAX(seq) AS m FROM ${t}`,
    insert: `INSERT INTO ${t} (seq, ${INSERT_COLUMNS.join(', ')}) VALUES (?, ${marks(INSERT_COLUMNS.length)})`,
    // Claims walk the waiting tasks one priority at a time, highest first: within a priority the
    // due tasks are a range of the index, so tasks due later are never read.
    topLevel:
      `SELECT priority FROM ${claimIndex} WHERE queue = ? AND phase = ${WAITING} ` +
      `ORDER BY priority DESC LIMIT 1`,
    nextLevel:
      `SELECT priority FROM ${claimIndex} WHERE queue = ? AND phase = ${WAITING} AND priority < ? ` +
      `ORDER BY priority DESC LIMIT 1`,
    dueAtLevel: (count) =>
      `SELECT id FROM ${claimIndex} WHERE queue = ? AND phase = ${WAITING} AND priority = ? ` +
      `AND scheduled_at <= ? AND name IN (${marks(count)}) ORDER BY scheduled_at, seq LIMIT ?`,
    lease:
      `UPDATE ${t} SET status = ?, phase = ${RUNNING}, attempts = attempts + 1, started_at = ?, ` +
      `node_id = ?, locked_by = ?, locked_until = ?, version = version + 1, updated_at = ? ` +
      `WHERE id = ? RETURNING ${taskSelect()}`,
    nextDue: (count) =>
      `SELECT scheduled_at FROM ${dueIndex} WHERE queue = ? AND phase = ${WAITING} ` +
      `AND name IN (${marks(count)}) ORDER BY scheduled_at LIMIT 1`,
    renew:
      `UPDATE ${t} SET locked_until = ?, version = version + 1, updated_at = ? ` +
      `WHERE id = ? AND phase = ${RUNNING} AND locked_by = ? AND attempts = ?`,
  };
}
