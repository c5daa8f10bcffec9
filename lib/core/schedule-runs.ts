import { randomUUID } from 'node:crypto';
import type { Dispatcher } from './dispatcher.js';
import type { EngineContext } from './engine-context.js';
import { QueueFullError } from './errors.js';
import type { LiveSchedule } from './live-schedule.js';
import { errorMessage } from './logger.js';
import type { ScheduleFactory } from './schedule-factory.js';
import { fireId } from './schedule-times.js';
import type { FireInsert, TaskAdder } from './task-adder.js';
import { toScheduleInfo, toTaskInfo } from './task-info.js';
import { FINISHED_STATUSES, type ScheduleRecord, type TaskRecord } from './types.js';

/**
 * Turns a schedule's fires into tasks: the overlap policy (skip, allow, or
 * hold back until the unfinished run ends), the deterministic task id of a
 * fire, manual triggers, and the `schedule-fired` event.
 */
export class ScheduleRuns {
  constructor(
    private readonly ctx: EngineContext,
    private readonly factory: ScheduleFactory,
    private readonly adder: TaskAdder,
    private readonly dispatcher: Dispatcher,
    /** Whether schedules fire at all (false once stop() began). */
    private readonly firing: () => boolean,
  ) {}

  /** One run of `schedule` now, whatever its overlap policy. @throws QueueFullError */
  async trigger(schedule: LiveSchedule): Promise<string> {
    const now = this.ctx.clock.now();
    const taskId = `${schedule.record.id}@manual-${randomUUID()}`;
    if ((await this.createRun(schedule, taskId, now, now, true)) === 'queue-full') {
      const { maxSize } = this.ctx.queues.get(schedule.record.queue).config;
      throw new QueueFullError(schedule.record.queue, maxSize);
    }
    return taskId;
  }

  /** One of the schedule's runs finished: under overlap 'queue' the next held-back fire may go. */
  finished(schedule: LiveSchedule, taskId: string): void {
    if (schedule.active.delete(taskId)) this.releaseDeferred(schedule);
  }

  /** Under overlap 'queue', the next held-back fire goes once no run is unfinished (and never after stop()). */
  private releaseDeferred(schedule: LiveSchedule): void {
    if (!this.firing() || schedule.active.size > 0) return;
    const next = schedule.deferred.shift();
    if (next !== undefined) this.startRun(schedule, next);
  }

  /**
   * The overlap policy looks at runs from earlier fires; the fires of one
   * catch-up are a batch and all go (or all wait, or all are skipped) together.
   */
  fire(schedule: LiveSchedule, fires: number[]): void {
    const { record } = schedule;
    if (schedule.active.size > 0 && record.overlap !== 'allow' && this.ctx.coordinator.shared) {
      // Another instance may have run (and finished) what this one created: ask the store first.
      void this.forgetFinishedElsewhere(schedule).then(
        () => {
          // Fires held back by overlap 'queue' go first, in order, once nothing is unfinished.
          this.releaseDeferred(schedule);
          this.applyOverlap(schedule, fires);
        },
        (error: unknown) => {
          this.ctx.logger.error(
            `schedule ${record.id}: reading its unfinished runs failed (${errorMessage(error)}); the fire follows what this instance knows`,
          );
          this.applyOverlap(schedule, fires);
        },
      );
      return;
    }
    this.applyOverlap(schedule, fires);
  }

  /**
   * Forgets the runs of `schedule` that finished on another instance (or
   * left the store with retention): only the instance that records a run's
   * end hears of it, and the overlap policy must not wait for it forever.
   */
  private async forgetFinishedElsewhere(schedule: LiveSchedule): Promise<void> {
    for (const id of [...schedule.active]) {
      if (schedule.inserting.has(id)) continue;
      const stored = await this.ctx.store.getTask(id);
      if (stored === null || FINISHED_STATUSES.includes(stored.status)) schedule.active.delete(id);
    }
  }

