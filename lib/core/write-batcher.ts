import type { InsertRequest, InsertResult, TaskStore, TaskUpdate } from '../store/task-store.js';
import type { Soon } from './soon.js';
import { TimelineEntry, type Timeline } from './timeline.js';

const FIRST_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Receives the answer to a write. One sink serves every write of its kind,
 * with a per-write `context`: the hot paths allocate no closure per task.
 */
export interface WriteSink<R, C> {
  written(result: R, context: C): void;
  failed(error: unknown, context: C): void;
}

interface Pending<T, R, C> {
  item: T;
  sink: WriteSink<R, C>;
  context: C;
}

interface Settlers<R> {
  resolve(result: R): void;
  reject(error: unknown): void;
}

/** The sink behind the promise-returning methods. */
const settle: WriteSink<never, Settlers<unknown>> = {
  written: (result, { resolve }) => resolve(result),
  failed: (error, { reject }) => reject(error),
};

/**
 * Groups the store writes made close together into one call, so that a
 * SQL store can commit a whole burst in one transaction. Batches go out one
 * at a time, in order: writes made while a batch is in flight form the next
 * batch, which both keeps writes to one task in order and lets batches grow
 * exactly when the store is the bottleneck. A failed insert is answered as
 * failed (the caller's add rejects); failed updates are retried.
 */
export class WriteBatcher {
  private inserts: Pending<InsertRequest, InsertResult, unknown>[] = [];
  private updates: Pending<TaskUpdate, boolean, unknown>[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | null = null;
  /** Waits before updates that failed are tried again (the store is down). */
  private readonly retry = new TimelineEntry(() => this.schedule());
  private retryDelayMs = 0;

  constructor(
    private readonly store: TaskStore,
    private readonly soon: Soon,
    private readonly timeline: Timeline,
    private readonly now: () => number,
    /** Where a sink that throws is reported: its error must not stop the other answers. */
    private readonly onSinkError: (error: unknown) => void,
  ) {}

  /** Resolves once the insert is durable in the store. */
  insert(request: InsertRequest): Promise<InsertResult> {
    return new Promise((resolve, reject) =>
      this.submitInsert(request, settle, { resolve, reject }),
    );
  }

  /** Resolves to whether the fenced update applied, once it is durable. */
  update(update: TaskUpdate): Promise<boolean> {
    return new Promise((resolve, reject) => this.submitUpdate(update, settle, { resolve, reject }));
  }

  /** insert() answering a sink instead of a promise. */
  submitInsert<C>(request: InsertRequest, sink: WriteSink<InsertResult, C>, context: C): void {
    this.inserts.push({ item: request, sink, context } as Pending<
      InsertRequest,
      InsertResult,
      unknown
    >);
    this.schedule();
  }

  /** update() answering a sink instead of a promise. */
  submitUpdate<C>(update: TaskUpdate, sink: WriteSink<boolean, C>, context: C): void {
    this.updates.push({ item: update, sink, context } as Pending<TaskUpdate, boolean, unknown>);
    this.schedule();
  }

  /** Resolves when every write accepted so far has been answered (updates waiting to be retried included). */
  async drain(): Promise<void> {
    while (this.inFlight !== null || this.scheduled || this.retry.armed) {
      await (this.inFlight ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  /** Gives up on every write not answered yet (the store stayed down through shutdown). */
  abandon(error: unknown): void {
    this.timeline.cancel(this.retry);
    const pending = [...this.inserts, ...this.updates];
    this.inserts = [];
    this.updates = [];
    for (const p of pending) (p.sink as WriteSink<unknown, unknown>).failed(error, p.context);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight !== null || this.retry.armed) return;
    this.scheduled = true;
    this.soon.run(() => {
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
    inserts: Pending<InsertRequest, InsertResult, unknown>[],
    updates: Pending<TaskUpdate, boolean, unknown>[],
  ): Promise<void> {
    // Inserts first: an update in the same batch may concern a task inserted in it.
    if (inserts.length > 0) {
      await this.answer(inserts, () => this.store.insertTasks(inserts.map((p) => p.item)));
    }
    if (updates.length > 0 && !(await this.writeUpdates(updates))) this.retryLater(updates);
  }

  /**
   * An update records what already happened (an attempt's end): it is
   * kept and tried again, in order, until the store takes it, rather than
   * lost. Returns false when the store failed.
   */
  private async writeUpdates(updates: Pending<TaskUpdate, boolean, unknown>[]): Promise<boolean> {
    let applied: readonly boolean[];
    try {
      applied = await this.store.updateTasks(updates.map((p) => p.item));
    } catch {
      return false;
    }
    this.retryDelayMs = 0;
    updates.forEach((p, index) => this.safely(() => p.sink.written(applied[index]!, p.context)));
    return true;
  }

  private retryLater(updates: Pending<TaskUpdate, boolean, unknown>[]): void {
    this.updates = [...updates, ...this.updates];
    this.retryDelayMs = Math.min(
      MAX_RETRY_DELAY_MS,
      Math.max(FIRST_RETRY_DELAY_MS, this.retryDelayMs * 2),
    );
    this.timeline.schedule(this.retry, this.now() + this.retryDelayMs);
  }

  private safely(answer: () => void): void {
    try {
      answer();
    } catch (error) {
      this.onSinkError(error);
    }
  }

  private async answer<T, R>(
    pending: Pending<T, R, unknown>[],
    write: () => Promise<readonly R[]>,
  ): Promise<void> {
    let results: readonly R[] | undefined;
    let failure: unknown;
    try {
      results = await write();
    } catch (error) {
      failure = error;
    }
    pending.forEach((p, index) =>
      this.safely(() =>
        results === undefined
          ? p.sink.failed(failure, p.context)
          : p.sink.written(results[index]!, p.context),
      ),
    );
  }
}
