import type { InsertRequest, InsertResult, TaskStore, TaskUpdate } from '../store/task-store.js';

interface Pending<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Groups the store writes of one event-loop turn into one call, so that a
 * SQL store can commit a whole burst in one transaction. Batches go out one
 * at a time, in order: writes made while a batch is in flight form the next
 * batch, which both keeps writes to one task in order and lets batches grow
 * exactly when the store is the bottleneck.
 */
export class WriteBatcher {
  private inserts: Pending<InsertRequest, InsertResult>[] = [];
  private updates: Pending<TaskUpdate, boolean>[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | null = null;

  constructor(private readonly store: TaskStore) {}

  /** Resolves once the insert is durable in the store. */
  insert(request: InsertRequest): Promise<InsertResult> {
    return new Promise((resolve, reject) => {
      this.inserts.push({ item: request, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves to whether the fenced update applied, once it is durable. */
  update(update: TaskUpdate): Promise<boolean> {
    return new Promise((resolve, reject) => this.submit(update, resolve, reject));
  }

  /** update() with callbacks instead of a promise, for the once-per-task path. */
  submit(
    update: TaskUpdate,
    onWritten: (applied: boolean) => void,
    onError: (error: unknown) => void,
  ): void {
    this.updates.push({ item: update, resolve: onWritten, reject: onError });
    this.schedule();
  }

  /** Resolves when every write accepted so far has been answered. */
  async drain(): Promise<void> {
    while (this.inFlight !== null || this.scheduled) {
      await (this.inFlight ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight !== null) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const inserts = this.inserts;
    const updates = this.updates;
    if (inserts.length === 0 && updates.length === 0) return;
    this.inserts = [];
    this.updates = [];
    this.inFlight = this.write(inserts, updates).then(() => {
      this.inFlight = null;
      if (this.inserts.length > 0 || this.updates.length > 0) this.schedule();
    });
  }

  private async write(
    inserts: Pending<InsertRequest, InsertResult>[],
    updates: Pending<TaskUpdate, boolean>[],
  ): Promise<void> {
    // Inserts first: an update in the same batch may concern a task inserted in it.
    if (inserts.length > 0) {
      await settle(inserts, () => this.store.insertTasks(inserts.map((p) => p.item)));
    }
    if (updates.length > 0) {
      await settle(updates, () => this.store.updateTasks(updates.map((p) => p.item)));
    }
  }
}

async function settle<T, R>(pending: Pending<T, R>[], write: () => Promise<R[]>): Promise<void> {
  try {
    const values = await write();
    pending.forEach((p, index) => p.resolve(values[index]!));
  } catch (error) {
    for (const p of pending) p.reject(error);
  }
}
