/**
 * The record of a soak run: one ordered log of handler entries and exits,
 * aborts seen by handlers, every event of `events$`, and the test's own
 * operations. Every invariant is checked against this log afterwards, so a
 * check sees exactly the order in which things happened.
 */
import type { Observable, Subscription } from 'rxjs';
import type { SchedulerEvent } from '../../../lib/core/events.js';
import type { TaskStatus } from '../../../lib/core/types.js';

/** What a chaos task carries: the key of its behaviour, and the options it was added with. */
export interface ChaosPayload {
  /** Key of the task's behaviour (adds); fires and triggers use their task id instead. */
  n?: number;
  /** Index of the schedule whose fires carry this payload. */
  s?: number;
  /** `timeout` option the task was added with, in ms. */
  t?: number;
  /** `retries` option the task was added with. */
  r?: number;
  /** The enqueueBulk call the task came from. */
  bulk?: number;
  /** Forces a behaviour regardless of the key. */
  force?: 'short' | 'long';
}

/** What a handler does on one attempt. */
export interface Plan {
  /** How the attempt ends if nothing aborts it. */
  outcome: 'succeed' | 'retryable' | 'fatal' | 'no-retry';
  /** Returns or throws synchronously (then `durationMs` is 0). */
  sync: boolean;
  /** Clock time the work takes. */
  durationMs: number;
  /** After its signal aborts, the handler takes this long to stop (always within the grace period). */
  honourDelayMs: number;
  /** How it stops when aborted: rejecting with the signal's reason, or resolving anyway. */
  onAbort: 'reject' | 'resolve';
}

interface Stamp {
  /** Position in the log. */
  seq: number;
  /** Clock time when recorded. */
  at: number;
}

export interface EnterEntry extends Stamp {
  kind: 'enter';
  taskId: string;
  attempt: number;
  name: string;
  queue: string;
  scheduledAt: number;
  scheduleId: string | null;
  payload: ChaosPayload;
  plan: Plan;
}

export interface ExitEntry extends Stamp {
  kind: 'exit';
  taskId: string;
  attempt: number;
  queue: string;
  result: 'resolved' | 'rejected';
}

/** A handler saw its signal abort. */
export interface AbortEntry extends Stamp {
  kind: 'abort';
  taskId: string;
  attempt: number;
  /** The reason's `code` (TASK_TIMEOUT, TASK_CANCELLED, SCHEDULER_SHUTDOWN), or its type. */
  reason: string;
  /** The reason's `timeoutMs`, for timeouts. */
  timeoutMs: number | null;
}

export interface EventEntry extends Stamp {
  kind: 'event';
  event: SchedulerEvent;
}

/** The names of the operations a soak performs. */
export type OpName =
  | 'add'
  | 'bulk'
  | 'cancel'
  | 'retry'
  | 'schedule-add'
  | 'schedule-pause'
  | 'schedule-resume'
  | 'schedule-trigger'
  | 'schedule-cancel'
  | 'queue-pause'
  | 'queue-resume'
  | 'stop';

export interface OpEntry extends Stamp {
  kind: 'op';
  phase: 'start' | 'end';
  /** Pairs the start and end of one operation. */
  opId: number;
  op: OpName;
  /** The task, schedule or queue the operation is about, when it names one. */
  target: string | null;
  /** On end: 'ok' or the error's class name. */
  result?: string;
  /** On end: what the operation resolved to (a task id, ids), when useful. */
  value?: string | string[];
  /** On end: the error's message. */
  message?: string;
  /** Whether the operation ran alongside others (its outcome is then less predictable). */
  concurrent: boolean;
  /** On start: the target task's status as the event stream showed it ('unknown' if never seen). */
  predicted?: string;
}

export type LogEntry = EnterEntry | ExitEntry | AbortEntry | EventEntry | OpEntry;

type Unstamped<E> = E extends LogEntry ? Omit<E, 'seq' | 'at'> : never;

export class RunLog {
  readonly entries: LogEntry[] = [];
  /** Each task's status as the latest event about it showed it. */
  readonly statuses = new Map<string, TaskStatus>();
  private nextOpId = 1;
  private subscription: Subscription | undefined;
  /** Events that arrived after the stream should have completed. */
  eventsAfterComplete = 0;
  private completed = false;

  constructor(readonly now: () => number) {}

  push(entry: Unstamped<LogEntry>): void {
    this.entries.push({ ...entry, seq: this.entries.length, at: this.now() } as LogEntry);
  }

  /** Records every event of the stream from now on. */
  watch(events$: Observable<SchedulerEvent>): void {
    this.subscription = events$.subscribe({
      next: (event) => {
        if (this.completed) this.eventsAfterComplete += 1;
        if (event.type !== 'schedule-fired' && 'task' in event) {
          this.statuses.set(event.task.id, event.task.status);
        }
        this.push({ kind: 'event', event });
      },
      complete: () => (this.completed = true),
    });
  }

  /** Whether the watched stream has completed. */
  get streamCompleted(): boolean {
    return this.completed;
  }

  unwatch(): void {
    this.subscription?.unsubscribe();
  }

  /**
   * Runs an operation, logging its start and end; resolves to its outcome
   * (never rejects: an error is an outcome the invariants judge).
   */
  async op<T>(
    op: OpName,
    target: string | null,
    run: () => Promise<T>,
    options: {
      concurrent?: boolean;
      describe?: (value: T) => string | string[];
      predicted?: string;
    } = {},
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    const opId = this.nextOpId++;
    const concurrent = options.concurrent ?? false;
    this.push({
      kind: 'op',
      phase: 'start',
      opId,
      op,
      target,
      concurrent,
      ...(options.predicted === undefined ? {} : { predicted: options.predicted }),
    });
    try {
      const value = await run();
      this.push({
        kind: 'op',
        phase: 'end',
        opId,
        op,
        target,
        concurrent,
        result: 'ok',
        ...(options.describe === undefined ? {} : { value: options.describe(value) }),
      });
      return { ok: true, value };
    } catch (error) {
      this.push({
        kind: 'op',
        phase: 'end',
        opId,
        op,
        target,
        concurrent,
        result: error instanceof Error ? error.constructor.name : typeof error,
        message: error instanceof Error ? error.message : String(error),
      });
      return { ok: false, error };
    }
  }

  /** Events only, in order. */
  events(): EventEntry[] {
    return this.entries.filter((entry): entry is EventEntry => entry.kind === 'event');
  }

  /** Handler entries only, in order. */
  enters(): EnterEntry[] {
    return this.entries.filter((entry): entry is EnterEntry => entry.kind === 'enter');
  }

  /** Completed operations (their end entries), in order of completion. */
  opEnds(): OpEntry[] {
    return this.entries.filter(
      (entry): entry is OpEntry => entry.kind === 'op' && entry.phase === 'end',
    );
  }
}
