/**
 * The PostgreSQL statements whose shape is its own: array parameters
 * (`unnest`, `= ANY`) keep every batch one statement with a fixed text,
 * whatever its size.
 */
import { INSERT_COLUMNS, taskSelect } from '../records/task-rows.js';
import { appendHistorySql, type UpdateShape } from '../plan/update-plan.js';
import type { SqlNames } from '../sql-names.js';
import { RUNNING, WAITING } from '../schema/table-specs.js';

/** PostgreSQL array types of the insert columns, for unnest. */
const INSERT_TYPES: Readonly<Record<string, string>> = {
  priority: 'int',
  created_at: 'bigint',
  scheduled_at: 'bigint',
  started_at: 'bigint',
  completed_at: 'bigint',
  attempts: 'int',
  retry_count: 'int',
  max_retries: 'int',
  timeout_ms: 'bigint',
  locked_until: 'bigint',
  phase: 'smallint',
  history_len: 'smallint',
  version: 'int',
  updated_at: 'bigint',
};

/** Statements that do not depend on a request's shape. */
export interface PostgresStatements {
  readonly lockTasks: string;
  readonly lockQueues: string;
  readonly addQueues: string;
  readonly countWaiting: string;
  readonly deleteTasks: string;
  readonly insertTasks: string;
  readonly claim: string;
  readonly nextDue: string;
  readonly renew: string;
}

/** The fixed statements of one store's tables. */
export function postgresStatements(names: SqlNames): PostgresStatements {
  const t = names.tasks;
  const unnest = INSERT_COLUMNS.map((c, i) => `$${i + 1}::${INSERT_TYPES[c] ?? 'text'}[]`);
  return {
    lockTasks: `SELECT ${taskSelect()} FROM ${t} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    lockQueues: `SELECT name FROM ${names.queues} WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE`,
    addQueues:
      `INSERT INTO ${names.queues} (name, created_at) SELECT unnest($1::text[]), $2 ` +
      `ON CONFLICT (name) DO NOTHING`,
    countWaiting:
      `SELECT queue, COUNT(*) AS n FROM ${t} WHERE queue = ANY($1::text[]) AND phase = ${WAITING} ` +
      `GROUP BY queue`,
    deleteTasks: `DELETE FROM ${t} WHERE id = ANY($1::text[])`,
    // Rows come out of unnest in array order and take their seq in that order.
    insertTasks:
      `INSERT INTO ${t} (${INSERT_COLUMNS.join(', ')}) SELECT * FROM unnest(${unnest.join(', ')}) ` +
      `ON CONFLICT (id) DO NOTHING`,
    claim: claimSql(names),
    nextDue:
      `SELECT scheduled_at FROM ${t} WHERE queue = $1 AND phase = ${WAITING} AND name = ANY($2::text[]) ` +
      `ORDER BY scheduled_at LIMIT 1`,
    renew:
      `UPDATE ${t} AS t SET locked_until = $3, version = t.version + 1, updated_at = $4 ` +
      `FROM unnest($1::text[], $2::int[]) AS v(id, attempt) ` +
      `WHERE t.id = v.id AND t.phase = ${RUNNING} AND t.locked_by = $5 AND t.attempts = v.attempt ` +
      `RETURNING t.id, t.attempts`,
  };
}

/**
 * One statement claims and reports the next due time: `picked` locks the most urgent due tasks,
 * skipping rows other claimers hold; `next` reads the statement's snapshot, in which the picked
 * tasks still wait, so it leaves them out. Always one row, with the claimed columns null if none.
 * Parameters: queue, now, names, limit, owner, lockedUntil, 'running', updatedAt.
 */
function claimSql(names: SqlNames): string {
  const t = names.tasks;
  return (
    `WITH picked AS (SELECT id FROM ${t} WHERE queue = $1 AND phase = ${WAITING} AND scheduled_at <= $2 ` +
    `AND name = ANY($3::text[]) ORDER BY priority DESC, scheduled_at, seq LIMIT $4 FOR UPDATE SKIP LOCKED), ` +
    `claimed AS (UPDATE ${t} AS t SET status = $7, phase = ${RUNNING}, attempts = t.attempts + 1, ` +
    `started_at = $2, node_id = $5, locked_by = $5, locked_until = $6, version = t.version + 1, ` +
    `updated_at = $8 FROM picked WHERE t.id = picked.id RETURNING ${taskSelect('t')}, t.seq), ` +
    `next AS (SELECT scheduled_at FROM ${t} WHERE queue = $1 AND phase = ${WAITING} ` +
    `AND name = ANY($3::text[]) AND id NOT IN (SELECT id FROM picked) ORDER BY scheduled_at LIMIT 1) ` +
    `SELECT claimed.*, (SELECT scheduled_at FROM next) AS next_due FROM (SELECT 1) AS one ` +
    `LEFT JOIN claimed ON true`
  );
}

/**
 * The update of a whole group of same-shaped updates: their values come in as arrays, joined to
 * the rows by id; RETURNING tells which rows the fences let through. Parameters: one array per
 * value column, then the fence's statuses, the write time and (when appending) the history limit.
 */
export function groupUpdateSql(names: SqlNames, shape: UpdateShape): string {
  const columns: [string, string][] = [['id', 'text']];
  const sets: string[] = [];
  for (const field of shape.fields) {
    columns.push([field.column, field.pgType]);
    sets.push(`${field.column} = v.${field.column}`);
  }
  if (shape.fields.some((field) => field.key === 'status')) {
    columns.push(['phase', 'smallint']);
    sets.push('phase = v.phase');
  }
  if (shape.append) columns.push(['att', 'text']);
  if (shape.owner) columns.push(['fence_owner', 'text']);
  if (shape.attempt) columns.push(['fence_attempt', 'int']);
  // After the arrays: the fence's statuses, the write time, and the history limit if appending.
  const n = columns.length;
  const [statuses, now, max] = [`$${n + 1}`, `$${n + 2}`, `$${n + 3}`];
  if (shape.append) {
    const history = appendHistorySql(
      'postgres',
      (c) => `t.${c}`,
      () => 'v.att',
      () => max,
    );
    sets.push(`history = ${history}`, `history_len = LEAST(t.history_len + 1, ${max})`);
  }
  sets.push('version = t.version + 1', `updated_at = ${now}`);
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const where = [`t.id = v.id`, `t.status = ANY(${statuses}::text[])`];
  if (shape.owner) where.push('t.locked_by = v.fence_owner');
  if (shape.attempt) where.push('t.attempts = v.fence_attempt');
  return (
    `UPDATE ${names.tasks} AS t SET ${sets.join(', ')} ` +
    `FROM unnest(${arrays}) AS v(${columns.map(([name]) => name).join(', ')}) ` +
    `WHERE ${where.join(' AND ')} RETURNING t.id`
  );
}
