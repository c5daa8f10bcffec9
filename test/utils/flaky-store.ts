/**
 * A memory store that can be taken down: while down, every call fails as
 * a database driver's would (a plain Error), and changes nothing.
 */
import type { TaskStore } from '../../lib/store/task-store.js';
import { MemoryTaskStore } from '../../lib/store/memory/memory-task-store.js';

export class FlakyStore extends MemoryTaskStore {
  private failing = new Set<keyof TaskStore>();
  /** Calls that failed, by method. */
  readonly failures = new Map<string, number>();

  /** Makes the given methods (all when none is given) fail until up(). */
  down(...methods: (keyof TaskStore)[]): void {
    this.failing = new Set(
      methods.length > 0
        ? methods
        : ([
            'insertTasks',
            'claimDue',
            'updateTasks',
            'renewLeases',
            'getTask',
            'listTasks',
            'countTasks',
            'prune',
          ] as const),
    );
  }

  up(): void {
    this.failing.clear();
  }

  private check(method: keyof TaskStore): void {
    if (!this.failing.has(method)) return;
    this.failures.set(method, (this.failures.get(method) ?? 0) + 1);
    throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }

  override async insertTasks(...args: Parameters<MemoryTaskStore['insertTasks']>) {
    this.check('insertTasks');
    return super.insertTasks(...args);
  }

  override async claimDue(...args: Parameters<MemoryTaskStore['claimDue']>) {
    this.check('claimDue');
    return super.claimDue(...args);
  }

  override async updateTasks(...args: Parameters<MemoryTaskStore['updateTasks']>) {
    this.check('updateTasks');
    return super.updateTasks(...args);
  }

  override async renewLeases(...args: Parameters<MemoryTaskStore['renewLeases']>) {
    this.check('renewLeases');
    return super.renewLeases(...args);
  }

  override async getTask(...args: Parameters<MemoryTaskStore['getTask']>) {
    this.check('getTask');
    return super.getTask(...args);
  }

  override async listTasks(...args: Parameters<MemoryTaskStore['listTasks']>) {
    this.check('listTasks');
    return super.listTasks(...args);
  }

  override async countTasks() {
    this.check('countTasks');
    return super.countTasks();
  }

  override async prune(...args: Parameters<MemoryTaskStore['prune']>) {
    this.check('prune');
    return super.prune(...args);
  }
}
