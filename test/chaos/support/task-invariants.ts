/**
 * Invariants about tasks, checked against a run log. Each function returns
 * its violations as sentences (empty when the invariant held), so that a
 * failure names the task, the attempt and the time.
 */
import type { TaskEvent } from '../../../lib/core/events.js';
import type { TaskStatus } from '../../../lib/core/types.js';
import {
  errorKind,
  expectedMaxRetries,
  expectedTimeout,
  retryDelayRange,
  type SoakModel,
} from './model.js';
import type {
  AbortEntry,
  ChaosPayload,
  EnterEntry,
  ExitEntry,
  LogEntry,
  OpEntry,
  RunLog,
} from './run-log.js';

export const FINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);
export const WAITING: ReadonlySet<TaskStatus> = new Set(['pending', 'retrying']);

/** A time for messages. */
export const iso = (ms: number): string => new Date(ms).toISOString();

const attemptKey = (taskId: string, attempt: number): string => `${taskId}#${attempt}`;

/** Appends `value` to the list under `key`. */
export function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** One handler call, with what its signal and its return did. */
export interface AttemptSpan {
  enter: EnterEntry;
  /** The first abort the handler saw. */
  abort?: AbortEntry;
  exit?: ExitEntry;
}

/**
 * Every handler call, with its abort and exit matched to it. A re-added id
 * counts its attempts from 1 again, so an exit goes to the latest open call
 * of that task and attempt.
 */
export function attemptSpans(log: RunLog): AttemptSpan[] {
  const spans: AttemptSpan[] = [];
  const open = new Map<string, AttemptSpan[]>();
  for (const entry of log.entries) {
    if (entry.kind === 'enter') {
      const span: AttemptSpan = { enter: entry };
      spans.push(span);
      append(open, attemptKey(entry.taskId, entry.attempt), span);
    } else if (entry.kind === 'abort' || entry.kind === 'exit') {
      const span = open.get(attemptKey(entry.taskId, entry.attempt))?.at(-1);
      if (span === undefined) continue;
      if (entry.kind === 'abort') span.abort ??= entry;
      else {
        span.exit = entry;
        open.get(attemptKey(entry.taskId, entry.attempt))!.pop();
      }
    }
  }
  return spans;
}

/** Per-queue running handlers never exceed the queue's workers, nor all of them maxWorkers. */
export function concurrencyViolations(
  log: RunLog,
  model: SoakModel,
): { perQueue: string[]; global: string[]; peaks: Record<string, number> } {
  const perQueue: string[] = [];
  const global: string[] = [];
  const running = new Map<string, number>();
  const live = new Map<string, number>();
  const peaks: Record<string, number> = { all: 0 };
  let total = 0;
  for (const entry of log.entries) {
    if (entry.kind === 'enter') {
      const key = attemptKey(entry.taskId, entry.attempt);
      live.set(key, (live.get(key) ?? 0) + 1);
      const count = (running.get(entry.queue) ?? 0) + 1;
      running.set(entry.queue, count);
      total += 1;
      peaks[entry.queue] = Math.max(peaks[entry.queue] ?? 0, count);
      peaks.all = Math.max(peaks.all!, total);
      const workers = model.queues[entry.queue]?.workers ?? Number.NaN;
      if (!(count <= workers)) {
        perQueue.push(
          `${count} handlers of queue ${entry.queue} (workers ${workers}) ran at ${iso(entry.at)} when ${entry.taskId} attempt ${entry.attempt} started`,
        );
      }
      if (total > model.maxWorkers) {
        global.push(
          `${total} handlers (maxWorkers ${model.maxWorkers}) ran at ${iso(entry.at)} when ${entry.taskId} attempt ${entry.attempt} started`,
        );
      }
    } else if (entry.kind === 'exit') {
      const key = attemptKey(entry.taskId, entry.attempt);
      const open = live.get(key) ?? 0;
      if (open === 0) {
        perQueue.push(`${entry.taskId} attempt ${entry.attempt} exited without having started`);
        continue;
      }
      live.set(key, open - 1);
      running.set(entry.queue, (running.get(entry.queue) ?? 0) - 1);
      total -= 1;
    }
  }
  return { perQueue, global, peaks };
}

/**
 * No handler starts before its task is due, and no two attempts of one task
 * run at once, except an attempt already aborted (for a cancel, or a timeout
 * just before the cancel) and still winding down within its grace period
 * when its cancelled task was retried by hand: cancelling frees the task at
 * once, so that overlap is by design.
 */
