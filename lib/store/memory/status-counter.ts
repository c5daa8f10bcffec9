import { TASK_STATUSES, type TaskStatus } from '../../core/types.js';
import type { TaskCount } from '../task-store.js';

const STATUS_INDEX: Readonly<Record<TaskStatus, number>> = Object.fromEntries(
  TASK_STATUSES.map((status, index) => [status, index]),
) as Record<TaskStatus, number>;

/** Adds `delta` to the count of `status` in a slot. */
export function count(slot: Int32Array, status: TaskStatus, delta: number): void {
  slot[STATUS_INDEX[status]]! += delta;
}

/** Task counts by queue, name and status, kept exact on every change so that reading them is O(groups). */
export class StatusCounter {
  private readonly byQueue = new Map<string, Map<string, Int32Array>>();

  /** The counts of one (queue, name), indexed by status: a task keeps it, so that a status change is one array write. */
  slot(queue: string, name: string): Int32Array {
    // Consecutive inserts are mostly of one task in one queue.
    if (queue === this.lastQueue && name === this.lastName) return this.lastSlot!;
    let byName = this.byQueue.get(queue);
    if (byName === undefined) {
      byName = new Map();
      this.byQueue.set(queue, byName);
    }
    let counts = byName.get(name);
    if (counts === undefined) {
      counts = new Int32Array(TASK_STATUSES.length);
      byName.set(name, counts);
    }
    this.lastQueue = queue;
    this.lastName = name;
    this.lastSlot = counts;
    return counts;
  }

  private lastQueue: string | undefined;
  private lastName: string | undefined;
  private lastSlot: Int32Array | undefined;

  rows(): TaskCount[] {
    const rows: TaskCount[] = [];
    for (const [queue, byName] of this.byQueue) {
      for (const [name, counts] of byName) {
        TASK_STATUSES.forEach((status, index) => {
          const count = counts[index]!;
          if (count > 0) rows.push({ queue, name, status, count });
        });
      }
    }
    return rows;
  }
}
