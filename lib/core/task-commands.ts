import type { TaskUpdate } from '../store/task-store.js';
import type { Dispatcher } from './dispatcher.js';
import type { EngineContext } from './engine-context.js';
import { InvalidStateError, TaskNotFoundError } from './errors.js';
import type { TaskAdder } from './task-adder.js';
import { toTaskInfo } from './task-info.js';
import { toQuery } from './task-query.js';
import type { TaskFilter, TaskInfo, TaskList, TaskRecord } from './types.js';
import { assertId } from './validation.js';

/**
 * The task operations of the public API besides adding: cancel, retry,
 * read. Each checks its input completely before writing, and writes through
 * fenced updates so that a concurrent change is detected, not overwritten.
 */
export class TaskCommands {
  constructor(
    private readonly ctx: EngineContext,
    private readonly adder: TaskAdder,
    private readonly dispatcher: Dispatcher,
    private readonly onFinished: (record: TaskRecord) => void,
  ) {}

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
    this.ctx.queues.get(record.queue);
    this.ctx.handlers.get(record.name);
    const now = this.ctx.clock.now();
    this.dispatcher.holdClaims();
    try {
      const applied = await this.ctx.writer.update({
        id,
        expect: { statuses: [record.status], attempt: record.attempts },
        set: { status: 'pending', scheduledAt: now, completedAt: null, retryCount: 0 },
      });
      if (!applied) throw new InvalidStateError(id, (await this.read(id)).status, 'retry');
      this.adder.announce([{ ...record, status: 'pending', scheduledAt: now, completedAt: null }]);
    } finally {
      this.dispatcher.releaseClaims();
    }
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
}
