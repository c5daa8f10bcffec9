import { TASK_STATUSES, type TaskStatus } from '../../core/types.js';
import type { TaskCount } from '../task-store.js';

const STATUS_INDEX: Readonly<Record<TaskStatus, number>> = Object.fromEntries(
  TASK_STATUSES.map((status, index) => [status, index]),
) as Record<TaskStatus, number>;

/** Task counts by queue, name and status, kept exact on every change so that reading them is O(groups). */
export class StatusCounter {
  private readonly byQueue = new Map<string, Map<string, Int32Array>>();

  add(queue: string, name: string, status: TaskStatus, delta: number): void {
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
    counts[STATUS_INDEX[status]]! += delta;
  }

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
