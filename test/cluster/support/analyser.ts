/**
 * What a cluster run did, read from its execution log: the tasks that were
 * lost, those that ran more than once (and whether a lost instance explains
 * it), executions of one task that overlapped on two live instances,
 * lateness, and how long the tasks of a killed instance took to start
 * again elsewhere. Pure functions of the log and of when each instance was
 * live, so that they are tested on their own.
 */
import type { EndEvent, ExecutionEvent, StartEvent } from '../app/execution-log.js';

/** A span of time, [from, to), in epoch ms. */
export interface Interval {
  from: number;
  to: number;
}

/** An instance lost at `at`: killed with SIGKILL, or frozen past its lease. */
export interface Kill {
  pid: number;
  at: number;
}

/** One attempt as the log shows it: its start, and its end if the handler returned. */
export interface Execution {
  task: string;
  attempt: number;
  node: string;
  pid: number;
  start: number;
  end: number | null;
  outcome: EndEvent['outcome'] | null;
  due: number;
  schedule: string | null;
}

/** Pairs each `start` with the `end` of the same attempt on the same process. */
export function executionsOf(events: readonly ExecutionEvent[]): Execution[] {
  const open = new Map<string, Execution>();
  const all: Execution[] = [];
  const key = (event: StartEvent | EndEvent): string =>
    `${event.pid}\u0000${event.task}\u0000${event.attempt}`;
  for (const event of events) {
    if (event.e === 'start') {
      const execution: Execution = {
        task: event.task,
        attempt: event.attempt,
        node: event.node,
        pid: event.pid,
        start: event.t,
        end: null,
        outcome: null,
        due: event.due,
        schedule: event.schedule,
      };
      open.set(key(event), execution);
      all.push(execution);
    } else if (event.e === 'end') {
      const execution = open.get(key(event));
      if (execution === undefined) continue;
      open.delete(key(event));
      execution.end = event.t;
      execution.outcome = event.outcome;
    }
  }
  return all;
}

/** Executions grouped by task, each group in start order. */
export function byTask(executions: readonly Execution[]): Map<string, Execution[]> {
  const tasks = new Map<string, Execution[]>();
  for (const execution of executions) {
    const runs = tasks.get(execution.task);
    if (runs === undefined) tasks.set(execution.task, [execution]);
    else runs.push(execution);
  }
  for (const runs of tasks.values()) runs.sort((a, b) => a.start - b.start);
  return tasks;
}

/** Expected tasks that no attempt finished: their handler never returned normally. */
export function lostTasks(executions: readonly Execution[], expected: Iterable<string>): string[] {
  const finished = new Set(executions.filter((run) => run.outcome === 'ok').map((run) => run.task));
  return [...expected].filter((task) => !finished.has(task));
}

/** A task that started more than once, and why, if a lost instance explains it. */
export interface Duplicate {
  task: string;
  runs: Execution[];
  /** Null when every run but the last was on an instance lost before that run could finish. */
  unexplained: string | null;
}

/**
 * How long after its handler returned an attempt's result may still be on
 * its way to the store: an instance lost within this window may have died
 * before its completion was written, which explains a rerun.
 */
export const COMMIT_WINDOW_MS = 2_000;

/**
 * Tasks that started more than once. A rerun is explained when every
 * earlier run was on an instance lost (killed, or frozen past its lease)
 * while that run was going on: after it started, and before its result
 * could have reached the store.
 */
export function duplicates(executions: readonly Execution[], losses: readonly Kill[]): Duplicate[] {
  const found: Duplicate[] = [];
  for (const [task, runs] of byTask(executions)) {
    if (runs.length < 2) continue;
    let unexplained: string | null = null;
    for (const run of runs.slice(0, -1)) {
      const lost = losses.some(
        (loss) =>
          loss.pid === run.pid &&
          loss.at >= run.start &&
          (run.end === null || loss.at <= run.end + COMMIT_WINDOW_MS),
      );
      if (!lost) {
        const ending = run.end === null ? 'no end' : `ended ${run.outcome} at ${run.end}`;
        unexplained =
          `attempt ${run.attempt} on pid ${run.pid} (started ${run.start}, ${ending}) ran again, ` +
          `and its instance was not lost while it ran`;
        break;
      }
    }
    found.push({ task, runs, unexplained });
  }
  return found;
}

