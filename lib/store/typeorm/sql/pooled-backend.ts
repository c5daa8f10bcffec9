/**
 * What the PostgreSQL and MySQL backends do alike: reads, retention and
 * schedules, through a pool. The hot paths (insert, claim, update, renew)
 * are each dialect's own.
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
import { rowToSchedule } from '../records/schedule-rows.js';
import { rowToTask, toInt, type Row } from '../records/task-rows.js';
import type { SqlNames } from '../sql-names.js';
import * as common from './common-queries.js';
import type { SqlPool } from './sql-pool.js';

/** The operations PostgreSQL and MySQL share; each implements the hot paths itself. */
export abstract class PooledBackend implements TaskBackend {
  constructor(
    protected readonly pool: SqlPool,
    protected readonly names: SqlNames,
  ) {}

  abstract insertTasks(requests: readonly InsertRequest[]): Promise<InsertResult[]>;
  abstract claimDue(request: ClaimRequest): Promise<ClaimResult>;
  abstract updateTasks(updates: readonly TaskUpdate[]): Promise<boolean[]>;
  abstract renewLeases(
    owner: string,
    leases: readonly LeaseRenewal[],
    now: number,
    leaseMs: number,
  ): Promise<boolean[]>;

  async getTask(id: string): Promise<TaskRecord | null> {
    const rows = await this.read(common.getTaskQuery(this.names, id));
    return rows.length === 0 ? null : rowToTask(rows[0]!);
  }

  async listTasks(query: TaskQuery): Promise<TaskPage> {
    if (query.statuses?.length === 0) return { tasks: [], total: 0 };
    const { page, count } = common.listQueries(this.names, query);
    return this.pool.run(async (client) => {
      const tasks = query.limit > 0 ? (await client.query(page.sql, page.params)).rows : [];
      const total = common.countOf((await client.query(count.sql, count.params)).rows);
      return { tasks: tasks.map(rowToTask), total };
    });
  }

  async countTasks(): Promise<TaskCount[]> {
    const rows = await this.read(common.countTasksQuery(this.names));
    return rows.map((row) => ({
      queue: String(row.queue),
      name: String(row.name),
      status: String(row.status) as TaskStatus,
      count: toInt(row.n),
    }));
  }

  async findExpiredLeases(now: number, limit: number): Promise<TaskRecord[]> {
    if (limit <= 0) return [];
    return (await this.read(common.expiredLeasesQuery(this.names, now, limit))).map(rowToTask);
  }

  async prune(rule: PruneRule): Promise<number> {
    if (rule.batchSize <= 0) return 0;
    return this.pool.transaction(async (client) => {
      const run = async (query: common.Query): Promise<Row[]> =>
        (await client.query(query.sql, query.params)).rows;
      const finished = common.countOf(await run(common.finishedCountQuery(this.names)));
      const oldest = await run(common.oldestFinishedQuery(this.names, rule.batchSize));
      const { ids, undated } = common.pruneSelection(finished, oldest, rule);
      if (undated > 0) {
        const rows = await run(common.undatedFinishedQuery(this.names, undated));
        ids.push(...rows.map((row) => String(row.id)));
      }
      if (ids.length === 0) return 0;
      const removed = common.deleteFinishedQuery(this.names, ids);
      return (await client.query(removed.sql, removed.params)).affected;
    });
  }

  async saveSchedule(schedule: ScheduleRecord): Promise<void> {
    await this.execute(common.saveScheduleQuery(this.names, schedule, Date.now()));
  }

  async updateSchedule(id: string, patch: SchedulePatch): Promise<boolean> {
    return (await this.execute(common.updateScheduleQuery(this.names, id, patch, Date.now()))) > 0;
  }

  async deleteSchedule(id: string): Promise<boolean> {
    return (await this.execute(common.deleteScheduleQuery(this.names, id))) > 0;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (await this.read(common.listSchedulesQuery(this.names))).map(rowToSchedule);
  }

  /** Runs a query on a pooled connection and resolves to its rows. */
  protected read(query: common.Query): Promise<Row[]> {
    return this.pool.run(async (client) => (await client.query(query.sql, query.params)).rows);
  }

  /** Runs a statement on a pooled connection and resolves to the rows it changed. */
  protected execute(query: common.Query): Promise<number> {
    return this.pool.run(async (client) => (await client.query(query.sql, query.params)).affected);
  }
}
