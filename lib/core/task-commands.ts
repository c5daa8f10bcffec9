import type { InsertResult, TaskQuery, TaskUpdate } from '../store/task-store.js';
import type { Dispatcher } from './dispatcher.js';
import type { EngineContext } from './engine-context.js';
import {
  InvalidArgumentError,
  InvalidStateError,
  QueueFullError,
  TaskNotFoundError,
} from './errors.js';
import type { TaskFactory, AddRequest } from './task-factory.js';
import { toTaskInfo } from './task-info.js';
import {
  TASK_STATUSES,
  type TaskFilter,
  type TaskInfo,
  type TaskList,
  type TaskRecord,
  type TaskStatus,
} from './types.js';
import { assertId, assertInteger, assertName } from './validation.js';

/** What a fire insert came to. */
export type FireInsert = 'inserted' | 'duplicate' | 'queue-full';

/**
 * The task operations of the public API: add, cancel, retry, read. Each
 * checks its input completely before writing, and writes through fenced
 * updates so that a concurrent change is detected, not overwritten.
 */
export class TaskCommands {
  private readonly capacities = new Map<string, Readonly<Record<string, number>>>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly factory: TaskFactory,
    private readonly dispatcher: Dispatcher,
    private readonly onFinished: (record: TaskRecord) => void,
  ) {}

  /**
   * Adds tasks all-or-nothing; resolves to their ids (an existing id for an
   * idempotent repeat). Input errors throw synchronously, before any write.
   */
  add(requests: readonly AddRequest[]): Promise<string[]> {
    const now = this.ctx.clock.now();
    const records = requests.map((request) => this.factory.build(request, now));
    return this.insert(records, 'unless-active').then((result) => {
      this.inserted(records, result);
      this.assertInserted(records, result, now);
      return result.outcomes.map((outcome, index) =>
        outcome.inserted ? records[index]!.id : outcome.existing.id,
      );
    });
  }

  /** add() of one task, without the arrays: the path of every single add. */
  addOne(request: AddRequest): Promise<string> {
    const now = this.ctx.clock.now();
    const record = this.factory.build(request, now);
    const records = [record];
    return this.insert(records, 'unless-active').then((result) => {
      this.inserted(records, result);
      this.assertInserted(records, result, now);
      const outcome = result.outcomes[0]!;
      return outcome.inserted ? record.id : outcome.existing.id;
    });
  }

  private assertInserted(
    records: TaskRecord[],
    result: InsertResult,
    now: number,
  ): asserts result is Extract<InsertResult, { ok: true }> {
    if (!result.ok) {
      const { queue, maxSize } = result.queueFull;
      this.ctx.events.emit({
        type: 'queue-full',
        queue,
        taskName: records.find((record) => record.queue === queue)!.name,
        maxSize,
        at: new Date(now),
      });
      throw new QueueFullError(queue, maxSize, records.length);
    }
  }

  /** Inserts a schedule's fire; a fire that exists already (in any state) is never added again. */
  async insertFire(record: TaskRecord): Promise<FireInsert> {
    const records = [record];
    const result = this.inserted(records, await this.insert(records, 'once'));
    if (!result.ok) return 'queue-full';
    return result.outcomes[0]!.inserted ? 'inserted' : 'duplicate';
  }

  async get(id: string): Promise<TaskInfo | null> {
    const record = await this.ctx.store.getTask(assertId('id', id));
    return record === null ? null : toTaskInfo(record);
  }

  async list(filter: TaskFilter = {}): Promise<TaskList> {
    const page = await this.ctx.store.listTasks(toQuery(filter));
    return { tasks: page.tasks.map(toTaskInfo), total: page.total };
  }

  /**
   * Cancels a waiting task, or aborts a running one (here or, through the
   * coordinator, on the node running it).
   * @throws TaskNotFoundError, InvalidStateError (the task is finished)
   */
  async cancel(id: string): Promise<void> {
    // Two tries: a waiting task may be claimed between our read and our write.
    for (let tries = 0; tries < 2; tries += 1) {
      const record = await this.read(id);
      if (!(await this.tryCancel(record))) continue;
      return;
    }
    const record = await this.read(id);
    throw new InvalidStateError(id, record.status, 'cancel');
  }

  /**
   * Puts a failed or cancelled task back in its queue as a fresh attempt with
   * a full retry budget.
   * @throws TaskNotFoundError, InvalidStateError (the task is not failed or cancelled)
   */
  async retry(id: string): Promise<void> {
    const record = await this.read(id);
    if (record.status !== 'failed' && record.status !== 'cancelled') {
      throw new InvalidStateError(id, record.status, 'retry');
    }
    const queue = this.ctx.queues.get(record.queue);
    this.ctx.handlers.get(record.name);
    const now = this.ctx.clock.now();
    const applied = await this.ctx.writer.update({
      id,
      expect: { statuses: [record.status], attempt: record.attempts },
      set: { status: 'pending', scheduledAt: now, completedAt: null, retryCount: 0 },
    });
    if (!applied) throw new InvalidStateError(id, (await this.read(id)).status, 'retry');
    const waiting: TaskRecord = {
      ...record,
      status: 'pending',
      scheduledAt: now,
      completedAt: null,
    };
    this.announce([waiting]);
    this.dispatcher.noteDue(queue, now);
  }

  private async tryCancel(record: TaskRecord): Promise<boolean> {
    const now = this.ctx.clock.now();
    const running = record.status === 'running';
    if (!running && record.status !== 'pending' && record.status !== 'retrying') {
      throw new InvalidStateError(record.id, record.status, 'cancel');
    }
    const update: TaskUpdate = {
      id: record.id,
      expect: { statuses: [record.status], attempt: record.attempts },
      set: { status: 'cancelled', completedAt: now, lockedBy: null, lockedUntil: null },
    };
    if (running) {
      update.appendAttempt = {
        attempt: record.attempts,
        startedAt: record.startedAt ?? now,
        finishedAt: now,
        durationMs: now - (record.startedAt ?? now),
        error: 'cancelled',
        nodeId: record.nodeId,
      };
    }
    if (!(await this.ctx.writer.update(update))) return false;
    if (running) await this.abortRunning(record);
    const cancelled: TaskRecord = { ...record, ...update.set };
    this.onFinished(cancelled);
    if (this.ctx.events.listening) {
      this.ctx.events.emit({
        type: 'cancelled',
        task: toTaskInfo(cancelled),
        queue: record.queue,
        at: new Date(now),
      });
    }
    return true;
  }

  private async abortRunning(record: TaskRecord): Promise<void> {
    // Ours even when not started yet: the claim that took it may still be unanswered.
    if (record.nodeId === this.ctx.coordinator.nodeId)
      this.dispatcher.cancel(record.id, record.attempts);
    else if (record.nodeId !== null)
      await this.ctx.coordinator.requestCancel(record.id, record.nodeId);
  }

  private async read(id: string): Promise<TaskRecord> {
    const record = await this.ctx.store.getTask(assertId('id', id));
    if (record === null) throw new TaskNotFoundError(id);
    return record;
  }

  /** Writes the records; the caller passes the result through inserted() in its one continuation. */
  private insert(records: TaskRecord[], mode: 'unless-active' | 'once'): Promise<InsertResult> {
    return this.ctx.writer.insert({ tasks: records, mode, capacity: this.capacityOf(records) });
  }

  /** After an insert: announces the tasks that were inserted; returns the result. */
  private inserted(records: TaskRecord[], result: InsertResult): InsertResult {
    if (!result.ok) return result;
    if (records.length === 1) {
      if (result.outcomes[0]!.inserted) this.announce(records);
    } else {
      this.announce(records.filter((_, index) => result.outcomes[index]!.inserted));
    }
    return result;
  }

  /** Queue capacities for an insert; the single-queue case (every single add) reuses one object per queue. */
  private capacityOf(records: readonly TaskRecord[]): Record<string, number> {
    const first = records[0]?.queue;
    if (first !== undefined && records.every((record) => record.queue === first)) {
      let capacity = this.capacities.get(first);
      if (capacity === undefined) {
        capacity = Object.freeze({ [first]: this.ctx.queues.get(first).config.maxSize });
        this.capacities.set(first, capacity);
      }
      return capacity;
    }
    const capacity: Record<string, number> = {};
    for (const record of records) {
      capacity[record.queue] = this.ctx.queues.get(record.queue).config.maxSize;
    }
    return capacity;
  }

  /** Wakes the dispatcher (here and on other nodes) and tells listeners about new waiting tasks. */
  private announce(records: readonly TaskRecord[]): void {
    if (records.length === 1) {
      const { queue, scheduledAt } = records[0]!;
      this.dispatcher.noteDue(this.ctx.queues.get(queue), scheduledAt);
      this.ctx.coordinator.announceWork(queue, scheduledAt);
    } else {
      this.announceEarliest(records);
    }
    if (!this.ctx.events.listening) return;
    for (const record of records) {
      this.ctx.events.emit({
        type: 'added',
        task: toTaskInfo(record),
        queue: record.queue,
        at: new Date(record.createdAt),
      });
    }
  }

  /** One wake-up per queue, at its earliest new due time. */
  private announceEarliest(records: readonly TaskRecord[]): void {
    const earliest = new Map<string, number>();
    for (const record of records) {
      const due = earliest.get(record.queue);
      if (due === undefined || record.scheduledAt < due)
        earliest.set(record.queue, record.scheduledAt);
    }
    for (const [queue, due] of earliest) {
      this.dispatcher.noteDue(this.ctx.queues.get(queue), due);
      this.ctx.coordinator.announceWork(queue, due);
    }
  }
}

const MAX_PAGE = 1000;
const MAX_OFFSET = 1_000_000_000;

/** Checks a public filter and turns it into a store query. */
export function toQuery(filter: TaskFilter): TaskQuery {
  if (typeof filter !== 'object' || filter === null) {
    throw new InvalidArgumentError('filter', filter, 'pass an object');
  }
  const query: TaskQuery = {
    limit: assertInteger('limit', filter.limit ?? 100, 1, MAX_PAGE),
    offset: assertInteger('offset', filter.offset ?? 0, 0, MAX_OFFSET),
  };
  if (filter.status !== undefined) {
    const statuses: readonly unknown[] = Array.isArray(filter.status)
      ? filter.status
      : [filter.status];
    for (const status of statuses) {
      if (!TASK_STATUSES.includes(status as TaskStatus)) {
        throw new InvalidArgumentError('status', status, `use one of ${TASK_STATUSES.join(', ')}`);
      }
    }
    query.statuses = statuses as TaskStatus[];
  }
  if (filter.queue !== undefined) query.queue = assertName('queue', filter.queue);
  if (filter.name !== undefined) query.name = assertName('name', filter.name);
  return query;
}