  private applyOverlap(schedule: LiveSchedule, fires: number[]): void {
    const { record } = schedule;
    if (schedule.active.size === 0 || record.overlap === 'allow') {
      for (const fireAt of fires) this.startRun(schedule, fireAt);
      return;
    }
    for (const fireAt of fires) {
      if (record.overlap === 'queue' && schedule.deferred.length < record.maxCatchUp) {
        schedule.deferred.push(fireAt);
      } else {
        this.ctx.logger.debug?.(
          `schedule ${record.id}: fire at ${new Date(fireAt).toISOString()} skipped, the previous run is unfinished`,
        );
      }
    }
  }

  /** Resolves when every fire of `schedule` being created has been created (and reported) or dropped. */
  async whenCreated(schedule: LiveSchedule): Promise<void> {
    while (schedule.creating.size > 0) await Promise.allSettled(schedule.creating);
  }

  private startRun(schedule: LiveSchedule, fireAt: number): void {
    const id = fireId(schedule.record.id, fireAt);
    const creating = this.createRun(schedule, id, fireAt, this.ctx.clock.now())
      .catch((error: unknown) =>
        this.ctx.logger.error(
          `schedule ${schedule.record.id}: fire ${id} failed: ${errorMessage(error)}`,
        ),
      )
      .finally(() => schedule.creating.delete(creating));
    schedule.creating.add(creating);
  }

  /**
   * Creates the task of a fire (or of a manual trigger, which every node may
   * create). Resolves to what the insert came to; 'elsewhere' when another
   * node creates this fire; 'dropped' when the schedule was paused or removed
   * meanwhile.
   */
  private async createRun(
    schedule: LiveSchedule,
    id: string,
    fireAt: number,
    now: number,
    manual = false,
  ): Promise<FireInsert | 'elsewhere' | 'dropped'> {
    const { record } = schedule;
    // Counted as running from here, so that a fire arriving meanwhile sees the overlap.
    schedule.active.add(id);
    schedule.inserting.add(id);
    try {
      const ours = manual || (await this.ctx.coordinator.claimFire(record.id, fireAt));
      // Paused or removed while the fire was being claimed: it is not created.
      if (!manual && (record.paused || schedule.removed)) {
        this.dropRun(schedule, id, 'paused', manual);
        return 'dropped';
      }
      const outcome = ours ? await this.insertAndReport(record, id, fireAt, now) : 'elsewhere';
      if (outcome !== 'inserted') this.dropRun(schedule, id, outcome, manual);
      return outcome;
    } catch (error) {
      this.dropRun(schedule, id, 'failed', manual);
      throw error;
    } finally {
      schedule.inserting.delete(id);
    }
  }

  /** No claim runs between the insert and `schedule-fired`: the fire is reported before it starts. */
  private async insertAndReport(
    record: ScheduleRecord,
    id: string,
    fireAt: number,
    now: number,
  ): Promise<FireInsert> {
    const task = this.factory.fireTask(record, id, fireAt, now);
    this.dispatcher.holdClaims();
    try {
      const outcome = await this.adder.insertFire(task);
      if (outcome === 'inserted') this.reportFire(record, task, now);
      return outcome;
    } finally {
      this.dispatcher.releaseClaims();
    }
  }

  private reportFire(record: ScheduleRecord, task: TaskRecord, now: number): void {
    if (!this.ctx.events.listening) return;
    this.ctx.events.emit({
      type: 'schedule-fired',
      schedule: toScheduleInfo(record),
      task: toTaskInfo(task),
      queue: record.queue,
      at: new Date(now),
    });
  }

  /** A run that was not created after all: it no longer blocks later fires. */
  private dropRun(schedule: LiveSchedule, id: string, why: string, manual: boolean): void {
    const { record } = schedule;
    schedule.active.delete(id);
    if (why === 'queue-full') {
      const { maxSize } = this.ctx.queues.get(record.queue).config;
      this.ctx.events.emit({
        type: 'queue-full',
        queue: record.queue,
        taskName: record.taskName,
        maxSize,
        at: new Date(this.ctx.clock.now()),
      });
      if (!manual) {
        this.ctx.logger.warn(
          `schedule ${record.id}: queue ${record.queue} is full, fire ${id} dropped`,
        );
      }
    }
    this.releaseDeferred(schedule);
  }
}