export function startViolations(
  log: RunLog,
  toleranceMs = 0,
): { early: string[]; overlapping: string[]; overlapsAfterCancel: number } {
  const early: string[] = [];
  const overlapping: string[] = [];
  let overlapsAfterCancel = 0;
  const spans = attemptSpans(log);
  const cancels = new Map<string, number[]>();
  for (const { seq, event } of log.events()) {
    if (event.type === 'cancelled') append(cancels, event.task.id, seq);
  }
  const running = new Map<string, AttemptSpan[]>();
  // Starts and exits of handler calls, in log order.
  const moments: { seq: number; span: AttemptSpan; starts: boolean }[] = [];
  for (const span of spans) {
    moments.push({ seq: span.enter.seq, span, starts: true });
    if (span.exit !== undefined) moments.push({ seq: span.exit.seq, span, starts: false });
  }
  moments.sort((a, b) => a.seq - b.seq);
  for (const { span, starts } of moments) {
    const { enter } = span;
    const others = running.get(enter.taskId) ?? [];
    if (!starts) {
      running.set(
        enter.taskId,
        others.filter((other) => other !== span),
      );
      continue;
    }
    if (enter.at < enter.scheduledAt - toleranceMs) {
      early.push(
        `${enter.taskId} attempt ${enter.attempt} started at ${iso(enter.at)}, ${enter.scheduledAt - enter.at} ms before it was due (${iso(enter.scheduledAt)})`,
      );
    }
    for (const other of others) {
      const aborted = other.abort !== undefined && other.abort.seq < enter.seq;
      const cancelled = (cancels.get(enter.taskId) ?? []).some(
        (seq) => seq > other.enter.seq && seq < enter.seq,
      );
      if (aborted && cancelled) overlapsAfterCancel += 1;
      else {
        overlapping.push(
          `${enter.taskId} attempt ${enter.attempt} started at ${iso(enter.at)} while attempt ${other.enter.attempt} (started ${iso(other.enter.at)}) still ran, not both aborted and cancelled`,
        );
      }
    }
    running.set(enter.taskId, [...others, span]);
  }
  return { early, overlapping, overlapsAfterCancel };
}

/** The status a task event's snapshot must show. */
const STATUS_OF_EVENT: Record<string, TaskStatus> = {
  added: 'pending',
  'schedule-fired': 'pending',
  started: 'running',
  completed: 'completed',
  failed: 'failed',
  retrying: 'retrying',
  cancelled: 'cancelled',
};

/** Which statuses each event may follow (undefined: a task never seen). */
const ALLOWED_FROM: Record<TaskEvent['type'], readonly (TaskStatus | undefined)[]> = {
  added: [undefined, 'completed', 'failed', 'cancelled'],
  started: ['pending', 'retrying'],
  completed: ['running'],
  failed: ['running'],
  retrying: ['running'],
  cancelled: ['pending', 'retrying', 'running'],
};

export interface LifecycleReport {
  /** Events out of order (e.g. completed before started, anything after a final status but a re-add or retryTask). */
  stateMachine: string[];
  /** Snapshots whose status, queue or history disagree with their event. */
  snapshots: string[];
  /** More attempts than maxRetries + 1 in a series, or giving up while retries were left. */
  retryBudget: string[];
  /** Retries of errors that must not be retried, and retry delays outside the queue's policy. */
  retryPolicy: string[];
  /** `attempts` not counting up by one per start, or a maxRetries other than the options give. */
  attempts: string[];
  /** Handler calls without a matching `started` event. */
  handlerCalls: string[];
  /** Counts for the report. */
  counts: Record<string, number>;
}

interface Track {
  state: TaskStatus | undefined;
  maxRetries: number;
  starts: number;
  retries: number;
  attempts: number;
  awaitingEnter: number | null;
}

