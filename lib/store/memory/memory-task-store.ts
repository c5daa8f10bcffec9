import {
  MAX_ATTEMPT_HISTORY,
  type AttemptRecord,
  type ScheduleRecord,
  type TaskRecord,
  type TaskStatus,
} from '../../core/types.js';
import type {
  ClaimRequest,
  ClaimResult,
  InsertOutcome,
  InsertRequest,
  InsertResult,
  LeaseRenewal,
  PruneRule,
  SchedulePatch,
  TaskCount,
  TaskPage,
  TaskQuery,
  TaskPatch,
  TaskStore,
  TaskUpdate,
} from '../task-store.js';
import { OrderedLane } from './ordered-lane.js';
import { QueueIndex } from './queue-index.js';
import type { StoredTask } from './stored-task.js';
import { copySchedule, copyTask, toStoredTask } from './records.js';
import { count, StatusCounter } from './status-counter.js';

const INSERTED: InsertOutcome = Object.freeze({ inserted: true });
/** The answer to most inserts (one task, inserted): shared, as results are read-only. */
const INSERTED_ONE: InsertResult = Object.freeze({ ok: true, outcomes: Object.freeze([INSERTED]) });

/** Retention order: oldest completion first (a finished task without one counts as newest), then insertion. */
const byCompletion = (a: StoredTask, b: StoredTask): boolean => {
  const at = a.completedAt ?? Number.POSITIVE_INFINITY;
  const bt = b.completedAt ?? Number.POSITIVE_INFINITY;
  return at < bt || (at === bt && a.seq < b.seq);
};

const isWaiting = (status: TaskStatus): boolean => status === 'pending' || status === 'retrying';
const isActive = (status: TaskStatus): boolean => isWaiting(status) || status === 'running';
const isFinished = (status: TaskStatus): boolean =>
  status === 'completed' || status === 'failed' || status === 'cancelled';

/**
 * The in-process store: the default, and the reference the SQL stores are
 * measured against. Everything is indexed so that each operation costs
 * O(log n) or less, O(1) on the common paths: waiting tasks sit in per-queue
 * indexes (a heap of delayed ones, lanes of due ones), finished ones in a
 * lane by completion time for retention, and counts are kept exact as they change.
 * Nothing survives the process.
 */
