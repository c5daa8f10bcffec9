import type { CronExpression } from './cron/cron-expression.js';
import type { Dispatcher } from './dispatcher.js';
import type { EngineContext } from './engine-context.js';
import { ScheduleNotFoundError } from './errors.js';
import type { LiveSchedule } from './live-schedule.js';
import { errorMessage } from './logger.js';
import type { ScheduleDefinition, ScheduleFactory } from './schedule-factory.js';
import { firstFire } from './schedule-factory.js';
import { ScheduleRuns } from './schedule-runs.js';
import { fireRuleOf, firesDue, nextFireAfter, sameRule } from './schedule-times.js';
import type { TaskAdder } from './task-adder.js';
import { toScheduleInfo } from './task-info.js';
import { TimelineEntry } from './timeline.js';
import type { ScheduleInfo, ScheduleRecord } from './types.js';

/**
 * Fires cron and recurring schedules: one timeline entry per schedule, a
 * deterministic task id per fire, and the overlap and misfire policies.
 * Fire times come from the previous fire (or the recurring anchor), never
 * from when a run ended, so slow runs do not drift a schedule.
 */
export class ScheduleRunner {
  private readonly live = new Map<string, LiveSchedule>();
  private firing = false;

  private readonly runs: ScheduleRuns;

  constructor(
    private readonly ctx: EngineContext,
    private readonly factory: ScheduleFactory,
    adder: TaskAdder,
    dispatcher: Dispatcher,
  ) {
    this.runs = new ScheduleRuns(ctx, factory, adder, dispatcher, () => this.firing);
  }

  /** Loads the store's schedules; call before start(). */
  async load(): Promise<void> {
    for (const record of await this.ctx.store.listSchedules()) {
      try {
        this.activate(record, this.factory.cronOf(record), true);
      } catch (error) {
        this.ctx.logger.error(`schedule ${record.id} cannot be loaded: ${errorMessage(error)}`);
      }
    }
  }

  /** Starts firing; schedules loaded from the store first catch up on what they missed. */
  start(): void {
    this.firing = true;
    const now = this.ctx.clock.now();
    for (const schedule of this.live.values()) {
      if (
        schedule.loaded &&
        schedule.record.nextFireAt !== null &&
        schedule.record.nextFireAt <= now
      ) {
        this.fireDue(schedule, now, true);
      } else {
        this.arm(schedule);
      }
    }
  }

  /** Stops firing; runs already created go on. */
  stop(): void {
    this.firing = false;
    for (const schedule of this.live.values()) this.ctx.timeline.cancel(schedule.entry);
  }

  has(id: string): boolean {
    return this.live.has(id);
  }

  list(): ScheduleInfo[] {
    return [...this.live.values()].map((schedule) => toScheduleInfo(schedule.record));
  }

  /** Adds a schedule, or updates the one with the same id (keeping its fire history). */
  async upsert(definition: ScheduleDefinition): Promise<string> {
    const now = this.ctx.clock.now();
    const { record, cron } = this.factory.build(definition, now);
    const existing = this.live.get(record.id);
    if (existing !== undefined && sameRule(existing.record, record)) {
      record.createdAt = existing.record.createdAt;
      record.anchorAt = existing.record.anchorAt;
      record.lastFireAt = existing.record.lastFireAt;
      record.nextFireAt = record.paused
        ? null
        : (existing.record.nextFireAt ?? firstFire(record, cron, now));
    }
    await this.ctx.store.saveSchedule(record);
    if (existing !== undefined) this.ctx.timeline.cancel(existing.entry);
    this.activate(record, cron, existing?.loaded ?? false, existing);
    return record.id;
  }

  /** Checks a definition as upsert() would, without adding anything. */
  check(definition: ScheduleDefinition): void {
    this.factory.build(definition, this.ctx.clock.now());
  }

  /**
   * Makes the stored decorator schedules match the declared ones: adds new
   * ones, updates changed ones, removes those whose decorator is gone.
   */
  async reconcile(definitions: readonly ScheduleDefinition[]): Promise<void> {
    const declared = new Set<string>();
    for (const definition of definitions) declared.add(await this.upsert(definition));
    for (const schedule of [...this.live.values()]) {
      const { id, source } = schedule.record;
      if (source === 'decorator' && !declared.has(id)) await this.cancel(id);
    }
  }