/** Replays the event stream through the task state machine. */
export function lifecycleViolations(log: RunLog, model: SoakModel): LifecycleReport {
  const report: LifecycleReport = {
    stateMachine: [],
    snapshots: [],
    retryBudget: [],
    retryPolicy: [],
    attempts: [],
    handlerCalls: [],
    counts: {},
  };
  const tracks = new Map<string, Track>();
  for (const entry of log.entries) {
    if (entry.kind === 'enter') {
      const track = tracks.get(entry.taskId);
      if (track?.awaitingEnter !== entry.attempt) {
        report.handlerCalls.push(
          `${entry.taskId} attempt ${entry.attempt} ran at ${iso(entry.at)} without a 'started' event for that attempt`,
        );
      } else track.awaitingEnter = null;
      continue;
    }
    if (entry.kind !== 'event' || entry.event.type === 'queue-full') continue;
    const event = entry.event;
    const task = event.task;
    report.counts[event.type] = (report.counts[event.type] ?? 0) + 1;
    const where = `${task.id} (${task.name} in ${task.queue}) at ${iso(entry.at)}`;
    if (task.status !== STATUS_OF_EVENT[event.type]) {
      report.snapshots.push(`'${event.type}' event of ${where} shows status ${task.status}`);
    }
    if (event.queue !== task.queue) {
      report.snapshots.push(`'${event.type}' event of ${where} names queue ${event.queue}`);
    }
    let track = tracks.get(task.id);
    if (event.type === 'schedule-fired') {
      if (track === undefined) {
        report.stateMachine.push(`'schedule-fired' of ${where} came before its 'added'`);
      }
      continue;
    }
    if (!ALLOWED_FROM[event.type].includes(track?.state)) {
      report.stateMachine.push(
        `'${event.type}' of ${where} followed status ${track?.state ?? '(none: first event)'}`,
      );
    }
    switch (event.type) {
      case 'added': {
        const expected = expectedMaxRetries(
          model,
          task.name,
          task.queue,
          task.payload as ChaosPayload,
        );
        if (task.maxRetries !== expected) {
          report.attempts.push(
            `${where} was added with maxRetries ${task.maxRetries}, not ${expected}`,
          );
        }
        if (task.attempts !== 0 && task.attempts !== track?.attempts) {
          report.attempts.push(
            `${where} was added with attempts ${task.attempts} (previously ${track?.attempts ?? 'none'})`,
          );
        }
        track = {
          state: 'pending',
          maxRetries: task.maxRetries,
          starts: 0,
          retries: 0,
          attempts: task.attempts,
          awaitingEnter: null,
        };
        tracks.set(task.id, track);
        continue;
      }
      case 'started': {
        if (track === undefined) continue;
        track.starts += 1;
        if (track.starts > track.maxRetries + 1) {
          report.retryBudget.push(
            `${where} started attempt ${track.starts} of its series, beyond maxRetries ${track.maxRetries} + 1`,
          );
        }
        if (task.attempts !== track.attempts + 1) {
          report.attempts.push(
            `${where} started with attempts ${task.attempts} after ${track.attempts}`,
          );
        }
        track.attempts = task.attempts;
        track.awaitingEnter = task.attempts;
        break;
      }
      case 'retrying': {
        if (track === undefined) continue;
        track.retries += 1;
        const kind = errorKind(model, task.name, task.error);
        if (kind !== 'retryable') {
          report.retryPolicy.push(`${where} was retried after a ${kind} error: ${task.error}`);
        }
        if (track.retries > track.maxRetries) {
          report.retryBudget.push(
            `${where} was retried a ${track.retries}th time, beyond maxRetries ${track.maxRetries}`,
          );
        }
        const policy = model.queues[task.queue]?.retry;
        const delay = task.scheduledAt.getTime() - event.at.getTime();
        if (policy !== undefined) {
          const [min, max] = retryDelayRange(policy, track.retries);
          if (delay < min || delay > max) {
            report.retryPolicy.push(
              `${where}: retry ${track.retries} waits ${delay} ms, outside [${min}, ${max}] of queue ${task.queue}'s ${policy.backoff} policy`,
            );
          }
        }
        checkHistory(report, where, task);
        break;
      }
      case 'failed': {
        if (track === undefined) continue;
        const kind = errorKind(model, task.name, task.error);
        if (kind === 'unknown')
          report.retryPolicy.push(`${where} failed with an unexpected error: ${task.error}`);
        if (kind === 'retryable' && track.retries < track.maxRetries) {
          report.retryBudget.push(
            `${where} failed after ${track.retries} of ${track.maxRetries} retries on a retryable error: ${task.error}`,
          );
        }
        checkHistory(report, where, task);
        break;
      }
      case 'completed':
        if (task.error !== null)
          report.snapshots.push(`${where} completed with error ${task.error}`);
        checkHistory(report, where, task);
        break;
      case 'cancelled':
        break;
    }
    if (track !== undefined) track.state = task.status;
  }
  return report;
}

