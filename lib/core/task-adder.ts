import type { InsertResult } from '../store/task-store.js';
import type { Dispatcher } from './dispatcher.js';
import type { EngineContext } from './engine-context.js';
import { QueueFullError } from './errors.js';
import type { AddRequest, TaskFactory } from './task-factory.js';
import { toTaskInfo } from './task-info.js';
import type { TaskRecord } from './types.js';
import type { WriteSink } from './write-batcher.js';

/** A single add waiting for its write. */
interface SingleAdd {
  records: TaskRecord[];
  now: number;
  resolve(id: string): void;
  reject(error: unknown): void;
}

/** What a fire insert came to. */
export type FireInsert = 'inserted' | 'duplicate' | 'queue-full';

/**
 * Puts new tasks in the store: checks and builds them, writes them in
 * batches, and announces the inserted ones (a wake-up here and on other
 * nodes, and `added` events). Adds are all-or-nothing per call.
 */
export class TaskAdder {
  private readonly capacities = new Map<string, Readonly<Record<string, number>>>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly factory: TaskFactory,
    private readonly dispatcher: Dispatcher,
  ) {}

  /**
   * Adds tasks all-or-nothing; resolves to their ids (an existing id for an
   * idempotent repeat). Input errors throw synchronously, before any write.
   * Claims wait until the new tasks are announced (see holdClaims).
   */
  add(requests: readonly AddRequest[]): Promise<string[]> {
    const now = this.ctx.clock.now();
    const records = requests.map((request) => this.factory.build(request, now));
    this.dispatcher.holdClaims();
    return this.insert(records, 'unless-active').then(
      (result) => {
        try {
          this.inserted(records, result);
          this.assertInserted(records, result, now);
          return result.outcomes.map((outcome, index) =>
            outcome.inserted ? records[index]!.id : outcome.existing.id,
          );
        } finally {
          this.dispatcher.releaseClaims();
        }
      },
      (error: unknown) => {
        this.dispatcher.releaseClaims();
        throw error;
      },
    );
  }

  /**
   * add() of one task: the path of every single add, with one promise (the
   * caller's) and a shared sink instead of a continuation per add.
   */
  addOne(request: AddRequest): Promise<string> {
    const now = this.ctx.clock.now();
    const records = [this.factory.build(request, now)];
    const write = {
      tasks: records,
      mode: 'unless-active',
      capacity: this.capacityOf(records),
    } as const;
    this.dispatcher.holdClaims();
    return new Promise((resolve, reject) =>
      this.ctx.writer.submitInsert(write, this.addOneSink, { records, now, resolve, reject }),
    );
  }

  private readonly addOneSink: WriteSink<InsertResult, SingleAdd> = {
    written: (result, add) => {
      try {
        this.inserted(add.records, result);
        this.assertInserted(add.records, result, add.now);
      } catch (error) {
        add.reject(error);
        return;
      } finally {
        this.dispatcher.releaseClaims();
      }
      const outcome = result.outcomes[0]!;
      add.resolve(outcome.inserted ? add.records[0]!.id : outcome.existing.id);
    },
    failed: (error, add) => {
      this.dispatcher.releaseClaims();
      add.reject(error);
    },
  };

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

  /**
   * Inserts a schedule's fire; a fire that exists already (in any state) is
   * never added again. The caller holds claims until it has reported the fire.
   */
  async insertFire(record: TaskRecord): Promise<FireInsert> {
    const records = [record];
    const result = this.inserted(records, await this.insert(records, 'once'));
    if (!result.ok) return 'queue-full';
    return result.outcomes[0]!.inserted ? 'inserted' : 'duplicate';
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
  announce(records: readonly TaskRecord[]): void {
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
