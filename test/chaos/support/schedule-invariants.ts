/**
 * Invariants about cron and recurring schedules, checked against a run
 * log: fire ids are unique and on the schedule's grid, never early, never
 * while paused or after a cancel, none missing without a reason the
 * overlap policy or a full queue gives, and 'skip'/'queue' never overlap.
 */
import type { OverlapPolicy } from '../../../lib/core/types.js';
import type { RunLog } from './run-log.js';
import { FINAL, iso } from './task-invariants.js';

/** A schedule as the soak added it. Only fixed-period rules are used, so fire times form a grid. */
export interface ScheduleModel {
  id: string;
  kind: 'cron' | 'recurring';
  /** Cron: fires at multiples of this since the epoch (UTC); recurring: its interval. */
  periodMs: number;
  /** Recurring only: the first fire comes at once. */
  immediate: boolean;
  overlap: OverlapPolicy;
  createdAt: number;
  /** Added with `paused: true`. */
  pausedAtStart: boolean;
}

export interface ScheduleReport {
  duplicates: string[];
  /** Fires before their time, or (with exact timing) not exactly on it. */
  timing: string[];
  /** Fire times that are not on the schedule's grid. */
  offGrid: string[];
  /** Fires while paused, or of times that passed while paused. */
  whilePaused: string[];
  /** Fires after the schedule was cancelled (or the scheduler stopped). */
  afterCancel: string[];
  /** Grid times that never fired although nothing excused them. */
  missing: string[];
  /** 'skip' and 'queue' fires created while a run of the same schedule was unfinished. */
  overlap: string[];
  fires: number;
}

const fireTime = (taskId: string): number => Date.parse(taskId.slice(taskId.lastIndexOf('@') + 1));
const isManual = (taskId: string): boolean => taskId.includes('@manual-');

interface Window {
  from: number;
  fromSeq: number;
  to: number;
  toSeq: number;
}

/** Paused windows `(from, to]` in time and `(fromSeq, toSeq)` in the log, and the cancel, of one schedule. */
function lifeOf(
  log: RunLog,
  schedule: ScheduleModel,
): { paused: Window[]; cancelAt: number; cancelSeq: number } {
  const paused: Window[] = [];
  // Added paused: not even an immediate first fire (at createdAt) is due.
  let open: { from: number; fromSeq: number } | null = schedule.pausedAtStart
    ? { from: schedule.createdAt - 1, fromSeq: -1 }
    : null;
  let cancelAt = Number.POSITIVE_INFINITY;
  let cancelSeq = Number.POSITIVE_INFINITY;
  for (const entry of log.entries) {
    if (entry.kind !== 'op' || entry.target !== schedule.id) continue;
    if (entry.op === 'schedule-add' && entry.phase === 'end' && open !== null && open.fromSeq < 0) {
      open.fromSeq = entry.seq;
    } else if (entry.op === 'schedule-pause' && entry.phase === 'end' && entry.result === 'ok') {
      open ??= { from: entry.at, fromSeq: entry.seq };
    } else if (entry.op === 'schedule-resume' && entry.phase === 'start' && open !== null) {
      paused.push({ ...open, to: entry.at, toSeq: entry.seq });
      open = null;
    } else if (entry.op === 'schedule-cancel' && entry.phase === 'end' && entry.result === 'ok') {
      cancelAt = Math.min(cancelAt, entry.at);
      cancelSeq = Math.min(cancelSeq, entry.seq);
    }
  }
  if (open !== null) {
    paused.push({ ...open, to: Number.POSITIVE_INFINITY, toSeq: Number.POSITIVE_INFINITY });
  }
  return { paused, cancelAt, cancelSeq };
}

function onGrid(schedule: ScheduleModel, at: number): boolean {
  if (schedule.kind === 'cron') return at % schedule.periodMs === 0 && at > schedule.createdAt;
  const offset = at - schedule.createdAt;
  return offset % schedule.periodMs === 0 && offset >= (schedule.immediate ? 0 : schedule.periodMs);
}

/** Grid times of a schedule in `(after, until]` (from its creation on). */
function gridTimes(schedule: ScheduleModel, until: number): number[] {
  const times: number[] = [];
  const { periodMs, createdAt } = schedule;
  let at =
    schedule.kind === 'cron'
      ? (Math.floor(createdAt / periodMs) + 1) * periodMs
      : createdAt + (schedule.immediate ? 0 : periodMs);
  for (; at <= until; at += periodMs) times.push(at);
  return times;
}

/**
 * @param stoppedAt clock time when firing stopped (stop() was called); grid times up to it are due.
 * @param stopSeq log position of the stop() call: no fire may come after it.
 * @param dropped fire ids the engine reported as dropped because their queue was full.
 * @param exactTiming on a manual clock, fires of 'skip' and 'allow' schedules come exactly on time.
 */