function checkHistory(report: LifecycleReport, where: string, task: TaskEvent['task']): void {
  const last = task.attemptHistory.at(-1);
  if (last?.attempt !== task.attempts) {
    report.snapshots.push(
      `${where} finished attempt ${task.attempts} but its history ends with attempt ${last?.attempt ?? 'none'}`,
    );
  }
}

/**
 * An attempt aborted for its timeout is aborted exactly `timeout` after it
 * started (the task's option, else the handler's, else the queue's), and an
 * attempt is never left running past its timeout.
 */
export function timeoutViolations(log: RunLog, model: SoakModel, toleranceMs = 0): string[] {
  const violations: string[] = [];
  const lastAt = log.entries.at(-1)?.at ?? 0;
  for (const { enter, abort, exit } of attemptSpans(log)) {
    const timeout = expectedTimeout(model, enter.name, enter.queue, enter.payload);
    const what = `${enter.taskId} attempt ${enter.attempt} (${enter.name} in ${enter.queue}, started ${iso(enter.at)})`;
    if (abort?.reason === 'TASK_TIMEOUT') {
      const after = abort.at - enter.at;
      if (timeout === null)
        violations.push(`${what} timed out after ${after} ms without a timeout`);
      else if (Math.abs(after - timeout) > toleranceMs || abort.timeoutMs !== timeout) {
        violations.push(
          `${what} was aborted for timeout after ${after} ms (reason says ${abort.timeoutMs} ms); its timeout is ${timeout} ms`,
        );
      }
    } else if (timeout !== null) {
      const stoppedAt = Math.min(exit?.at ?? lastAt, abort?.at ?? Number.POSITIVE_INFINITY);
      if (stoppedAt - enter.at > timeout + toleranceMs) {
        violations.push(
          `${what} ran ${stoppedAt - enter.at} ms without being aborted; its timeout is ${timeout} ms`,
        );
      }
    }
  }
  return violations;
}

/**
 * Within a queue, a task starts only when no more urgent task (higher
 * priority, or equal priority and due earlier) that was due at the claim is
 * left waiting: a claim takes the most urgent tasks first.
 */
export function dispatchOrderViolations(log: RunLog): string[] {
  const violations: string[] = [];
  const waiting = new Map<string, Map<string, { priority: number; scheduledAt: number }>>();
  const cancelling = new Map<string, number>();
  const state = new Map<string, TaskStatus>();
  const queueOf = (queue: string): Map<string, { priority: number; scheduledAt: number }> => {
    let tasks = waiting.get(queue);
    if (tasks === undefined) waiting.set(queue, (tasks = new Map()));
    return tasks;
  };
  const entries = log.entries;
  entries.forEach((entry, index) => {
    if (entry.kind === 'op' && entry.op === 'cancel' && entry.target !== null) {
      const delta = entry.phase === 'start' ? 1 : -1;
      cancelling.set(entry.target, (cancelling.get(entry.target) ?? 0) + delta);
    }
    if (entry.kind !== 'event' || entry.event.type === 'queue-full') return;
    const { type, task } = entry.event;
    const tasks = queueOf(task.queue);
    if (type === 'schedule-fired') return;
    const before = state.get(task.id);
    state.set(task.id, task.status);
    // An 'added' that arrives after the task started is reported by the state machine check.
    if (type === 'added' && before !== undefined && !FINAL.has(before)) return;
    if (type === 'added' || type === 'retrying') {
      tasks.set(task.id, { priority: task.priority, scheduledAt: task.scheduledAt.getTime() });
      return;
    }
    tasks.delete(task.id);
    if (type !== 'started') return;
    const claimAt = task.startedAt?.getTime() ?? entry.at;
    const mine = { priority: task.priority, scheduledAt: task.scheduledAt.getTime() };
    for (const [id, other] of tasks) {
      const moreUrgent =
        other.priority > mine.priority ||
        (other.priority === mine.priority && other.scheduledAt < mine.scheduledAt);
      if (!moreUrgent || other.scheduledAt > claimAt) continue;
      if (startedInSameClaim(entries, index, id) || (cancelling.get(id) ?? 0) > 0) continue;
      violations.push(
        `${task.id} (priority ${mine.priority}, due ${iso(mine.scheduledAt)}) started in ${task.queue} at ${iso(claimAt)} while ${id} (priority ${other.priority}, due ${iso(other.scheduledAt)}) waited`,
      );
    }
  });
  return violations;
}

