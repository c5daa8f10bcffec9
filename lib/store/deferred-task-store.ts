import type { ScheduleRecord, TaskRecord } from '../core/types.js';
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
  TaskStore,
  TaskUpdate,
} from './task-store.js';

/**
 * A store created when it is opened rather than when it is configured. The
 * Nest module builds the engine while providers are still being created; a
 * SQL store's code (TypeORM and a driver) is loaded, and an application's
 * DataSource looked up, only when the engine starts, after every provider
 * exists.
 */
export class DeferredTaskStore implements TaskStore {
  private inner: TaskStore | null = null;

  constructor(private readonly create: () => Promise<TaskStore>) {}

  /** The store opened, or null before open(). */
  get current(): TaskStore | null {
    return this.inner;
  }

  async open(): Promise<void> {
    const store = await this.create();
    await store.open();
    this.inner = store;
  }

  async close(): Promise<void> {
    const store = this.inner;
    this.inner = null;
    await store?.close();
  }

  async insertTasks(requests: readonly InsertRequest[]): Promise<InsertResult[]> {
    return this.opened().insertTasks(requests);
  }

  async claimDue(request: ClaimRequest): Promise<ClaimResult> {
    return this.opened().claimDue(request);
  }

  async updateTasks(updates: readonly TaskUpdate[]): Promise<boolean[]> {
    return this.opened().updateTasks(updates);
  }

  async renewLeases(
    owner: string,
    leases: readonly LeaseRenewal[],
    now: number,
    leaseMs: number,
  ): Promise<boolean[]> {
    return this.opened().renewLeases(owner, leases, now, leaseMs);
  }

  async findExpiredLeases(now: number, limit: number): Promise<TaskRecord[]> {
    return this.opened().findExpiredLeases(now, limit);
  }

  async getTask(id: string): Promise<TaskRecord | null> {
    return this.opened().getTask(id);
  }

  async listTasks(query: TaskQuery): Promise<TaskPage> {
    return this.opened().listTasks(query);
  }

  async countTasks(): Promise<TaskCount[]> {
    return this.opened().countTasks();
  }

  async prune(rule: PruneRule): Promise<number> {
    return this.opened().prune(rule);
  }

  async saveSchedule(schedule: ScheduleRecord): Promise<void> {
    return this.opened().saveSchedule(schedule);
  }

  async updateSchedule(id: string, patch: SchedulePatch): Promise<boolean> {
    return this.opened().updateSchedule(id, patch);
  }

  async deleteSchedule(id: string): Promise<boolean> {
    return this.opened().deleteSchedule(id);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.opened().listSchedules();
  }

  private opened(): TaskStore {
    if (this.inner === null) throw new Error('The task store is used before it was opened');
    return this.inner;
  }
}
