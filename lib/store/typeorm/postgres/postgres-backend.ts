/**
 * The store's operations on PostgreSQL: claims are one statement with
 * FOR UPDATE SKIP LOCKED, so that any number of instances claim from one
 * table without waiting on each other; batches of inserts and updates are
 * one statement per shape through array parameters.
 */
import { MAX_ATTEMPT_HISTORY, type TaskRecord } from '../../../core/types.js';
import { chunks } from '../plan/chunks.js';
import type {
  ClaimRequest,
  ClaimResult,
  InsertRequest,
  InsertResult,
  LeaseRenewal,
  TaskUpdate,
} from '../../task-store.js';
import type { TaskBackend } from '../backend.js';
import { boundedQueuesOf, idsOf, planInserts } from '../plan/insert-plan.js';
import { roundsOf, shapeOf, type UpdateShape } from '../plan/update-plan.js';
import {
  attemptJson,
  phaseOf,
  rowToTask,
  taskValues,
  toInt,
  type Row,
} from '../records/task-rows.js';
import { PooledBackend } from '../sql/pooled-backend.js';
import { RetryTransaction, type SqlClient, type SqlPool } from '../sql/sql-pool.js';
import type { SqlNames } from '../sql-names.js';
import { groupUpdateSql, postgresStatements, type PostgresStatements } from './postgres-sql.js';

/** Rows and bytes per insert statement: array parameters have no count limit, messages do. */
const MAX_ROWS = 5_000;
const MAX_BYTES = 64 * 1024 * 1024;

/** The store's operations on PostgreSQL. */
export class PostgresBackend extends PooledBackend implements TaskBackend {
  private readonly sql: PostgresStatements;
  private readonly updateSql = new Map<string, string>();

  constructor(pool: SqlPool, names: SqlNames) {
    super(pool, names);
    this.sql = postgresStatements(names);
  }

  async insertTasks(requests: readonly InsertRequest[]): Promise<InsertResult[]> {
    if (requests.every((request) => request.tasks.length === 0)) {
      return requests.map(() => ({ ok: true, outcomes: [] }));
    }
    return this.pool.transaction(async (client) => {
      const ids = idsOf(requests);
      const rows = (await client.query(this.sql.lockTasks, [ids])).rows;
      const existing = new Map(rows.map((row) => [String(row.id), rowToTask(row)]));
      const waiting = await this.lockAndCount(client, boundedQueuesOf(requests));
      const plan = planInserts(requests, existing, waiting);
      if (plan.deletes.length > 0) await client.query(this.sql.deleteTasks, [plan.deletes]);
      await this.insertRows(client, plan.inserts);
      return plan.results;
    });
  }

  /**
   * Inserts rows, each statement taking one array per column. Fewer rows inserted than sent means
   * another instance inserted one of these ids since we looked: the transaction runs again and
   * then finds it.
   */
  private async insertRows(client: SqlClient, tasks: readonly TaskRecord[]): Promise<void> {
    const now = Date.now();
    const batches = chunks(tasks, MAX_ROWS, MAX_BYTES, (task) => task.payload.length * 3 + 1024);
    for (const batch of batches) {
      const values = batch.map((task) => taskValues(task, now));
      const columns = values[0]!.map((_, column) => values.map((row) => row[column]));
      const inserted = (await client.query(this.sql.insertTasks, columns)).affected;
      if (inserted < batch.length) throw new RetryTransaction('an id was inserted concurrently');
    }
  }

  /** Locks the rows of the queues whose capacity is checked, then counts their waiting tasks. */
  private async lockAndCount(client: SqlClient, queues: string[]): Promise<Map<string, number>> {
    const waiting = new Map<string, number>();
    if (queues.length === 0) return waiting;
    const locked = await client.query(this.sql.lockQueues, [queues]);
    if (locked.rows.length < queues.length) {
      await client.query(this.sql.addQueues, [queues, Date.now()]);
      await client.query(this.sql.lockQueues, [queues]);
    }
    for (const row of (await client.query(this.sql.countWaiting, [queues])).rows) {
      waiting.set(String(row.queue), toInt(row.n));
    }
    return waiting;
  }

