/**
 * The store's operations on SQLite, through better-sqlite3's synchronous
 * API and prepared statements. Each write is one IMMEDIATE transaction run
 * without yielding to the event loop: it is atomic within the process by
 * construction, and across processes by SQLite's write lock.
 */
import type { ScheduleRecord, TaskRecord, TaskStatus } from '../../../core/types.js';
import type {
  ClaimRequest,
  ClaimResult,
  InsertRequest,
  InsertResult,
  LeaseRenewal,
  PruneRule,
  SchedulePatch,
  TaskCount,
  TaskPage,
  TaskQuery,
  TaskUpdate,
} from '../../task-store.js';
import type { TaskBackend } from '../backend.js';
import { boundedQueuesOf, idsOf, planInserts } from '../plan/insert-plan.js';
import { rowUpdateParams, rowUpdateSql, shapeOf } from '../plan/update-plan.js';
import { rowToSchedule } from '../records/schedule-rows.js';
import { rowToTask, taskValues, toInt, type Row } from '../records/task-rows.js';
import * as common from '../sql/common-queries.js';
import type { SqlNames } from '../sql-names.js';
import { whenIdle, type SqliteDatabase, type SqliteStatement } from './sqlite-database.js';
import { sqliteStatements, type SqliteStatementTexts } from './sqlite-statements.js';

/** Prepared statements kept; shaped statements (updates, name lists) beyond it are prepared again. */
const CACHE_SIZE = 256;

