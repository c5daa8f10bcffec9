import { OrderedLane } from './ordered-lane.js';
import type { StoredTask } from './stored-task.js';

const fellDueFirst = (a: StoredTask, b: StoredTask): boolean =>
  a.scheduledAt < b.scheduledAt || (a.scheduledAt === b.scheduledAt && a.seq < b.seq);

/**
 * The due tasks of a queue, most urgent first: one lane per priority
 * (highest first), each in the order its tasks fell due. Tasks fall due in
 * time order, so a lane is a plain deque almost always, and taking the next
 * task costs O(1) where one heap over all of them would cost O(log n).
 */
export class ReadyLanes {
  private readonly lanes = new Map<number, OrderedLane<StoredTask>>();
  /** Priorities that have a lane, highest first. */
  private priorities: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(task: StoredTask): void {
    let lane = this.lanes.get(task.priority);
    if (lane === undefined) {
      lane = new OrderedLane(fellDueFirst);
      this.lanes.set(task.priority, lane);
      this.priorities = [...this.priorities, task.priority].sort((a, b) => b - a);
    }
    lane.push(task);
    this.count += 1;
  }

  /** Removes a task if a lane holds it; returns whether one did. */
  remove(task: StoredTask): boolean {
    const lane = this.lanes.get(task.priority);
    if (lane === undefined || !lane.remove(task)) return false;
    this.count -= 1;
    if (lane.size === 0) this.dropLane(task.priority);
    return true;
  }

  /** Whether some task is accepted by `accept` (a plain loop: this runs after every claim). */
  some(accept: (task: StoredTask) => boolean): boolean {
    for (const priority of this.priorities) {
      if (this.lanes.get(priority)!.some(accept)) return true;
    }
    return false;
  }

  /** The tasks, most urgent first; the lanes must not change while iterating. */
  *[Symbol.iterator](): IterableIterator<StoredTask> {
    for (const priority of this.priorities) yield* this.lanes.get(priority)!;
  }

  /** Up to `limit` tasks accepted by `accept`, most urgent first, taken out; refused ones stay. */
  take(limit: number, accept: (task: StoredTask) => boolean): StoredTask[] {
    const taken: StoredTask[] = [];
    for (const priority of [...this.priorities]) {
      if (taken.length >= limit) break;
      const lane = this.lanes.get(priority)!;
      this.count -= lane.takeFront(limit - taken.length, accept, taken);
      if (lane.size === 0) this.dropLane(priority);
    }
    return taken;
  }

  private dropLane(priority: number): void {
    this.lanes.delete(priority);
    this.priorities = this.priorities.filter((other) => other !== priority);
  }
}
