import { IndexedMinHeap } from '../../core/min-heap.js';
import { ReadyLanes } from './ready-lanes.js';
import type { StoredTask } from './stored-task.js';

const byDueTime = (a: StoredTask, b: StoredTask): boolean =>
  a.scheduledAt < b.scheduledAt || (a.scheduledAt === b.scheduledAt && a.seq < b.seq);

/**
 * The waiting tasks of one queue. Tasks wait in `delayed` (a heap by due
 * time) until they are due, then in `ready` (by priority, due time, insertion),
 * so that a high-priority task due tomorrow never hides one due now.
 * `ready` holds exactly the tasks due by `readyUpTo` (the latest claim's
 * `now`, or the creation time of the latest immediate add); a claim whose
 * `now` is earlier (the clock stepped back) returns the tasks not due by
 * then to `delayed`.
 */
export class QueueIndex {
  private readonly delayed = new IndexedMinHeap<StoredTask>(byDueTime);
  private readonly ready = new ReadyLanes();
  /** The tasks due by this time are in `ready`, the others in `delayed`. */
  private readyUpTo = Number.NEGATIVE_INFINITY;

  /** Waiting tasks, due or not. */
  get size(): number {
    return this.delayed.size + this.ready.size;
  }

  /**
   * Files a task. One due when it was created (an immediate add) goes
   * straight to `ready`, after the delayed tasks due by then: most tasks never
   * touch `delayed`.
   */
  add(task: StoredTask): void {
    const dueBy = Math.max(this.readyUpTo, task.createdAt);
    if (task.scheduledAt > dueBy) {
      this.delayed.push(task);
      return;
    }
    if (dueBy > this.readyUpTo) this.promote(dueBy);
    this.ready.push(task);
  }

  /** Removes a task from wherever it waits. */
  remove(task: StoredTask): void {
    if (!this.delayed.remove(task)) this.ready.remove(task);
  }

  /**
   * Takes up to `limit` tasks due by `now` and accepted by `accept`, most
   * urgent first. Refused tasks stay where they were.
   */
  takeDue(now: number, limit: number, accept: (task: StoredTask) => boolean): StoredTask[] {
    this.moveTo(now);
    return this.ready.take(limit, accept);
  }

  /**
   * When the next task accepted by `accept` falls due, after a `takeDue(now, …)`:
   * `now` if one is due already, null if none waits. `readyRefused` says that
   * takeDue refused every due task it left, which spares looking at them again.
   */
  nextDueAt(
    now: number,
    accept: (task: StoredTask) => boolean,
    readyRefused: boolean,
  ): number | null {
    if (!readyRefused && this.ready.some(accept)) return now;
    return findFirst(this.delayed, accept)?.scheduledAt ?? null;
  }

  /** Moves the tasks due by `now` to `ready` and, if the clock stepped back, the others to `delayed`. */
  private moveTo(now: number): void {
    if (now < this.readyUpTo) {
      const early = [...this.ready].filter((task) => task.scheduledAt > now);
      for (const task of early) {
        this.ready.remove(task);
        this.delayed.push(task);
      }
      this.readyUpTo = now;
    }
    this.promote(now);
  }

  /** Moves the delayed tasks due by `at` to `ready`. */
  private promote(at: number): void {
    for (let next = this.delayed.peek(); next !== undefined && next.scheduledAt <= at;) {
      this.delayed.pop();
      this.ready.push(next);
      next = this.delayed.peek();
    }
    this.readyUpTo = at;
  }
}

/** The first task of `heap` in its order that `accept` takes; the heap keeps all its tasks. */
function findFirst(
  heap: IndexedMinHeap<StoredTask>,
  accept: (task: StoredTask) => boolean,
): StoredTask | undefined {
  const top = heap.peek();
  if (top === undefined || accept(top)) return top;
  const skipped: StoredTask[] = [];
  let found: StoredTask | undefined;
  for (let task = heap.pop(); task !== undefined; task = heap.pop()) {
    if (accept(task)) {
      found = task;
      break;
    }
    skipped.push(task);
  }
  for (const task of skipped) heap.push(task);
  if (found !== undefined) heap.push(found);
  return found;
}