export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, StoredTask>();
  private readonly queues = new Map<string, QueueIndex>();
  private readonly running = new Set<StoredTask>();
  /** Finished tasks, oldest completedAt first: retention removes from the front. */
  private readonly finished = new OrderedLane<StoredTask>(byCompletion);
  private readonly counts = new StatusCounter();
  private readonly schedules = new Map<string, ScheduleRecord>();
  private seq = 0;

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  async insertTasks(requests: readonly InsertRequest[]): Promise<InsertResult[]> {
    return requests.map((request) => this.insertGroup(request));
  }

  async claimDue(request: ClaimRequest): Promise<ClaimResult> {
    const index = this.queues.get(request.queue);
    if (index === undefined) return { tasks: [], nextDueAt: null };
    const { now, owner, limit } = request;
    const accept = (task: StoredTask): boolean => request.names.has(task.name);
    const taken = index.takeDue(now, limit, accept);
    const claimed = taken.map((task) => {
      count(task.counts, task.status, -1);
      task.status = 'running';
      count(task.counts, task.status, 1);
      this.running.add(task);
      task.attempts += 1;
      task.startedAt = now;
      task.nodeId = owner;
      task.lockedBy = owner;
      task.lockedUntil = now + request.leaseMs;
      return copyTask(task);
    });
    return { tasks: claimed, nextDueAt: index.nextDueAt(now, accept, taken.length < limit) };
  }

  async updateTasks(updates: readonly TaskUpdate[]): Promise<boolean[]> {
    return updates.map((update) => this.applyUpdate(update));
  }

  async renewLeases(
    owner: string,
    leases: readonly LeaseRenewal[],
    now: number,
    leaseMs: number,
  ): Promise<boolean[]> {
    return leases.map(({ id, attempt }) => {
      const task = this.tasks.get(id);
      const held =
        task?.status === 'running' && task.lockedBy === owner && task.attempts === attempt;
      if (held) task.lockedUntil = now + leaseMs;
      return held;
    });
  }

  async findExpiredLeases(now: number, limit: number): Promise<TaskRecord[]> {
    return [...this.running]
      .filter((task) => task.lockedUntil !== null && task.lockedUntil < now)
      .sort((a, b) => a.lockedUntil! - b.lockedUntil!)
      .slice(0, limit)
      .map(copyTask);
  }

  async getTask(id: string): Promise<TaskRecord | null> {
    const task = this.tasks.get(id);
    return task === undefined ? null : copyTask(task);
  }

  async listTasks(query: TaskQuery): Promise<TaskPage> {
    const statuses = query.statuses === undefined ? undefined : new Set(query.statuses);
    const all = [...this.tasks.values()];
    const matches: StoredTask[] = [];
    // Walking the map (insertion order; a replaced task is re-inserted) backwards lists the latest
    // inserted first, which the sort (newest creation, then latest insertion) almost always finds
    // in order already. `seq` decides ties, as a task restored by a refused group is re-inserted late.
    for (let i = all.length - 1; i >= 0; i -= 1) {
      const task = all[i]!;
      if (statuses !== undefined && !statuses.has(task.status)) continue;
      if (query.queue !== undefined && task.queue !== query.queue) continue;
      if (query.name !== undefined && task.name !== query.name) continue;
      matches.push(task);
    }
    matches.sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
    const page = matches.slice(query.offset, query.offset + query.limit).map(copyTask);
    return { tasks: page, total: matches.length };
  }

  async countTasks(): Promise<TaskCount[]> {
    return this.counts.rows();
  }

  async prune(rule: PruneRule): Promise<number> {
    let removed = 0;
    for (let task = this.finished.peek(); task !== undefined && removed < rule.batchSize;) {
      const tooOld = task.completedAt !== null && task.completedAt < rule.finishedBefore;
      if (!tooOld && this.finished.size <= rule.keepNewest) break;
      this.delete(task);
      removed += 1;
      task = this.finished.peek();
    }
    return removed;
  }

  async saveSchedule(schedule: ScheduleRecord): Promise<void> {
    this.schedules.set(schedule.id, copySchedule(schedule));
  }

  async updateSchedule(id: string, patch: SchedulePatch): Promise<boolean> {
    const schedule = this.schedules.get(id);
    if (schedule === undefined) return false;
    if (patch.paused !== undefined) schedule.paused = patch.paused;
    if (patch.nextFireAt !== undefined) schedule.nextFireAt = patch.nextFireAt;
    if (patch.lastFireAt !== undefined) schedule.lastFireAt = patch.lastFireAt;
    return true;
  }

  async deleteSchedule(id: string): Promise<boolean> {
    return this.schedules.delete(id);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return [...this.schedules.values()].map(copySchedule);
  }

  /**
   * Inserts as it goes and undoes everything if a queue overflows (rare),
   * rather than staging the group in maps first (every bulk add).
   */
  private insertGroup(request: InsertRequest): InsertResult {
    if (request.tasks.length === 1) return this.insertOne(request, request.tasks[0]!);
    const outcomes = new Array<InsertOutcome>(request.tasks.length);
    const inserted: StoredTask[] = [];
    const replaced: StoredTask[] = [];
    for (let index = 0; index < request.tasks.length; index += 1) {
      const task = request.tasks[index]!;
      const existing = this.tasks.get(task.id);
      if (existing !== undefined && (request.mode === 'once' || isActive(existing.status))) {
        outcomes[index] = { inserted: false, existing: copyTask(existing) };
        continue;
      }
      const maxSize = request.capacity[task.queue] ?? Number.POSITIVE_INFINITY;
      const waiting = this.queues.get(task.queue)?.size ?? 0;
      if (isWaiting(task.status) && waiting + 1 > maxSize) {
        const ours = inserted.filter((t) => t.queue === task.queue && isWaiting(t.status)).length;
        this.undo(inserted, replaced);
        return { ok: false, queueFull: { queue: task.queue, maxSize, waiting: waiting - ours } };
      }
      if (existing !== undefined) replaced.push(existing);
      inserted.push(this.insert(task, existing));
      outcomes[index] = INSERTED;
    }
    return { ok: true, outcomes };
  }

  /** Takes back a refused group's inserts and restores the finished tasks they replaced. */
  private undo(inserted: readonly StoredTask[], replaced: readonly StoredTask[]): void {
    for (const task of inserted) this.delete(task);
    for (const task of replaced) {
      this.tasks.set(task.id, task);
      count(task.counts, task.status, 1);
      this.index(task);
    }
  }

  /** insertGroup for the common single add, without its bookkeeping maps. */
  private insertOne(request: InsertRequest, task: TaskRecord): InsertResult {
    const existing = this.tasks.get(task.id);
    if (existing !== undefined && (request.mode === 'once' || isActive(existing.status))) {
      return { ok: true, outcomes: [{ inserted: false, existing: copyTask(existing) }] };
    }
    const maxSize = request.capacity[task.queue] ?? Number.POSITIVE_INFINITY;
    const waiting = this.queues.get(task.queue)?.size ?? 0;
    if (isWaiting(task.status) && waiting + 1 > maxSize) {
      return { ok: false, queueFull: { queue: task.queue, maxSize, waiting } };
    }
    this.insert(task, existing);
    return INSERTED_ONE;
  }

  /** Stores a record, replacing `previous` (the finished task of that id, already looked up). */
  private insert(record: TaskRecord, previous: StoredTask | undefined): StoredTask {
    if (previous !== undefined) this.delete(previous);
    const slot = this.counts.slot(record.queue, record.name);
    const task = toStoredTask(record, (this.seq += 1), slot);
    this.tasks.set(task.id, task);
    count(task.counts, task.status, 1);
    this.index(task);
    return task;
  }

  private applyUpdate({ id, expect, set, appendAttempt }: TaskUpdate): boolean {
    const task = this.tasks.get(id);
    if (task === undefined || !expect.statuses.includes(task.status)) return false;
    if (expect.owner !== undefined && task.lockedBy !== expect.owner) return false;
    if (expect.attempt !== undefined && task.attempts !== expect.attempt) return false;
    // Take the task out of its index before its keys change, and put it back under the new ones.
    this.unindex(task);
    count(task.counts, task.status, -1);
    applyPatch(task, set);
    count(task.counts, task.status, 1);
    this.index(task);
    if (appendAttempt !== undefined) task.history = appended(task.history, appendAttempt);
    return true;
  }

  /** Files a task by status: waiting heaps, running set or finished list. */
  private index(task: StoredTask): void {
    if (isWaiting(task.status)) {
      let queue = this.queues.get(task.queue);
      if (queue === undefined) {
        queue = new QueueIndex();
        this.queues.set(task.queue, queue);
      }
      queue.add(task);
    } else if (task.status === 'running') {
      this.running.add(task);
    } else if (isFinished(task.status)) {
      this.finished.push(task);
    }
  }

  private unindex(task: StoredTask): void {
    if (isWaiting(task.status)) this.queues.get(task.queue)?.remove(task);
    else if (task.status === 'running') this.running.delete(task);
    else this.finished.remove(task);
  }

  private delete(task: StoredTask): void {
    this.unindex(task);
    count(task.counts, task.status, -1);
    this.tasks.delete(task.id);
  }
}

