/**
 * The persistence boundary. The engine talks only to this interface; the
 * memory store and the SQL stores implement it and pass one contract suite.
 *
 * Rules every implementation follows:
 * - Every method is asynchronous and may batch: a write resolves only once
 *   it is durable for that store (for SQL, once its transaction commits).
 * - Expected outcomes (an id that exists, a full queue, a fenced update that
 *   no longer applies) are results, never exceptions; the engine turns them
 *   into typed errors so that messages are the same on every store.
 * - Records passed in and returned are copies: neither side may keep and
 *   mutate the other's objects.
 * - The store makes no decisions (retry, timeout, overlap, misfire): it
 *   records what the engine decided, atomically and fenced.
 */
import type { AttemptRecord, ScheduleRecord, TaskRecord, TaskStatus } from '../core/types.js';

/** How an insert treats a task id that already exists. */
export type InsertMode =
  /** An existing pending, running or retrying task wins; a finished one is replaced. */
  | 'unless-active'
  /** Any existing task wins, finished or not: a schedule's fire runs once. */
  | 'once';

/** Tasks inserted together: refused whole if a queue would overflow, otherwise each idempotent by id. */
export interface InsertRequest {
  tasks: readonly TaskRecord[];
  mode: InsertMode;
  /** Maximum waiting (pending + retrying) tasks per queue named in `tasks`. */
  capacity: Readonly<Record<string, number>>;
}

/** What happened to one task of an insert. */
export type InsertOutcome = { inserted: true } | { inserted: false; existing: TaskRecord };

/** The result of one {@link InsertRequest}, in the order of its tasks. */
export type InsertResult =
  | { ok: true; outcomes: InsertOutcome[] }
  | { ok: false; queueFull: { queue: string; maxSize: number; waiting: number } };

/** Claim the most urgent due tasks of one queue for one owner. */
export interface ClaimRequest {
  queue: string;
  /** How many to claim; 0 only reports `nextDueAt`. */
  limit: number;
  now: number;
  owner: string;
  /** Lease length; the lease runs out at `now + leaseMs` by the store's clock. */
  leaseMs: number;
  /** Only tasks with these names (the handlers this node has); others stay waiting. */
  names: ReadonlySet<string>;
}

/** Claimed tasks (now running, attempts incremented, leased) and when the next one falls due. */
export interface ClaimResult {
  tasks: TaskRecord[];
  /** Earliest due time among the queue's remaining claimable tasks, or null if there are none. */
  nextDueAt: number | null;
}

/** Fields an update may change. */
export type TaskPatch = Partial<
  Pick<
    TaskRecord,
    | 'status'
    | 'scheduledAt'
    | 'startedAt'
    | 'completedAt'
    | 'error'
    | 'retryCount'
    | 'lockedBy'
    | 'lockedUntil'
    | 'nodeId'
  >
>;

/** The guard of an update: it applies only while the task still matches. */
export interface TaskFence {
  statuses: readonly TaskStatus[];
  /** The lease holder; a node whose lease was taken over is refused. */
  owner?: string;
  /** The attempt the writer ran; a stale attempt is refused. */
  attempt?: number;
}

/** One fenced state change, with the attempt it closes (if any). */
export interface TaskUpdate {
  id: string;
  expect: TaskFence;
  set: TaskPatch;
  appendAttempt?: AttemptRecord;
}

/** Lease renewal of a running attempt. */
export interface LeaseRenewal {
  id: string;
  attempt: number;
}

/** Listing filters; `limit` and `offset` are already validated by the engine. */
export interface TaskQuery {
  statuses?: readonly TaskStatus[];
  queue?: string;
  name?: string;
  limit: number;
  offset: number;
}

/** A page of task records, newest first, and the count of every match. */
export interface TaskPage {
  tasks: TaskRecord[];
  total: number;
}

/** Number of tasks of one (queue, name, status). */
export interface TaskCount {
  queue: string;
  name: string;
  status: TaskStatus;
  count: number;
}

/** Which finished tasks retention removes. */
export interface PruneRule {
  /** Finished before this instant. */
  finishedBefore: number;
  /** Beyond the newest `keepNewest` finished tasks. */
  keepNewest: number;
  /** At most this many per call, so that no call blocks for long. */
  batchSize: number;
}

/** Fields of a schedule that change while it lives. */
export type SchedulePatch = Partial<Pick<ScheduleRecord, 'paused' | 'nextFireAt' | 'lastFireAt'>>;

/** The persistence boundary; see the rules at the top of this file. */
export interface TaskStore {
  /** Connects and prepares storage (migrations); called once before any other method. */
  open(): Promise<void>;
  /** Flushes pending writes and releases connections. */
  close(): Promise<void>;

  insertTasks(requests: readonly InsertRequest[]): Promise<InsertResult[]>;
  /** Atomic: a task is claimed by one owner only, ordered by priority (high first), then due time, then insertion. */
  claimDue(request: ClaimRequest): Promise<ClaimResult>;
  /** Applies each update atomically if its fence holds; resolves to whether each applied. */
  updateTasks(updates: readonly TaskUpdate[]): Promise<boolean[]>;
  /** Extends to `now + leaseMs` the leases `owner` still holds at those attempts; resolves to which were extended. */
  renewLeases(
    owner: string,
    leases: readonly LeaseRenewal[],
    now: number,
    leaseMs: number,
  ): Promise<boolean[]>;
  /** Running tasks whose lease ran out before `now`, oldest first. */
  findExpiredLeases(now: number, limit: number): Promise<TaskRecord[]>;

  getTask(id: string): Promise<TaskRecord | null>;
  listTasks(query: TaskQuery): Promise<TaskPage>;
  countTasks(): Promise<TaskCount[]>;
  /** Deletes one batch of finished tasks matching the rule; resolves to how many. */
  prune(rule: PruneRule): Promise<number>;

  /** Inserts or replaces a schedule by id. */
  saveSchedule(schedule: ScheduleRecord): Promise<void>;
  updateSchedule(id: string, patch: SchedulePatch): Promise<boolean>;
  deleteSchedule(id: string): Promise<boolean>;
  listSchedules(): Promise<ScheduleRecord[]>;
}

/** DI token of the store, under the interface's name. */
export const TaskStore = Symbol('nestjs-scheduler:TaskStore');
