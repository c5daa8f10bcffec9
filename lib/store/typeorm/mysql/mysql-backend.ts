/**
 * The store's operations on MySQL and MariaDB. Without UPDATE … RETURNING, a
 * claim is a short transaction: lock the most urgent due rows with
 * FOR UPDATE SKIP LOCKED, update them, read them back. Every write bumps the
 * row's version, so that the affected-rows count is the matched rows whatever
 * the client's FOUND_ROWS flag says.
 */
import type { TaskRecord } from '../../../core/types.js';
import type {
  ClaimRequest,
  ClaimResult,
  InsertRequest,
  InsertResult,
  LeaseRenewal,
  TaskUpdate,
} from '../../task-store.js';
import { chunks } from '../plan/chunks.js';
import { boundedQueuesOf, idsOf, planInserts } from '../plan/insert-plan.js';
import { rowUpdateParams, rowUpdateSql, shapeOf } from '../plan/update-plan.js';
import { INSERT_COLUMNS, rowToTask, taskSelect, taskValues, toInt } from '../records/task-rows.js';
import { RUNNING, WAITING } from '../schema/table-specs.js';
import { Params } from '../sql/common-queries.js';
import { PooledBackend } from '../sql/pooled-backend.js';
import { RetryTransaction, type SqlClient } from '../sql/sql-pool.js';

/** Rows per statement (24 parameters each) and bytes per statement (under a 16 MiB packet). */
const MAX_ROWS = 500;
const MAX_BYTES = 8 * 1024 * 1024;

/** The store's operations on MySQL and MariaDB. */
export class MysqlBackend extends PooledBackend {
  private readonly updateSql = new Map<string, string>();

  async insertTasks(requests: readonly InsertRequest[]): Promise<InsertResult[]> {
    if (requests.every((request) => request.tasks.length === 0)) {
      return requests.map(() => ({ ok: true, outcomes: [] }));
    }
    return this.pool.transaction(async (client) => {
      const existing = new Map<string, TaskRecord>();
      for (const ids of chunks(idsOf(requests), MAX_ROWS)) {
        const p = new Params('mysql');
        const sql = `SELECT ${taskSelect()} FROM ${this.names.tasks} WHERE id IN ${p.list(ids)} ORDER BY id FOR UPDATE`;
        for (const row of (await client.query(sql, p.values)).rows)
          existing.set(String(row.id), rowToTask(row));
      }
      const plan = planInserts(
        requests,
        existing,
        await this.lockAndCount(client, boundedQueuesOf(requests)),
      );
      for (const ids of chunks(plan.deletes, MAX_ROWS)) {
        const p = new Params('mysql');
        await client.query(`DELETE FROM ${this.names.tasks} WHERE id IN ${p.list(ids)}`, p.values);
      }
      await this.insertRows(client, plan.inserts);
      return plan.results;
    });
  }

  /**
   * Multi-row inserts. A row whose id exists by now was inserted by another instance after we
   * looked: its no-op update counts 2 affected rows instead of 1, and the transaction runs again.
   */
  private async insertRows(client: SqlClient, tasks: readonly TaskRecord[]): Promise<void> {
    const now = Date.now();
    const batches = chunks(tasks, MAX_ROWS, MAX_BYTES, (task) => task.payload.length * 3 + 1024);
    for (const batch of batches) {
      const p = new Params('mysql');
      const rows = batch.map((task) => p.list(taskValues(task, now))).join(', ');
      const sql =
        `INSERT INTO ${this.names.tasks} (${INSERT_COLUMNS.join(', ')}) VALUES ${rows} ` +
        `ON DUPLICATE KEY UPDATE version = version + 1`;
      const { affected } = await client.query(sql, p.values);
      if (affected !== batch.length) throw new RetryTransaction('an id was inserted concurrently');
    }
  }

  private async lockAndCount(client: SqlClient, queues: string[]): Promise<Map<string, number>> {
    const waiting = new Map<string, number>();
    if (queues.length === 0) return waiting;
    const lock = new Params('mysql');
    const lockSql = `SELECT name FROM ${this.names.queues} WHERE name IN ${lock.list(queues)} ORDER BY name FOR UPDATE`;
    if ((await client.query(lockSql, lock.values)).rows.length < queues.length) {
      const add = new Params('mysql');
      const rows = queues.map((queue) => add.list([queue, Date.now()])).join(', ');
      await client.query(
        `INSERT IGNORE INTO ${this.names.queues} (name, created_at) VALUES ${rows}`,
        add.values,
      );
      await client.query(lockSql, lock.values);
    }
    const count = new Params('mysql');
    const countSql =
      `SELECT queue, COUNT(*) AS n FROM ${this.names.tasks} WHERE queue IN ${count.list(queues)} ` +
      `AND phase = ${WAITING} GROUP BY queue`;
    for (const row of (await client.query(countSql, count.values)).rows) {
      waiting.set(String(row.queue), toInt(row.n));
    }
    return waiting;
  }