/** Copies the defined fields of a patch onto a task; listed out because this runs once per state change. */
function applyPatch(task: StoredTask, set: TaskPatch): void {
  if (set.status !== undefined) task.status = set.status;
  if (set.scheduledAt !== undefined) task.scheduledAt = set.scheduledAt;
  if (set.startedAt !== undefined) task.startedAt = set.startedAt;
  if (set.completedAt !== undefined) task.completedAt = set.completedAt;
  if (set.error !== undefined) task.error = set.error;
  if (set.retryCount !== undefined) task.retryCount = set.retryCount;
  if (set.lockedBy !== undefined) task.lockedBy = set.lockedBy;
  if (set.lockedUntil !== undefined) task.lockedUntil = set.lockedUntil;
  if (set.nodeId !== undefined) task.nodeId = set.nodeId;
  if (set.attempts !== undefined) task.attempts = set.attempts;
}

/** A new history with `attempt` added (and the oldest dropped past the limit): never mutated in place. */
function appended(
  history: readonly AttemptRecord[],
  attempt: AttemptRecord,
): readonly AttemptRecord[] {
  if (history.length === 0) return [attempt];
  const next = history.slice(history.length >= MAX_ATTEMPT_HISTORY ? 1 : 0);
  next.push(attempt);
  return next;
}
