import { IndexedMinHeap, type HeapNode } from '../../core/min-heap.js';
import type { TaskRecord } from '../../core/types.js';

/** A task record as the memory store keeps it: with its insertion order and heap slot. */
export interface StoredTask extends TaskRecord, HeapNode {
  seq: number;
}

const byDueTime = (a: StoredTask, b: StoredTask): boolean =>
  a.scheduledAt < b.scheduledAt || (a.scheduledAt === b.scheduledAt && a.seq < b.seq);

const byUrgency = (a: StoredTask, b: StoredTask): boolean =>
  a.priority > b.priority ||
  (a.priority === b.priority &&
    (a.scheduledAt < b.scheduledAt || (a.scheduledAt === b.scheduledAt && a.seq < b.seq)));

/**
 * The waiting tasks of one queue. Tasks wait in `delayed` (by due time)
 * until they are due, then in `ready` (by priority, due time, insertion),
 * so that a high-priority task due tomorrow never hides one due now.
 */
export class QueueIndex {
  private readonly delayed = new IndexedMinHeap<StoredTask>(byDueTime);
  private readonly ready = new IndexedMinHeap<StoredTask>(byUrgency);

  /** Waiting tasks, due or not. */
  get size(): number {
    return this.delayed.size + this.ready.size;
  }

  /** Files a task; one due when it was created goes straight to `ready`. */
  add(task: StoredTask): void {
    if (task.scheduledAt <= task.createdAt) this.ready.push(task);
    else this.delayed.push(task);
  }

  /** Removes a task from whichever heap holds it. */
  remove(task: StoredTask): void {
    if (!this.delayed.remove(task)) this.ready.remove(task);
  }

  /**
   * Takes up to `limit` due tasks accepted by `accept`, most urgent first.
   * Refused tasks stay where they were.
   */
  takeDue(now: number, limit: number, accept: (task: StoredTask) => boolean): StoredTask[] {
    this.promoteDue(now);
    const taken: StoredTask[] = [];
    const refused: StoredTask[] = [];
    while (taken.length < limit) {
      const task = this.ready.pop();
      if (task === undefined) break;
      (accept(task) ? taken : refused).push(task);
    }
    for (const task of refused) this.ready.push(task);
    return taken;
  }

  /** When the next task falls due: `now` if one is due already, null if none waits. */
  nextDueAt(now: number, hasRefusedAll: boolean): number | null {
    if (this.ready.size > 0 && !hasRefusedAll) return now;
    return this.delayed.peek()?.scheduledAt ?? null;
  }

  private promoteDue(now: number): void {
    for (let next = this.delayed.peek(); next !== undefined && next.scheduledAt <= now;) {
      this.delayed.pop();
      this.ready.push(next);
      next = this.delayed.peek();
    }
  }
}
