/**
 * Invariants about what the scheduler reports and keeps: statistics that
 * agree with the task listing and with the event stream, no task lost, none
 * left running after stop(), and retention that removes only the oldest
 * finished tasks and keeps their number bounded.
 */
import type { Scheduler } from '../../../lib/core/scheduler.js';
import {
  TASK_STATUSES,
  type TaskInfo,
  type TaskRecord,
  type TaskStatus,
} from '../../../lib/core/types.js';
import type { TaskStore } from '../../../lib/store/task-store.js';
import type { SoakModel } from './model.js';
import type { RunLog } from './run-log.js';
import { FINAL, iso, WAITING } from './task-invariants.js';

type Counts = Record<TaskStatus, number>;
const zero = (): Counts => Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Counts;
const PAGE = 1000;

/** Every task the scheduler lists, page by page. */
export async function listAll(scheduler: Scheduler): Promise<TaskInfo[]> {
  const tasks: TaskInfo[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await scheduler.getTasks({ limit: PAGE, offset });
    tasks.push(...page.tasks);
    if (page.tasks.length < PAGE) return tasks;
  }
}

/**
 * getStats() totals equal the counts of getTasks() per status, per-queue
 * counts add up to the totals, and (the engine being idle between clock
 * steps) waiting and running counts equal what the event stream says.
 */
export async function statsViolations(
  scheduler: Scheduler,
  log: RunLog,
  label: string,
  compareWithEvents = true,
): Promise<string[]> {
  for (let tries = 0; ; tries += 1) {
    const before = await scheduler.getStats();
    const tasks = await listAll(scheduler);
    const after = await scheduler.getStats();
    // A task may change status between the reads: read again until nothing moved meanwhile.
    const moved = TASK_STATUSES.some((status) => before[status] !== after[status]);
    if (moved && tries < 5) continue;
    const violations: string[] = [];
    const listed = zero();
    const listedByQueue = new Map<string, Counts>();
    for (const task of tasks) {
      listed[task.status] += 1;
      const counts = listedByQueue.get(task.queue) ?? zero();
      listedByQueue.set(task.queue, counts);
      counts[task.status] += 1;
    }
    const sum = TASK_STATUSES.reduce((total, status) => total + after[status], 0);
    if (after.total !== sum)
      violations.push(`${label}: stats total ${after.total} ≠ sum of statuses ${sum}`);
    if (tasks.length !== after.total) {
      violations.push(
        `${label}: getTasks() lists ${tasks.length} tasks, getStats() counts ${after.total}`,
      );
    }
    for (const status of TASK_STATUSES) {
      if (listed[status] !== after[status]) {
        violations.push(
          `${label}: ${listed[status]} ${status} tasks listed, getStats() says ${after[status]}`,
        );
      }
      let queues = 0;
      for (const [queue, stats] of Object.entries(after.queues)) {
        queues += stats[status];
        const inList = listedByQueue.get(queue)?.[status] ?? 0;
        if (inList !== stats[status]) {
          violations.push(
            `${label}: queue ${queue} lists ${inList} ${status}, its stats say ${stats[status]}`,
          );
        }
      }
      if (queues !== after[status]) {
        violations.push(
          `${label}: per-queue ${status} counts add up to ${queues}, the total is ${after[status]}`,
        );
      }
    }
    if (compareWithEvents) {
      const streamed = zero();
      for (const status of log.statuses.values()) streamed[status] += 1;
      for (const status of ['pending', 'retrying', 'running'] as const) {
        if (streamed[status] !== after[status]) {
          violations.push(
            `${label}: the event stream shows ${streamed[status]} ${status} tasks, getStats() says ${after[status]}`,
          );
        }
      }
    }
    return violations;
  }
}

export interface FinalStateReport {
  /** Known tasks gone from the store although they never finished, or tasks nobody added. */
  lost: string[];
  /** Tasks still running after stop(). */
  running: string[];
  /** Waiting tasks outside paused queues, other than attempts interrupted by the shutdown. */
  stranded: string[];
  /** Stored status that differs from what the event stream said last. */
  disagree: string[];
  counts: Record<string, number>;
}

/**
 * After stop(): every task id the soak learned of (returned by an add, or
 * created by a fire) is finished, waiting in a paused queue, waiting again
 * after the shutdown interrupted it, or was removed by retention after it
 * finished; none is running; the store agrees with the last event.
 */