  async claimDue(request: ClaimRequest): Promise<ClaimResult> {
    const names = [...request.names];
    if (names.length === 0) return { tasks: [], nextDueAt: null };
    if (request.limit <= 0) {
      return this.pool.run(async (client) => ({
        tasks: [],
        nextDueAt: await this.nextDue(client, request, names),
      }));
    }
    return this.pool.transaction(async (client) => {
      const ids = await this.pick(client, request, names);
      const tasks = ids.length === 0 ? [] : await this.lease(client, request, ids);
      return { tasks, nextDueAt: await this.nextDue(client, request, names) };
    });
  }

  /** Locks the most urgent due tasks, skipping rows other claimers hold. */
  private async pick(client: SqlClient, request: ClaimRequest, names: string[]): Promise<string[]> {
    const p = new Params('mysql');
    const sql =
      `SELECT id FROM ${this.names.tasks} WHERE phase = ${WAITING} AND queue = ${p.add(request.queue)} ` +
      `AND scheduled_at <= ${p.add(request.now)} AND name IN ${p.list(names)} ` +
      `ORDER BY priority DESC, scheduled_at, seq LIMIT ${p.add(request.limit)} FOR UPDATE SKIP LOCKED`;
    return (await client.query(sql, p.values)).rows.map((row) => String(row.id));
  }

  /** Leases the picked tasks and reads them back in claim order. */
  private async lease(
    client: SqlClient,
    request: ClaimRequest,
    ids: string[],
  ): Promise<TaskRecord[]> {
    const { now, owner } = request;
    const set = new Params('mysql');
    const sql =
      `UPDATE ${this.names.tasks} SET status = ${set.add('running')}, phase = ${RUNNING}, ` +
      `attempts = attempts + 1, started_at = ${set.add(now)}, node_id = ${set.add(owner)}, ` +
      `locked_by = ${set.add(owner)}, locked_until = ${set.add(now + request.leaseMs)}, ` +
      `version = version + 1, updated_at = ${set.add(Date.now())} WHERE id IN ${set.list(ids)}`;
    await client.query(sql, set.values);
    const read = new Params('mysql');
    const rows = (
      await client.query(
        `SELECT ${taskSelect()} FROM ${this.names.tasks} WHERE id IN ${read.list(ids)}`,
        read.values,
      )
    ).rows;
    const byId = new Map(rows.map((row) => [String(row.id), rowToTask(row)]));
    return ids.map((id) => byId.get(id)!);
  }

  private async nextDue(
    client: SqlClient,
    request: ClaimRequest,
    names: string[],
  ): Promise<number | null> {
    const p = new Params('mysql');
    const sql =
      `SELECT scheduled_at FROM ${this.names.tasks} WHERE phase = ${WAITING} AND queue = ${p.add(request.queue)} ` +
      `AND name IN ${p.list(names)} ORDER BY scheduled_at LIMIT 1`;
    const rows = (await client.query(sql, p.values)).rows;
    return rows.length === 0 ? null : Math.max(request.now, toInt(rows[0]!.scheduled_at));
  }

  async updateTasks(updates: readonly TaskUpdate[]): Promise<boolean[]> {
    if (updates.length === 0) return [];
    return this.pool.transaction(async (client) => {
      const applied: boolean[] = [];
      const now = Date.now();
      for (const update of updates) {
        const shape = shapeOf(update);
        if (shape.statuses.length === 0) {
          applied.push(false);
          continue;
        }
        let sql = this.updateSql.get(shape.key);
        if (sql === undefined)
          this.updateSql.set(shape.key, (sql = rowUpdateSql(this.names, shape)));
        applied.push((await client.query(sql, rowUpdateParams(update, shape, now))).affected > 0);
      }
      return applied;
    });
  }

  async renewLeases(
    owner: string,
    leases: readonly LeaseRenewal[],
    now: number,
    leaseMs: number,
  ): Promise<boolean[]> {
    if (leases.length === 0) return [];
    const sql =
      `UPDATE ${this.names.tasks} SET locked_until = ?, version = version + 1, updated_at = ? ` +
      `WHERE id = ? AND phase = ${RUNNING} AND locked_by = ? AND attempts = ?`;
    return this.pool.transaction(async (client) => {
      const renewed: boolean[] = [];
      for (const { id, attempt } of leases) {
        const params = [now + leaseMs, Date.now(), id, owner, attempt];
        renewed.push((await client.query(sql, params)).affected > 0);
      }
      return renewed;
    });
  }
}
