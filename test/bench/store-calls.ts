/**
 * Counting a durable store's hot-path calls (each one transaction of a SQL
 * store), to tell where the time goes when a target is missed: how many
 * claims, completion updates and inserts per second, the tasks each carried
 * and how long each took.
 */
import type {
  ClaimRequest,
  InsertRequest,
  TaskStore,
  TaskUpdate,
} from '../../lib/store/task-store.js';
import { now } from './stats.js';

/** Calls of one store method: how many, how many tasks they carried, and the time spent in them. */
export interface CallCount {
  calls: number;
  /** Tasks inserted (insertTasks), claimed (claimDue) or updated (updateTasks). */
  tasks: number;
  /** Sum of the calls' durations; calls in flight together each count in full. */
  busyMs: number;
}

/** The store's hot-path calls, as counted by {@link StoreCalls}. */
export type CallCounts = Record<'insertTasks' | 'claimDue' | 'updateTasks', CallCount>;

/**
 * Counts the hot-path calls of a durable store (each is one transaction of a
 * SQL store), to tell where the time goes when a target is missed. The
 * memory store is not counted: its figures must stay as they were.
 */
export class StoreCalls {
  private counts: CallCounts = StoreCalls.zero();

  private static zero(): CallCounts {
    const none = (): CallCount => ({ calls: 0, tasks: 0, busyMs: 0 });
    return { insertTasks: none(), claimDue: none(), updateTasks: none() };
  }

  /** A copy of the counts so far. */
  snapshot(): CallCounts {
    return structuredClone(this.counts);
  }

  /** The calls made since `earlier` (a snapshot). */
  since(earlier: CallCounts): CallCounts {
    const result = this.snapshot();
    for (const key of Object.keys(result) as (keyof CallCounts)[]) {
      result[key].calls -= earlier[key].calls;
      result[key].tasks -= earlier[key].tasks;
      result[key].busyMs -= earlier[key].busyMs;
    }
    return result;
  }

  /** Adds calls counted elsewhere (by an instance in another process). */
  absorb(other: CallCounts): void {
    for (const key of Object.keys(this.counts) as (keyof CallCounts)[]) {
      this.counts[key].calls += other[key].calls;
      this.counts[key].tasks += other[key].tasks;
      this.counts[key].busyMs += other[key].busyMs;
    }
  }

  /** Wraps a call of `method`, counted once it settles. */
  async count<T>(
    method: keyof CallCounts,
    tasks: (result: T) => number,
    call: () => Promise<T>,
  ): Promise<T> {
    const start = now();
    const result = await call();
    const entry = this.counts[method];
    entry.calls += 1;
    entry.tasks += tasks(result);
    entry.busyMs += now() - start;
    return result;
  }
}

export type CountedMethods = Pick<TaskStore, keyof CallCounts>;

/** The hot-path methods of `store`, counted by `calls`; `updateTasks` is the store's, already observed. */
export function countedMethods(
  store: TaskStore,
  calls: StoreCalls,
  updateTasks: TaskStore['updateTasks'],
): CountedMethods {
  return {
    insertTasks: (requests: readonly InsertRequest[]) =>
      calls.count(
        'insertTasks',
        () => requests.reduce((sum, request) => sum + request.tasks.length, 0),
        () => store.insertTasks(requests),
      ),
    claimDue: (request: ClaimRequest) =>
      calls.count(
        'claimDue',
        (result) => result.tasks.length,
        () => store.claimDue(request),
      ),
    updateTasks: (updates: readonly TaskUpdate[]) =>
      calls.count(
        'updateTasks',
        () => updates.length,
        () => updateTasks(updates),
      ),
  };
}

export const isCounted = (key: PropertyKey): key is keyof CallCounts =>
  key === 'insertTasks' || key === 'claimDue' || key === 'updateTasks';