  async claimDue(request: ClaimRequest): Promise<ClaimResult> {
    const names = [...request.names];
    if (names.length === 0) return { tasks: [], nextDueAt: null };
    const { queue, now } = request;
    if (request.limit <= 0) {
      const rows = await this.pool.run(
        async (c) => (await c.query(this.sql.nextDue, [queue, names])).rows,
      );
      return { tasks: [], nextDueAt: nextDue(rows[0]?.scheduled_at, now) };
    }
    const params = [
      queue,
      now,
      names,
      request.limit,
      request.owner,
      now + request.leaseMs,
      'running',
      Date.now(),
    ];
    const rows = await this.pool.run(async (c) => (await c.query(this.sql.claim, params)).rows);
    const claimed = rows.filter((row) => row.id !== null).sort(byClaimOrder);
    return { tasks: claimed.map(rowToTask), nextDueAt: nextDue(rows[0]?.next_due, now) };
  }

  async updateTasks(updates: readonly TaskUpdate[]): Promise<boolean[]> {
    if (updates.length === 0) return [];
    return this.pool.transaction(async (client) => {
      const applied = updates.map(() => false);
      for (const round of roundsOf(updates)) {
        for (const group of groupsOf(updates, round)) {
          const ids = await this.updateGroup(client, updates, group);
          for (const index of group.indexes) applied[index] = ids.has(updates[index]!.id);
        }
      }
      return applied;
    });
  }

  private async updateGroup(
    client: SqlClient,
    updates: readonly TaskUpdate[],
    group: Group,
  ): Promise<Set<string>> {
    const { shape, indexes } = group;
    if (shape.statuses.length === 0) return new Set();
    let sql = this.updateSql.get(shape.key);
    if (sql === undefined) this.updateSql.set(shape.key, (sql = groupUpdateSql(this.names, shape)));
    const members = indexes.map((index) => updates[index]!);
    const arrays: unknown[][] = [members.map((update) => update.id)];
    for (const field of shape.fields) arrays.push(members.map((update) => update.set[field.key]));
    if (shape.fields.some((field) => field.key === 'status')) {
      arrays.push(members.map((update) => phaseOf(update.set.status!)));
    }
    if (shape.append) arrays.push(members.map((update) => attemptJson(update.appendAttempt!)));
    if (shape.owner) arrays.push(members.map((update) => update.expect.owner));
    if (shape.attempt) arrays.push(members.map((update) => update.expect.attempt));
    const params = [...arrays, shape.statuses, Date.now()];
    if (shape.append) params.push(MAX_ATTEMPT_HISTORY);
    const { rows } = await client.query(sql, params);
    return new Set(rows.map((row) => String(row.id)));
  }

  async renewLeases(
    owner: string,
    leases: readonly LeaseRenewal[],
    now: number,
    leaseMs: number,
  ): Promise<boolean[]> {
    if (leases.length === 0) return [];
    const params = [
      leases.map((l) => l.id),
      leases.map((l) => l.attempt),
      now + leaseMs,
      Date.now(),
      owner,
    ];
    const rows = await this.pool.run(async (c) => (await c.query(this.sql.renew, params)).rows);
    const renewed = new Set(rows.map((row) => `${String(row.id)}\u0000${toInt(row.attempts)}`));
    return leases.map((lease) => renewed.has(`${lease.id}\u0000${lease.attempt}`));
  }
}

interface Group {
  shape: UpdateShape;
  indexes: number[];
}

/** The updates of one round by shape and fence statuses: each group is one statement. */
function groupsOf(updates: readonly TaskUpdate[], round: readonly number[]): Group[] {
  const groups = new Map<string, Group>();
  for (const index of round) {
    const shape = shapeOf(updates[index]!);
    const key = `${shape.key}|${shape.statuses.join(',')}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { shape, indexes: [index] });
    else group.indexes.push(index);
  }
  return [...groups.values()];
}

/** Claim order: priority (high first), then due time, then insertion. */
function byClaimOrder(a: Row, b: Row): number {
  return (
    toInt(b.priority) - toInt(a.priority) ||
    toInt(a.scheduled_at) - toInt(b.scheduled_at) ||
    toInt(a.seq) - toInt(b.seq)
  );
}

function nextDue(value: unknown, now: number): number | null {
  return value === null || value === undefined ? null : Math.max(now, toInt(value));
}
