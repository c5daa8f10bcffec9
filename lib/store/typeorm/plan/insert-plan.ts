/**
 * Decides the outcome of one `insertTasks` call from what the database holds
 * (the rows of the call's ids, and the waiting counts of the queues whose
 * capacity matters), before anything is written: every SQL store then writes
 * the plan in a few statements. The rules are the memory store's.
 */
import type { TaskRecord } from '../../../core/types.js';
import type { InsertOutcome, InsertRequest, InsertResult } from '../../task-store.js';

/** What to write for one call, and what to answer. */
export interface InsertPlan {
  results: InsertResult[];
  /** Ids of finished rows that new tasks replace: deleted before the inserts. */
  deletes: string[];
  /** The rows to insert, in insertion order (a replaced id is a new insertion). */
  inserts: TaskRecord[];
}

const INSERTED: InsertOutcome = Object.freeze({ inserted: true });

const isActive = (task: TaskRecord): boolean =>
  task.status === 'pending' || task.status === 'running' || task.status === 'retrying';
const isWaiting = (task: TaskRecord): boolean =>
  task.status === 'pending' || task.status === 'retrying';

/** Every id a call touches, each once. */
export function idsOf(requests: readonly InsertRequest[]): string[] {
  const ids = new Set<string>();
  for (const request of requests) for (const task of request.tasks) ids.add(task.id);
  return [...ids];
}

/** The queues whose waiting count a call needs: those with a capacity that a waiting task enters. */
export function boundedQueuesOf(requests: readonly InsertRequest[]): string[] {
  const queues = new Set<string>();
  for (const request of requests) {
    for (const task of request.tasks) {
      if (isWaiting(task) && request.capacity[task.queue] !== undefined) queues.add(task.queue);
    }
  }
  return [...queues].sort();
}

/**
 * Plans a call. `existing` holds the stored rows of the call's ids; `waiting` the waiting count of
 * each queue of {@link boundedQueuesOf}, read after locking those queues.
 */
export function planInserts(
  requests: readonly InsertRequest[],
  existing: ReadonlyMap<string, TaskRecord>,
  waiting: ReadonlyMap<string, number>,
): InsertPlan {
  const current = new Map<string, TaskRecord>(existing);
  const counts = new Map(waiting);
  const deletes = new Set<string>();
  const inserts = new Map<string, TaskRecord>();
  const results = requests.map((request) => {
    const staged = new Map<string, TaskRecord>();
    const outcomes = request.tasks.map((task): InsertOutcome => {
      const found = staged.get(task.id) ?? current.get(task.id);
      if (found !== undefined && (request.mode === 'once' || isActive(found))) {
        return { inserted: false, existing: { ...found } };
      }
      staged.set(task.id, task);
      return INSERTED;
    });
    const full = overflow(request, staged, counts);
    if (full !== null) return full;
    for (const task of staged.values()) {
      if (existing.has(task.id)) deletes.add(task.id);
      current.set(task.id, task);
      // A task inserted again later in the call is a later insertion: move it to the end.
      inserts.delete(task.id);
      inserts.set(task.id, task);
      if (isWaiting(task)) counts.set(task.queue, (counts.get(task.queue) ?? 0) + 1);
    }
    return { ok: true, outcomes } satisfies InsertResult;
  });
  return { results, deletes: [...deletes], inserts: [...inserts.values()] };
}

/** The refusal of a request that would overflow a queue (the first in task order), or null. */
function overflow(
  request: InsertRequest,
  staged: ReadonlyMap<string, TaskRecord>,
  counts: ReadonlyMap<string, number>,
): InsertResult | null {
  const adding = new Map<string, number>();
  for (const task of staged.values()) {
    if (isWaiting(task)) adding.set(task.queue, (adding.get(task.queue) ?? 0) + 1);
  }
  for (const [queue, added] of adding) {
    const maxSize = request.capacity[queue];
    if (maxSize === undefined) continue;
    const before = counts.get(queue) ?? 0;
    if (before + added > maxSize)
      return { ok: false, queueFull: { queue, maxSize, waiting: before } };
  }
  return null;
}
