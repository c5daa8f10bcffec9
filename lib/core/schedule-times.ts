import type { CronExpression } from './cron/cron-expression.js';
import type { ScheduleRecord } from './types.js';

/** The rule that produces a schedule's fire times. */
export type FireRule =
  | { kind: 'cron'; cron: CronExpression }
  /** Fires at `anchorAt + k·intervalMs` for k ≥ 1: a fixed rate that run time never drifts. */
  | { kind: 'recurring'; anchorAt: number; intervalMs: number };

/** The fire rule of a stored schedule. */
export function fireRuleOf(record: ScheduleRecord, cron: CronExpression | null): FireRule {
  return cron !== null
    ? { kind: 'cron', cron }
    : { kind: 'recurring', anchorAt: record.anchorAt, intervalMs: record.intervalMs! };
}

/** The first fire time strictly after `after`, or null if the rule never fires again. */
export function nextFireAfter(rule: FireRule, after: number): number | null {
  if (rule.kind === 'cron') return rule.cron.next(after);
  const { anchorAt, intervalMs } = rule;
  const k = Math.max(1, Math.floor((after - anchorAt) / intervalMs) + 1);
  return anchorAt + k * intervalMs;
}

/** Smallest window searched for recent cron fires; it grows fourfold until it holds enough. */
const FIRST_WINDOW_MS = 60_000;

/**
 * The most recent `max` fire times in `[from, now]`, oldest first, where
 * `from` is itself a fire time. Works backwards from `now` through growing
 * windows, so a per-second cron that missed a day costs a few dozen steps,
 * not 86,400.
 */
export function recentFires(rule: FireRule, from: number, now: number, max: number): number[] {
  if (max <= 0 || from > now) return [];
  if (rule.kind === 'recurring') {
    const { anchorAt, intervalMs } = rule;
    const first = Math.ceil((from - anchorAt) / intervalMs);
    const last = Math.floor((now - anchorAt) / intervalMs);
    const fires: number[] = [];
    for (let k = Math.max(first, last - max + 1); k <= last; k += 1) {
      fires.push(anchorAt + k * intervalMs);
    }
    return fires;
  }
  for (let window = FIRST_WINDOW_MS; ; window *= 4) {
    const start = Math.max(from - 1, now - window);
    const fires = firesBetween(rule.cron, start, now, max);
    if (fires.length >= max || start === from - 1) return fires;
  }
}

/** Fires in `(start, end]`, keeping only the last `max`. */
function firesBetween(cron: CronExpression, start: number, end: number, max: number): number[] {
  const fires: number[] = [];
  for (let at = cron.next(start); at !== null && at <= end; at = cron.next(at)) {
    fires.push(at);
    if (fires.length > max) fires.shift();
  }
  return fires;
}

/** The id of the task a schedule creates for a fire: the same on every node, so a fire runs once. */
export function fireId(scheduleId: string, fireAt: number): string {
  return `${scheduleId}@${new Date(fireAt).toISOString()}`;
}

/**
 * The fire times to run now, from the schedule's next due fire up to `now`.
 * Late by any amount, the latest due fire runs; older ones are missed and
 * follow the misfire policy ('run-all' runs up to `maxCatchUp` of them).
 * After downtime (a schedule loaded at start), 'skip' runs none.
 */
export function firesDue(
  record: ScheduleRecord,
  rule: FireRule,
  now: number,
  afterDowntime: boolean,
): number[] {
  if (record.nextFireAt === null) return [];
  const policy = record.misfire;
  const max = policy === 'run-all' ? record.maxCatchUp : afterDowntime && policy === 'skip' ? 0 : 1;
  return recentFires(rule, record.nextFireAt, now, max);
}

/** Whether two schedules produce the same fire times. */
export function sameRule(a: ScheduleRecord, b: ScheduleRecord): boolean {
  return (
    a.kind === b.kind &&
    a.expression === b.expression &&
    a.intervalMs === b.intervalMs &&
    a.timeZone === b.timeZone
  );
}
