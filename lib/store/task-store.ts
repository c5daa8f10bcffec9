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
 *   mutate the other's objects. A record's `history` (the array and its
 *   attempt records) is immutable: both sides may share it, neither mutates it.
 * - Every field round-trips exactly: the payload and error texts byte for
 *   byte (the payload is not re-serialized JSON), times and counters as
 *   integer numbers (epoch ms), nulls as null.
 * - Patches ({@link TaskPatch}, {@link SchedulePatch}) write the fields they
 *   define, null included; a field that is absent or `undefined` is unchanged.
 * - Lists of statuses are filters: an empty list matches no task.
 * - "Insertion order" is the order in which `insertTasks` stored tasks; a
 *   task keeps its place through later updates, and a replaced id is a new
 *   insertion.
 * - Orders the methods below leave unspecified (ties of equal times, rows of
 *   `countTasks`, schedules of `listSchedules`) are the store's choice.
 * - The store makes no decisions (retry, timeout, overlap, misfire): it
 *   records what the engine decided, atomically and fenced.
 *
 * The suite in test/contract/task-store.contract.ts checks every rule here.
 */
import type { AttemptRecord, ScheduleRecord, TaskRecord, TaskStatus } from '../core/types.js';

/** How an insert treats a task id that already exists. */
export type InsertMode =
  /** An existing pending, running or retrying task wins; a finished one is replaced. */
  | 'unless-active'
  /** Any existing task wins, finished or not: a schedule's fire runs once. */
  | 'once';

/**
 * Tasks inserted together: refused whole if a queue would overflow, otherwise each idempotent by id.
 * A repeated id within one request is treated like an existing task: its first occurrence decides,
 * by `mode`, and later ones report it as `existing`.
 */
export interface InsertRequest {
  tasks: readonly TaskRecord[];
  mode: InsertMode;
  /**
   * Maximum waiting (pending + retrying) tasks per queue named in `tasks`; a queue missing here is
   * unbounded. Only the waiting tasks the request would actually insert count against it: tasks
   * whose id exists (and wins) and tasks inserted in another status do not.
   */
  capacity: Readonly<Record<string, number>>;
}

/** What happened to one task of an insert. */
export type InsertOutcome = { inserted: true } | { inserted: false; existing: TaskRecord };

/**
 * The result of one {@link InsertRequest}, in the order of its tasks. A refusal inserts nothing and
 * names one queue that would overflow (any one, if several would) with its waiting count before the
 * request. The requests of one `insertTasks` call are independent and apply in order: each sees
 * what the ones before it inserted.
 */
export type InsertResult =
  | { ok: true; outcomes: readonly InsertOutcome[] }
  | { ok: false; queueFull: { queue: string; maxSize: number; waiting: number } };

/**
 * Claim the most urgent due tasks of one queue for one owner. A task is due when
 * `scheduledAt <= now`, judged by this request's `now` alone: not by the task's creation time nor by
 * an earlier claim's `now` (a wall clock may step back between claims).
 */
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

/**
 * Claimed tasks and when the next one falls due. A claim changes only `status` (running),
 * `attempts` (+1), `startedAt` (now), `nodeId` and `lockedBy` (the owner) and `lockedUntil`
 * (now + leaseMs); the records returned are the tasks as stored after it.
 */
export interface ClaimResult {
  tasks: TaskRecord[];
  /**
   * When the next task this request could claim falls due, after the claim: of the queue's waiting
   * tasks whose name is in `names`, the earliest `scheduledAt`, raised to `now` if it has passed;
   * null if there are none. Tasks of other names never count, so that they cannot make the engine
   * claim again and again for nothing.
   */
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
    | 'attempts'
  >
>;

/** The guard of an update: it applies only while the task still matches. */
export interface TaskFence {
  /** The task's status must be one of these (an empty list never matches). */
  statuses: readonly TaskStatus[];
  /** The lease holder (`lockedBy`); a node whose lease was taken over is refused. */
  owner?: string;
  /** The attempt the writer ran; a stale attempt is refused. */
  attempt?: number;
}

/**
 * One fenced state change, with the attempt it closes (if any). An unknown id or a fence that does
 * not hold changes nothing and reports false.
 */
export interface TaskUpdate {
  id: string;
  expect: TaskFence;
  set: TaskPatch;
  /** Appended to `history`, which then keeps only its newest `MAX_ATTEMPT_HISTORY` entries. */
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

/**
 * A page of task records, newest first (by `createdAt`, and among equal times the latest inserted
 * first), and the count of every match.
 */
export interface TaskPage {
  tasks: TaskRecord[];
  total: number;
}

/** Number of tasks of one (queue, name, status); groups without tasks are left out. */
export interface TaskCount {
  queue: string;
  name: string;
  status: TaskStatus;
  count: number;
}

/**
 * Which finished (completed, failed, cancelled) tasks retention removes: those completed before
 * `finishedBefore`, and those beyond the newest `keepNewest`, either rule sufficing. A finished
 * task's age is its `completedAt` (the engine always sets it; one without is never too old).
 * Waiting and running tasks are never removed.
 */
export interface PruneRule {
  /** Finished before this instant: `completedAt < finishedBefore`. */
  finishedBefore: number;
  /** Beyond the newest `keepNewest` finished tasks by `completedAt`, counted over every queue. */
  keepNewest: number;
  /** At most this many per call, oldest first, so that no call blocks for long. */
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
  /**
   * Extends to `now + leaseMs` the leases `owner` still holds at those attempts (the task is running,
   * locked by `owner`, at that attempt; a lease that ran out but was not taken over still counts);
   * resolves to which were extended.
   */
  renewLeases(
    owner: string,
    leases: readonly LeaseRenewal[],
    now: number,
    leaseMs: number,
  ): Promise<boolean[]>;
  /** Running tasks whose lease ran out before `now` (`lockedUntil < now`), oldest first, at most `limit`. */
  findExpiredLeases(now: number, limit: number): Promise<TaskRecord[]>;

  getTask(id: string): Promise<TaskRecord | null>;
  listTasks(query: TaskQuery): Promise<TaskPage>;
  countTasks(): Promise<TaskCount[]>;
  /** Deletes one batch of finished tasks matching the rule, oldest first; resolves to how many. */
  prune(rule: PruneRule): Promise<number>;

  /** Inserts or replaces a schedule by id. */
  saveSchedule(schedule: ScheduleRecord): Promise<void>;
  /** Patches a schedule; resolves to false for an unknown id. */
  updateSchedule(id: string, patch: SchedulePatch): Promise<boolean>;
  /** Resolves to whether the schedule existed. */
  deleteSchedule(id: string): Promise<boolean>;
  listSchedules(): Promise<ScheduleRecord[]>;
}

/** DI token of the store, under the interface's name. */
export const TaskStore = Symbol('nestjs-scheduler:TaskStore');