/**
 * Whether `taskId` started in the same claim as the start at `index`: a claim
 * starts its tasks one after the other (a 'started' event, the handler call,
 * its return if synchronous), all with the claim's time as `startedAt`.
 */
function startedInSameClaim(entries: readonly LogEntry[], index: number, taskId: string): boolean {
  const first = entries[index]!;
  const claimAt =
    first.kind === 'event' && 'task' in first.event ? first.event.task.startedAt : null;
  for (let j = index + 1; j < entries.length; j += 1) {
    const entry = entries[j]!;
    if (entry.kind === 'enter' || entry.kind === 'exit') continue;
    if (entry.kind !== 'event' || entry.event.type !== 'started') return false;
    if (entry.event.task.startedAt?.getTime() !== claimAt?.getTime()) return false;
    if (entry.event.task.id === taskId) return true;
  }
  return false;
}

/** No handler of a queue starts between a pauseQueue() that resolved and the next resumeQueue(). */
export function pausedQueueViolations(log: RunLog): string[] {
  const violations: string[] = [];
  const paused = new Map<string, number>();
  for (const entry of log.entries) {
    if (entry.kind === 'op' && entry.target !== null) {
      if (entry.op === 'queue-pause' && entry.phase === 'end' && entry.result === 'ok') {
        if (!paused.has(entry.target)) paused.set(entry.target, entry.at);
      } else if (entry.op === 'queue-resume' && entry.phase === 'start') {
        paused.delete(entry.target);
      }
    } else if (entry.kind === 'enter' && paused.has(entry.queue)) {
      violations.push(
        `${entry.taskId} attempt ${entry.attempt} started at ${iso(entry.at)} in queue ${entry.queue}, paused since ${iso(paused.get(entry.queue)!)}`,
      );
    }
  }
  return violations;
}

/**
 * An add (not a retryTask) is accepted only while its queue has fewer than
 * maxSize waiting tasks, and every refusal for a full queue (an add or
 * enqueueBulk, a triggerSchedule, a scheduled fire dropped) comes with one
 * 'queue-full' event.
 */
export function capacityViolations(log: RunLog, model: SoakModel, droppedFires: number): string[] {
  const violations: string[] = [];
  const status = new Map<string, TaskStatus>();
  const waiting = new Map<string, number>();
  const retrying = new Map<string, number>();
  const bump = (queue: string, delta: number): void => {
    waiting.set(queue, (waiting.get(queue) ?? 0) + delta);
  };
  let queueFullEvents = 0;
  let refusals = droppedFires;
  for (const entry of log.entries) {
    if (entry.kind === 'op') {
      if (entry.op === 'retry' && entry.target !== null) {
        const delta = entry.phase === 'start' ? 1 : -1;
        retrying.set(entry.target, (retrying.get(entry.target) ?? 0) + delta);
      }
      if (entry.phase === 'end' && entry.result === 'QueueFullError') refusals += 1;
      continue;
    }
    if (entry.kind !== 'event') continue;
    const event = entry.event;
    if (event.type === 'queue-full') {
      queueFullEvents += 1;
      continue;
    }
    if (event.type === 'schedule-fired') continue;
    const { task } = event;
    const before = status.get(task.id);
    const wasWaiting = before !== undefined && WAITING.has(before);
    const isWaiting = WAITING.has(task.status);
    if (event.type === 'added' && (retrying.get(task.id) ?? 0) === 0) {
      const maxSize = model.queues[task.queue]?.maxSize ?? Number.NaN;
      const count = waiting.get(task.queue) ?? 0;
      if (!(count < maxSize)) {
        violations.push(
          `${task.id} was added to ${task.queue} at ${iso(entry.at)} while ${count} tasks waited there (maxSize ${maxSize})`,
        );
      }
    }
    if (wasWaiting !== isWaiting) bump(task.queue, isWaiting ? 1 : -1);
    status.set(task.id, task.status);
  }
  if (queueFullEvents !== refusals) {
    violations.push(
      `${refusals} refusals for a full queue (QueueFullError or a dropped fire), but ${queueFullEvents} 'queue-full' events`,
    );
  }
  return violations;
}

