/**
 * What a cron run across several instances must show: each fire time run
 * once, as many fire times as the window holds, none at a time the run
 * never reached, and each stored once as a completed task.
 */
import type { ExecutionEvent, FiredEvent } from '../app/execution-log.js';
import { executionsOf, summarize, type Interval, type Summary } from './analyser.js';

export interface CronFindings {
  /** Distinct fire times in the window that ran. */
  fires: number;
  /** Runs of the schedule per instance, in order of first appearance. */
  perInstance: number[];
  /** Fire times (ISO) started more than once, with their runs. */
  repeated: string[];
  /** Fire times (ISO) that ran although the run never reached them, or long after it began. */
  outside: string[];
  /** From fire time to first start, for the fires in the window. */
  lateness: Summary;
  /** Disagreements between the log and the stored fire tasks. */
  storeProblems: string[];
  /**
   * Fires created by one instance and run by another (from `fired` events, logged when the
   * instances report events): the creator never sees such a run finish.
   */
  runElsewhere: number;
  /** Per instance (pid), the last fire time it created, ISO. */
  lastCreated: string[];
}

/** The stored task of a fire, as far as the check needs it. */
export interface StoredFire {
  status: string;
  scheduledAt: number;
}

export function cronFindings(
  events: readonly ExecutionEvent[],
  scheduleId: string,
  window: Interval,
  /** The stored fire tasks; null when the instances keep their tasks in memory (nothing to compare). */
  stored: ReadonlyMap<string, StoredFire> | null,
): CronFindings {
  const runs = executionsOf(events).filter((run) => run.schedule === scheduleId);
  const byFire = new Map<number, typeof runs>();
  for (const run of runs) byFire.set(run.due, [...(byFire.get(run.due) ?? []), run]);
  const inWindow = [...byFire.keys()].filter((at) => at >= window.from && at < window.to);
  const perPid = new Map<number, number>();
  for (const run of runs) perPid.set(run.pid, (perPid.get(run.pid) ?? 0) + 1);
  const iso = (at: number): string => new Date(at).toISOString();
  // The run spans from the first instance's boot to the last event: a fire outside it came from a wrong clock.
  const began = Math.min(...events.filter((e) => e.e === 'boot').map((e) => e.t));
  const ended = events.reduce((latest, event) => Math.max(latest, event.t), 0);
  const storeProblems: string[] = [];
  const storedInWindow = [...(stored ?? [])].filter(
    ([, task]) => task.scheduledAt >= window.from && task.scheduledAt < window.to,
  );
  for (const [id, task] of storedInWindow) {
    if (task.status !== 'completed') storeProblems.push(`${id} is ${task.status}`);
    if (!byFire.has(task.scheduledAt)) storeProblems.push(`${id} is stored but never ran`);
  }
  const storedTimes = new Set(storedInWindow.map(([, task]) => task.scheduledAt));
  for (const at of stored === null ? [] : inWindow) {
    if (!storedTimes.has(at)) storeProblems.push(`the fire at ${iso(at)} ran but is not stored`);
  }
  const created = events.filter(
    (event): event is FiredEvent => event.e === 'fired' && event.schedule === scheduleId,
  );
  const runner = new Map(runs.map((run) => [run.task, run.pid]));
  const lastByPid = new Map<number, number>();
  for (const event of created) lastByPid.set(event.pid, event.t);
  return {
    runElsewhere: created.filter(
      (event) => runner.has(event.task) && runner.get(event.task) !== event.pid,
    ).length,
    lastCreated: [...lastByPid].map(([pid, at]) => `pid ${pid} at ${iso(at)}`),
    fires: inWindow.length,
    perInstance: [...perPid.values()],
    repeated: [...byFire]
      .filter(([, fired]) => fired.length > 1)
      .map(
        ([at, fired]) => `${iso(at)}: ${fired.map((r) => `pid ${r.pid} #${r.attempt}`).join(', ')}`,
      ),
    outside: [...byFire.keys()].filter((at) => at < began - 1_000 || at > ended + 1_000).map(iso),
    lateness: summarize(
      inWindow.map((at) => Math.min(...byFire.get(at)!.map((run) => run.start)) - at),
    ),
    storeProblems,
  };
}