/** The same attempt number started twice: two claims handed out one attempt. */
export function attemptsRunTwice(executions: readonly Execution[]): string[] {
  const seen = new Map<string, number>();
  for (const run of executions) {
    const key = `${run.task}#${run.attempt}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([key]) => key);
}

/** Two executions of one task that ran at the same moment on two live instances. */
export interface Overlap {
  task: string;
  first: Execution;
  second: Execution;
  /** How long both ran with both instances live. */
  ms: number;
}

/** Intersection of two sorted, disjoint interval lists. */
function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const from = Math.max(a[i]!.from, b[j]!.from);
    const to = Math.min(a[i]!.to, b[j]!.to);
    if (to > from) out.push({ from, to });
    if (a[i]!.to < b[j]!.to) i += 1;
    else j += 1;
  }
  return out;
}

const total = (intervals: readonly Interval[]): number =>
  intervals.reduce((sum, interval) => sum + interval.to - interval.from, 0);

/**
 * When an execution ran with its instance live: from its start to its end
 * (or, without an end, to its instance's death), minus the instance's
 * freezes. An instance missing from `liveness` counts as live throughout.
 */
function liveSpan(run: Execution, liveness: ReadonlyMap<number, readonly Interval[]>): Interval[] {
  const live = liveness.get(run.pid);
  const to = run.end ?? (live === undefined || live.length === 0 ? Infinity : live.at(-1)!.to);
  // The end is inclusive: an execution of 0 ms still occupies its instant.
  const span = [{ from: run.start, to: Math.max(to, run.start) + 1 }];
  return live === undefined ? span : intersect(span, live);
}

/** Executions of one task on two instances that were running at the same time, both instances live. */
export function overlaps(
  executions: readonly Execution[],
  liveness: ReadonlyMap<number, readonly Interval[]>,
): Overlap[] {
  const found: Overlap[] = [];
  for (const [task, runs] of byTask(executions)) {
    for (let i = 0; i < runs.length; i += 1) {
      for (let j = i + 1; j < runs.length; j += 1) {
        const [first, second] = [runs[i]!, runs[j]!];
        if (first.pid === second.pid) continue;
        const ms = total(intersect(liveSpan(first, liveness), liveSpan(second, liveness)));
        if (ms > 0) found.push({ task, first, second, ms });
      }
    }
  }
  return found;
}

/** Nearest-rank percentile of `values` (0 < p ≤ 100); NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: percentile(values, 100),
  };
}

/** Per task, how late its first execution started after it was due. */
export function lateness(executions: readonly Execution[]): number[] {
  return [...byTask(executions).values()].map((runs) => runs[0]!.start - runs[0]!.due);
}

/** A task cut short by a lost instance, and when it started again elsewhere (null: never). */
export interface Recovery {
  task: string;
  pid: number;
  lostAt: number;
  restartedAt: number | null;
  /** restartedAt − lostAt, or null. */
  ms: number | null;
}

/**
 * For each lost instance, the executions it had not finished when lost,
 * and the first later start of each of those tasks on another instance.
 */
export function recoveries(executions: readonly Execution[], losses: readonly Kill[]): Recovery[] {
  const tasks = byTask(executions);
  const found: Recovery[] = [];
  for (const loss of losses) {
    for (const [task, runs] of tasks) {
      const cut = runs.some(
        (run) =>
          run.pid === loss.pid && run.start <= loss.at && (run.end === null || run.end > loss.at),
      );
      if (!cut) continue;
      const next = runs.find((run) => run.pid !== loss.pid && run.start >= loss.at);
      found.push({
        task,
        pid: loss.pid,
        lostAt: loss.at,
        restartedAt: next?.start ?? null,
        ms: next === undefined ? null : next.start - loss.at,
      });
    }
  }
  return found;
}

/** Tasks whose `completed` event was emitted more than once, with their counts. */
export function completedTwice(events: readonly ExecutionEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    if (event.e === 'completed') counts.set(event.task, (counts.get(event.task) ?? 0) + 1);
  }
  return new Map([...counts].filter(([, count]) => count > 1));
}

/** Everything a cluster test checks, in one pass. */
export interface Analysis {
  executions: Execution[];
  lost: string[];
  duplicates: Duplicate[];
  attemptsRunTwice: string[];
  overlaps: Overlap[];
  lateness: Summary;
  completedTwice: Map<string, number>;
}

export function analyse(input: {
  events: readonly ExecutionEvent[];
  expected: Iterable<string>;
  liveness: ReadonlyMap<number, readonly Interval[]>;
  losses: readonly Kill[];
}): Analysis {
  const executions = executionsOf(input.events);
  return {
    executions,
    lost: lostTasks(executions, input.expected),
    duplicates: duplicates(executions, input.losses),
    attemptsRunTwice: attemptsRunTwice(executions),
    overlaps: overlaps(executions, input.liveness),
    lateness: summarize(lateness(executions)),
    completedTwice: completedTwice(input.events),
  };
}

/** The ids `prefix0 … prefix(count-1)`. */
export function idsOf(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) => `${prefix}${n}`);
}

/** The store's view of one task, as far as the checks need it. */
export interface StoredTask {
  status: string;
  attempts: number;
  nodeId: string | null;
  history: readonly { attempt: number; error: string | null; nodeId: string | null }[];
}

/**
 * Exactly one recorded success per task, and the right one: every expected
 * task is completed; its history holds one success, its latest attempt, run
 * on the node the task names, whose handler is seen returning in the log;
 * every other attempt the log shows starting is recorded as failed (an
 * interruption), never as a success.
 */
export function storeViolations(
  tasks: ReadonlyMap<string, StoredTask>,
  expected: Iterable<string>,
  executions: readonly Execution[],
): string[] {
  const violations: string[] = [];
  const runs = byTask(executions);
  for (const id of expected) {
    const task = tasks.get(id);
    if (task === undefined) {
      violations.push(`${id} was acknowledged but is not in the store`);
      continue;
    }
    if (task.status !== 'completed') {
      violations.push(`${id} is ${task.status}, not completed`);
      continue;
    }
    const successes = task.history.filter((attempt) => attempt.error === null);
    const last = task.history.at(-1);
    if (successes.length !== 1 || last?.error !== null || last.attempt !== task.attempts) {
      violations.push(
        `${id} records successes at attempt(s) ${successes.map((a) => a.attempt).join(', ') || 'none'}; ` +
          `its latest attempt is ${task.attempts}`,
      );
      continue;
    }
    const logged = runs.get(id) ?? [];
    const winner = logged.find((run) => run.attempt === last.attempt);
    if (winner?.outcome !== 'ok' || winner.node !== last.nodeId || task.nodeId !== last.nodeId) {
      violations.push(
        `${id} records attempt ${last.attempt} on ${String(last.nodeId)} as its success, but the log shows ` +
          (winner === undefined
            ? 'no such attempt'
            : `it on ${winner.node}, ${winner.outcome ?? 'unfinished'}`),
      );
    }
    for (const run of logged) {
      if (run.attempt === last.attempt) continue;
      const record = task.history.find((attempt) => attempt.attempt === run.attempt);
      if (record !== undefined && record.error === null) {
        violations.push(`${id} attempt ${run.attempt} is recorded as a success besides the last`);
      }
    }
  }
  return violations;
}