export function scheduleViolations(
  log: RunLog,
  schedules: readonly ScheduleModel[],
  options: {
    stoppedAt: number;
    stopSeq: number;
    dropped: ReadonlySet<string>;
    exactTiming: boolean;
    toleranceMs?: number;
  },
): ScheduleReport {
  const report: ScheduleReport = {
    duplicates: [],
    timing: [],
    offGrid: [],
    whilePaused: [],
    afterCancel: [],
    missing: [],
    overlap: [],
    fires: 0,
  };
  const byId = new Map(schedules.map((schedule) => [schedule.id, schedule]));
  const lives = new Map(schedules.map((schedule) => [schedule.id, lifeOf(log, schedule)]));
  const fired = new Map<string, Set<number>>();
  const seen = new Set<string>();
  /** Runs (fires and triggers) of each schedule: when added and when they first reached a final status. */
  const runs = new Map<string, Map<string, { addedAt: number; finalAt: number | null }>>();
  const active = new Map<string, Set<string>>();

  for (const entry of log.events()) {
    const event = entry.event;
    if (event.type === 'queue-full') continue;
    const task = event.task;
    const scheduleId = task.scheduleId;
    const schedule = scheduleId === null ? undefined : byId.get(scheduleId);
    if (schedule === undefined) continue;
    const scheduleRuns = runs.get(schedule.id) ?? new Map();
    runs.set(schedule.id, scheduleRuns);
    const running = active.get(schedule.id) ?? new Set();
    active.set(schedule.id, running);

    if (event.type === 'added' && !scheduleRuns.has(task.id)) {
      if (!isManual(task.id) && schedule.overlap !== 'allow' && running.size > 0) {
        report.overlap.push(
          `${task.id} (overlap '${schedule.overlap}') was created at ${iso(entry.at)} while ${[...running].join(', ')} had not finished`,
        );
      }
      scheduleRuns.set(task.id, { addedAt: entry.at, finalAt: null });
      running.add(task.id);
    } else if (FINAL.has(task.status) && running.delete(task.id)) {
      scheduleRuns.get(task.id)!.finalAt = entry.at;
    }

    if (event.type !== 'schedule-fired' || isManual(task.id)) continue;
    report.fires += 1;
    const fireAt = fireTime(task.id);
    const what = `fire ${task.id} (${schedule.kind} every ${schedule.periodMs} ms, overlap '${schedule.overlap}')`;
    if (seen.has(task.id))
      report.duplicates.push(`${what} fired twice (again at ${iso(entry.at)})`);
    seen.add(task.id);
    let times = fired.get(schedule.id);
    if (times === undefined) fired.set(schedule.id, (times = new Set()));
    times.add(fireAt);
    if (fireAt !== task.scheduledAt.getTime()) {
      report.offGrid.push(`${what} carries scheduledAt ${task.scheduledAt.toISOString()}`);
    }
    if (!onGrid(schedule, fireAt)) report.offGrid.push(`${what} is not on its grid`);
    const late = event.at.getTime() - fireAt;
    if (late < -(options.toleranceMs ?? 0)) {
      report.timing.push(`${what} fired ${-late} ms early, at ${event.at.toISOString()}`);
    } else if (options.exactTiming && schedule.overlap !== 'queue' && late !== 0) {
      report.timing.push(`${what} fired ${late} ms late on a manual clock`);
    }
    const life = lives.get(schedule.id)!;
    for (const window of life.paused) {
      if (entry.seq > window.fromSeq && entry.seq < window.toSeq) {
        report.whilePaused.push(
          `${what} fired at ${iso(entry.at)} while paused (since ${iso(window.from)})`,
        );
      } else if (fireAt > window.from && fireAt <= window.to) {
        report.whilePaused.push(
          `${what} made up a fire time that passed while paused (${iso(window.from)} to ${iso(window.to)})`,
        );
      }
    }
    if (entry.seq > life.cancelSeq || fireAt > life.cancelAt) {
      report.afterCancel.push(
        `${what} fired at ${iso(entry.at)}, after its cancel at ${iso(life.cancelAt)}`,
      );
    }
    if (entry.seq > options.stopSeq) {
      report.afterCancel.push(`${what} fired at ${iso(entry.at)}, after stop() was called`);
    }
  }

  for (const schedule of schedules) {
    const life = lives.get(schedule.id)!;
    const until = Math.min(life.cancelAt, options.stoppedAt);
    const times = fired.get(schedule.id) ?? new Set<number>();
    const scheduleRuns = [...(runs.get(schedule.id)?.values() ?? [])];
    for (const at of gridTimes(schedule, until)) {
      if (times.has(at)) continue;
      // A fire due at the very instant of a pause or cancel may not have run yet (one due at
      // once, on a schedule paused or cancelled as soon as it was added).
      if (at === life.cancelAt) continue;
      if (life.paused.some((window) => at >= window.from && at <= window.to)) continue;
      const id = `${schedule.id}@${iso(at)}`;
      if (options.dropped.has(id)) continue;
      const busy = scheduleRuns.some(
        (run) => run.addedAt <= at && (run.finalAt === null || run.finalAt >= at),
      );
      if (schedule.overlap !== 'allow' && busy) continue;
      report.missing.push(
        `${id} (${schedule.kind}, overlap '${schedule.overlap}') never fired${busy ? '' : ' and no run of the schedule was unfinished then'}`,
      );
    }
  }
  return report;
}