  /** Removes a schedule: no further fires; runs already created go on. */
  async cancel(id: string): Promise<void> {
    const schedule = this.get(id);
    this.ctx.timeline.cancel(schedule.entry);
    this.live.delete(id);
    schedule.removed = true;
    await this.runs.whenCreated(schedule);
    await this.ctx.store.deleteSchedule(id);
  }

  async pause(id: string): Promise<void> {
    const schedule = this.get(id);
    schedule.record.paused = true;
    schedule.record.nextFireAt = null;
    schedule.deferred = [];
    this.ctx.timeline.cancel(schedule.entry);
    // Once the pause resolves, no fire of the schedule is reported until it is resumed.
    await this.runs.whenCreated(schedule);
    await this.ctx.store.updateSchedule(id, { paused: true, nextFireAt: null });
  }

  /** Resumes from now: fire times that passed while paused are not made up. */
  async resume(id: string): Promise<void> {
    const schedule = this.get(id);
    if (!schedule.record.paused) return;
    const rule = fireRuleOf(schedule.record, schedule.cron);
    schedule.record.paused = false;
    schedule.record.nextFireAt = nextFireAfter(rule, this.ctx.clock.now());
    this.arm(schedule);
    await this.ctx.store.updateSchedule(id, {
      paused: false,
      nextFireAt: schedule.record.nextFireAt,
    });
  }

  /** Runs the schedule's task once now, whatever its overlap policy; resolves to the task id. */
  /** Runs the schedule's task once now, whatever its overlap policy. @throws QueueFullError */
  trigger(id: string): Promise<string> {
    return this.runs.trigger(this.get(id));
  }

  /** A task reached a final state: if it was one of ours, the overlap policy may let the next fire go. */
  runFinished(taskId: string, scheduleId: string): void {
    const schedule = this.live.get(scheduleId);
    if (schedule !== undefined) this.runs.finished(schedule, taskId);
  }

  private get(id: string): LiveSchedule {
    const schedule = this.live.get(id);
    if (schedule === undefined) throw new ScheduleNotFoundError(id);
    return schedule;
  }

  private activate(
    record: ScheduleRecord,
    cron: CronExpression | null,
    loaded: boolean,
    previous?: LiveSchedule,
  ): void {
    const schedule: LiveSchedule = {
      record,
      cron,
      entry: new TimelineEntry(() => this.fireDue(schedule, this.ctx.clock.now(), false)),
      active: previous?.active ?? new Set(),
      deferred: previous?.deferred ?? [],
      loaded,
      creating: previous?.creating ?? new Set(),
      inserting: previous?.inserting ?? new Set(),
      removed: false,
    };
    this.live.set(record.id, schedule);
    this.arm(schedule);
  }

  private arm(schedule: LiveSchedule): void {
    const at = schedule.record.nextFireAt;
    if (this.firing && at !== null && !schedule.record.paused) {
      this.ctx.timeline.schedule(schedule.entry, at);
    }
  }

  /** Fires what is due (see firesDue for the misfire rules) and arms the next fire. */
  private fireDue(schedule: LiveSchedule, now: number, afterDowntime: boolean): void {
    const { record } = schedule;
    if (record.nextFireAt === null || this.live.get(record.id) !== schedule) return;
    const rule = fireRuleOf(record, schedule.cron);
    const fires = firesDue(record, rule, now, afterDowntime);
    if (fires.length > 0) record.lastFireAt = fires.at(-1)!;
    record.nextFireAt = nextFireAfter(rule, now);
    schedule.loaded = false;
    this.arm(schedule);
    void this.ctx.store
      .updateSchedule(record.id, { lastFireAt: record.lastFireAt, nextFireAt: record.nextFireAt })
      .catch((error: unknown) =>
        this.ctx.logger.error(
          `recording the fire of schedule ${record.id} failed: ${errorMessage(error)}`,
        ),
      );
    if (fires.length > 0) this.runs.fire(schedule, fires);
  }
}