export function finalStateViolations(
  records: ReadonlyMap<string, TaskRecord>,
  ids: ReadonlySet<string>,
  log: RunLog,
  pausedQueues: ReadonlySet<string>,
  interruptedBy: string,
): FinalStateReport {
  const report: FinalStateReport = {
    lost: [],
    running: [],
    stranded: [],
    disagree: [],
    counts: {},
  };
  const count = (key: string): void => void (report.counts[key] = (report.counts[key] ?? 0) + 1);
  for (const id of ids) {
    const record = records.get(id);
    const streamed = log.statuses.get(id);
    if (record === undefined) {
      if (streamed === undefined || !FINAL.has(streamed)) {
        report.lost.push(
          `${id} is gone from the store; its last event said ${streamed ?? 'nothing'}`,
        );
      } else count('pruned');
      continue;
    }
    const interrupted =
      WAITING.has(record.status) && record.error === interruptedBy && streamed === 'running';
    count(interrupted ? 'interrupted' : record.status);
    if (record.status === 'running') {
      report.running.push(
        `${id} (${record.name} in ${record.queue}) is still running after stop()`,
      );
      continue;
    }
    if (WAITING.has(record.status) && !pausedQueues.has(record.queue) && !interrupted) {
      report.stranded.push(
        `${id} (${record.name}) is ${record.status} in unpaused queue ${record.queue}, due ${iso(record.scheduledAt)}; error ${record.error}`,
      );
    }
    // The shutdown hands an interrupted attempt's task back to waiting without an event.
    if (streamed !== record.status && !interrupted) {
      report.disagree.push(
        `${id} is ${record.status} in the store; its last event said ${streamed ?? 'nothing'}`,
      );
    }
  }
  for (const [id, record] of records) {
    if (!ids.has(id))
      report.lost.push(
        `${id} (${record.name}, ${record.status}) is in the store but no add returned it`,
      );
  }
  return report;
}

/**
 * Retention removes only finished tasks, oldest completion first, keeps at
 * most maxTasks plus one sweep's worth of finished tasks, and none much
 * older than maxAge (a sweep runs every tenth of it).
 */
export function retentionViolations(
  records: ReadonlyMap<string, TaskRecord>,
  known: ReadonlySet<string>,
  log: RunLog,
  model: SoakModel,
  endAt: number,
): { violations: string[]; pruned: number; retained: number } {
  const violations: string[] = [];
  const { maxTasks, maxAgeMs } = model.retention;
  const sweepWorth = Math.max(100, Math.floor(maxTasks / 10));
  const sweepEvery = Math.min(3_600_000, Math.max(1_000, Math.floor(maxAgeMs / 10)));
  const finished = [...records.values()].filter((record) => FINAL.has(record.status));
  if (finished.length > maxTasks + sweepWorth) {
    violations.push(
      `${finished.length} finished tasks are kept; retention allows ${maxTasks} + ${sweepWorth}`,
    );
  }
  for (const record of finished) {
    if (record.completedAt! < endAt - maxAgeMs - sweepEvery) {
      violations.push(
        `${record.id} finished at ${iso(record.completedAt!)} and is still kept at ${iso(endAt)}`,
      );
    }
  }
  const finishedAt = new Map<string, number>();
  for (const entry of log.events()) {
    const event = entry.event;
    if (
      event.type !== 'queue-full' &&
      event.type !== 'schedule-fired' &&
      FINAL.has(event.task.status)
    ) {
      finishedAt.set(event.task.id, event.task.completedAt!.getTime());
    }
  }
  let newestPruned = Number.NEGATIVE_INFINITY;
  let newestPrunedId = '';
  let pruned = 0;
  for (const id of known) {
    if (records.has(id) || !FINAL.has(log.statuses.get(id)!)) continue;
    pruned += 1;
    const at = finishedAt.get(id)!;
    if (at > newestPruned) [newestPruned, newestPrunedId] = [at, id];
  }
  const oldestKept = finished.reduce((min, record) => Math.min(min, record.completedAt!), Infinity);
  if (newestPruned > oldestKept) {
    violations.push(
      `${newestPrunedId}, finished at ${iso(newestPruned)}, was removed while a task finished at ${iso(oldestKept)} was kept`,
    );
  }
  return { violations, pruned, retained: finished.length };
}

/** Every task in a store, read directly (the scheduler refuses reads once stopped). */
export async function storeRecords(store: TaskStore): Promise<Map<string, TaskRecord>> {
  const records = new Map<string, TaskRecord>();
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listTasks({ limit: PAGE, offset });
    for (const record of page.tasks) records.set(record.id, record);
    if (page.tasks.length < PAGE) return records;
  }
}