/** The store's operations on SQLite. */
export class SqliteBackend implements TaskBackend {
  private readonly cache = new Map<string, SqliteStatement>();
  private readonly updateSql = new Map<string, string>();
  private readonly sql: SqliteStatementTexts;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly names: SqlNames,
  ) {
    this.sql = sqliteStatements(names);
    // Prepare the hot statements now: a missing table or index fails at open, not at first use.
    for (const sql of [
      this.sql.byId,
      this.sql.insert,
      this.sql.lease,
      this.sql.topLevel,
      this.sql.renew,
    ]) {
      this.stmt(sql);
    }
  }

  async insertTasks(requests: readonly InsertRequest[]): Promise<InsertResult[]> {
    if (requests.every((request) => request.tasks.length === 0)) {
      return requests.map(() => ({ ok: true, outcomes: [] }));
    }
    return this.write(() => {
      const existing = new Map<string, TaskRecord>();
      for (const id of idsOf(requests)) {
        const row = this.stmt(this.sql.byId).get(id) as Row | undefined;
        if (row !== undefined) existing.set(id, rowToTask(row));
      }
      const waiting = new Map<string, number>();
      for (const queue of boundedQueuesOf(requests)) {
        waiting.set(queue, toInt((this.stmt(this.sql.countWaiting).get(queue) as Row).n));
      }
      const plan = planInserts(requests, existing, waiting);
      for (const id of plan.deletes) this.stmt(this.sql.deleteById).run(id);
      // Writers are serialized, so numbering from the largest seq inside the transaction is safe.
      let seq = toInt((this.stmt(this.sql.maxSeq).get() as Row).m ?? 0);
      const now = Date.now();
      const insert = this.stmt(this.sql.insert);
      for (const task of plan.inserts) insert.run((seq += 1), ...taskValues(task, now));
      return plan.results;
    });
  }

  async claimDue(request: ClaimRequest): Promise<ClaimResult> {
    const names = [...request.names];
    if (names.length === 0) return { tasks: [], nextDueAt: null };
    const claim = (): ClaimResult => {
      const tasks = request.limit > 0 ? this.claimLevels(request, names) : [];
      const next = this.stmt(this.sql.nextDue(names.length)).get(request.queue, ...names) as
        Row | undefined;
      return {
        tasks,
        nextDueAt: next === undefined ? null : Math.max(request.now, toInt(next.scheduled_at)),
      };
    };
    return request.limit > 0 ? this.write(claim) : claim();
  }

  /** Claims from the highest priority down until the limit is reached or no priority is left. */
  private claimLevels(request: ClaimRequest, names: readonly string[]): TaskRecord[] {
    const { queue, now, owner } = request;
    const claimed: TaskRecord[] = [];
    const lease = this.stmt(this.sql.lease);
    const due = this.stmt(this.sql.dueAtLevel(names.length));
    const updatedAt = Date.now();
    let level = this.stmt(this.sql.topLevel).get(queue) as Row | undefined;
    while (level !== undefined && claimed.length < request.limit) {
      const rows = due.all(
        queue,
        level.priority,
        now,
        ...names,
        request.limit - claimed.length,
      ) as Row[];
      for (const { id } of rows) {
        const row = lease.get(
          'running',
          now,
          owner,
          owner,
          now + request.leaseMs,
          updatedAt,
          id,
        ) as Row;
        claimed.push(rowToTask(row));
      }
      level = this.stmt(this.sql.nextLevel).get(queue, level.priority) as Row | undefined;
    }
    return claimed;
  }

  async updateTasks(updates: readonly TaskUpdate[]): Promise<boolean[]> {
    if (updates.length === 0) return [];
    return this.write(() => {
      const now = Date.now();
      return updates.map((update) => {
        const shape = shapeOf(update);
        if (shape.statuses.length === 0) return false;
        let sql = this.updateSql.get(shape.key);
        if (sql === undefined)
          this.updateSql.set(shape.key, (sql = rowUpdateSql(this.names, shape)));
        return this.stmt(sql).run(...rowUpdateParams(update, shape, now)).changes > 0;
      });
    });
  }

  async renewLeases(
    owner: string,
    leases: readonly LeaseRenewal[],
    now: number,
    leaseMs: number,
  ): Promise<boolean[]> {
    if (leases.length === 0) return [];
    return this.write(() => {
      const renew = this.stmt(this.sql.renew);
      const updatedAt = Date.now();
      return leases.map(
        ({ id, attempt }) => renew.run(now + leaseMs, updatedAt, id, owner, attempt).changes > 0,
      );
    });
  }

  async findExpiredLeases(now: number, limit: number): Promise<TaskRecord[]> {
    if (limit <= 0) return [];
    return this.all(common.expiredLeasesQuery(this.names, now, limit)).map(rowToTask);
  }

  async getTask(id: string): Promise<TaskRecord | null> {
    const row = this.stmt(this.sql.byId).get(id) as Row | undefined;
    return row === undefined ? null : rowToTask(row);
  }

  async listTasks(query: TaskQuery): Promise<TaskPage> {
    if (query.statuses?.length === 0) return { tasks: [], total: 0 };
    const { page, count } = common.listQueries(this.names, query);
    const tasks = query.limit > 0 ? this.all(page).map(rowToTask) : [];
    return { tasks, total: common.countOf(this.all(count)) };
  }

  async countTasks(): Promise<TaskCount[]> {
    return this.all(common.countTasksQuery(this.names)).map((row) => ({
      queue: String(row.queue),
      name: String(row.name),
      status: String(row.status) as TaskStatus,
      count: toInt(row.n),
    }));
  }

  async prune(rule: PruneRule): Promise<number> {
    if (rule.batchSize <= 0) return 0;
    return this.write(() => {
      const finished = common.countOf(this.all(common.finishedCountQuery(this.names)));
      const oldest = this.all(common.oldestFinishedQuery(this.names, rule.batchSize));
      const { ids, undated } = common.pruneSelection(finished, oldest, rule);
      if (undated > 0) {
        ids.push(
          ...this.all(common.undatedFinishedQuery(this.names, undated)).map((row) =>
            String(row.id),
          ),
        );
      }
      let removed = 0;
      for (const id of ids) removed += this.stmt(this.sql.deleteById).run(id).changes;
      return removed;
    });
  }

  async saveSchedule(schedule: ScheduleRecord): Promise<void> {
    await this.write(() => this.run(common.saveScheduleQuery(this.names, schedule, Date.now())));
  }

  async updateSchedule(id: string, patch: SchedulePatch): Promise<boolean> {
    const query = common.updateScheduleQuery(this.names, id, patch, Date.now());
    return (await this.write(() => this.run(query))) > 0;
  }

  async deleteSchedule(id: string): Promise<boolean> {
    return (await this.write(() => this.run(common.deleteScheduleQuery(this.names, id)))) > 0;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.all(common.listSchedulesQuery(this.names)).map(rowToSchedule);
  }

  /** Runs `work` in an IMMEDIATE transaction, once the connection has no other transaction open. */
  private async write<T>(work: () => T): Promise<T> {
    if (this.db.inTransaction) await whenIdle(this.db);
    this.stmt('BEGIN IMMEDIATE').run();
    try {
      const result = work();
      this.stmt('COMMIT').run();
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.stmt('ROLLBACK').run();
      throw error;
    }
  }

  private all(query: common.Query): Row[] {
    return this.stmt(query.sql).all(...query.params) as Row[];
  }

  private run(query: common.Query): number {
    return this.stmt(query.sql).run(...query.params).changes;
  }

  /** A prepared statement, from the cache (most recently used kept). */
  private stmt(sql: string): SqliteStatement {
    let statement = this.cache.get(sql);
    if (statement !== undefined) {
      this.cache.delete(sql);
    } else {
      statement = this.db.prepare(sql);
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(sql, statement);
    return statement;
  }
}