/** Nothing from an enqueueBulk that was refused (bad item or full queue) ever appears. */
export function bulkViolations(log: RunLog): string[] {
  const refused = new Map<string, string>();
  for (const entry of log.opEnds()) {
    if (entry.op === 'bulk' && entry.result !== 'ok' && entry.target !== null) {
      refused.set(entry.target, entry.result ?? '?');
    }
  }
  const violations: string[] = [];
  for (const entry of log.events()) {
    if (entry.event.type === 'queue-full') continue;
    const bulk = (entry.event.task.payload as ChaosPayload | null)?.bulk;
    if (bulk === undefined) continue;
    const error = refused.get(`bulk-${bulk}`);
    if (error !== undefined) {
      violations.push(
        `${entry.event.task.id} of bulk-${bulk} (refused with ${error}) appeared in a '${entry.event.type}' event at ${iso(entry.at)}`,
      );
    }
  }
  return violations;
}

/** The errors each operation may end with, given what the event stream said about its target. */
function allowedResults(start: OpEntry): readonly string[] {
  const p = start.predicted;
  const concurrent = start.concurrent;
  switch (start.op) {
    case 'add':
    case 'bulk':
      return p === 'invalid'
        ? [
            'InvalidArgumentError',
            'InvalidDurationError',
            'InvalidPayloadError',
            'UnknownTaskError',
            'UnknownQueueError',
          ]
        : ['ok', 'QueueFullError'];
    case 'cancel':
      if (concurrent) return ['ok', 'InvalidStateError', 'TaskNotFoundError'];
      if (p === 'pending' || p === 'retrying' || p === 'running') return ['ok'];
      if (p === 'unknown') return ['TaskNotFoundError'];
      return ['InvalidStateError', 'TaskNotFoundError'];
    case 'retry':
      if (concurrent) return ['ok', 'InvalidStateError', 'TaskNotFoundError'];
      if (p === 'failed' || p === 'cancelled') return ['ok', 'TaskNotFoundError'];
      if (p === 'unknown') return ['TaskNotFoundError'];
      // A completed task may have been pruned by retention meanwhile.
      return p === 'completed' ? ['InvalidStateError', 'TaskNotFoundError'] : ['InvalidStateError'];
    case 'schedule-pause':
    case 'schedule-resume':
      return p === 'cancelled' ? ['ScheduleNotFoundError'] : ['ok'];
    case 'schedule-trigger':
      return p === 'cancelled' ? ['ScheduleNotFoundError'] : ['ok', 'QueueFullError'];
    case 'schedule-cancel':
      return p === 'cancelled' ? ['TaskNotFoundError'] : ['ok'];
    default:
      return ['ok'];
  }
}

/**
 * Operations succeed or fail as the state predicts, and only with the
 * documented error types; an add with an explicit id resolves to that id.
 */
export function operationViolations(log: RunLog): string[] {
  const violations: string[] = [];
  const starts = new Map<number, OpEntry>();
  /** Log positions of each task's events reaching a final status. */
  const finals = new Map<string, number[]>();
  for (const { seq, event } of log.events()) {
    if (event.type !== 'queue-full' && FINAL.has(event.task.status))
      append(finals, event.task.id, seq);
  }
  for (const entry of log.entries) {
    if (entry.kind !== 'op') continue;
    if (entry.phase === 'start') {
      starts.set(entry.opId, entry);
      continue;
    }
    const start = starts.get(entry.opId)!;
    let allowed = allowedResults(start);
    // The engine kept working during the operation: its target may have finished meanwhile
    // (its store write done, its event still on the way when the operation began).
    const finishedMeanwhile = (finals.get(entry.target ?? '') ?? []).some(
      (seq) => seq > start.seq && seq < entry.seq,
    );
    if (start.op === 'cancel' && finishedMeanwhile) allowed = [...allowed, 'InvalidStateError'];
    const what = `${entry.op}(${entry.target ?? ''}) at ${iso(entry.at)}${start.predicted === undefined ? '' : ` on a task/schedule that was ${start.predicted}`}${start.concurrent ? ', run concurrently,' : ''}`;
    if (!allowed.includes(entry.result ?? '')) {
      violations.push(
        `${what} ended with ${entry.result}${entry.message === undefined ? '' : ` (${entry.message})`}; expected ${allowed.join(' or ')}`,
      );
    }
    if (
      entry.op === 'add' &&
      entry.result === 'ok' &&
      entry.target !== null &&
      entry.value !== entry.target
    ) {
      violations.push(`${what} resolved to ${String(entry.value)}, not its id`);
    }
  }
  return violations;
}
