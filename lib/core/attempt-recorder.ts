import type { ActiveAttempt, AttemptOutcome } from './active-attempt.js';
import { decideTransition, type AttemptTransition } from './attempt-transition.js';
import type { DispatchListener } from './dispatcher.js';
import type { EngineContext } from './engine-context.js';
import { errorMessage } from './logger.js';
import type { RetryPolicy } from './retry-policy.js';
import type { ThroughputMeter } from './stats.js';
import type { WriteSink } from './write-batcher.js';
import { toTaskInfo } from './task-info.js';
import { FINISHED_STATUSES, type TaskRecord, type TaskStatus } from './types.js';

const RUNNING: readonly TaskStatus[] = Object.freeze(['running']);
/** The retry policy of a task whose queue this node does not have: its own maxRetries, no delay. */
const FAIL_AT_ONCE: RetryPolicy = Object.freeze({
  maxRetries: 0,
  delayMs: 0,
  backoff: 'fixed',
  jitter: 0,
  maxDelayMs: 0,
});

/** An attempt's end being written. */
interface Written {
  record: TaskRecord;
  transition: AttemptTransition;
}
const retryByPolicy = (): boolean => true;
const failed = (outcome: AttemptOutcome): boolean =>
  outcome.kind === 'failed' || outcome.kind === 'timed-out';

/** What the recorder tells the rest of the engine. */
export interface RecorderListener {
  /** A task reached completed, failed or cancelled. */
  finished(taskId: string, scheduleId: string | null): void;
  /** A task of `queue` waits again until `dueAt` (a retry, or a shutdown handing it back). */
  waiting(queue: string, dueAt: number): void;
}

/**
 * Turns attempt outcomes into fenced store writes, then into events and
 * statistics. Events follow the write, never precede it: whoever sees
 * `completed` can read the task as completed.
 */
export class AttemptRecorder implements DispatchListener {
  /** Answers the write of every attempt's end (one object, not two closures per task). */
  private readonly sink: WriteSink<boolean, Written>;

  constructor(
    private readonly ctx: EngineContext,
    private readonly throughput: ThroughputMeter,
    private readonly listener: RecorderListener,
  ) {
    this.sink = {
      written: (applied, { record, transition }) => this.written(record, transition, applied),
      failed: (error, { record }) =>
        ctx.logger.error(
          `recording the end of task ${record.name} ${record.id} failed: ${errorMessage(error)}; its lease will expire and it will be recovered`,
        ),
    };
  }

  started(attempt: ActiveAttempt): void {
    if (!this.ctx.events.listening) return;
    this.ctx.events.emit({
      type: 'started',
      task: toTaskInfo(attempt.record),
      queue: attempt.record.queue,
      at: new Date(attempt.startedAt),
    });
  }

  settled(attempt: ActiveAttempt, outcome: AttemptOutcome): void {
    const now = this.ctx.clock.now();
    if (outcome.kind !== 'cancelled' && outcome.kind !== 'interrupted') {
      attempt.queue.durations.record(now - attempt.startedAt);
    }
    const transition = decideTransition({
      record: attempt.record,
      startedAt: attempt.startedAt,
      finishedAt: now,
      nodeId: this.ctx.coordinator.nodeId,
      outcome,
      policy: attempt.queue.config.retry,
      // The handler is only asked after a failure; a success allocates no closure for it.
      shouldRetry: failed(outcome) ? (error) => this.askShouldRetry(attempt, error) : retryByPolicy,
      random: this.ctx.random,
    });
    if (transition !== null) this.write(attempt.record, this.ctx.coordinator.nodeId, transition);
  }

  /**
   * Ends an attempt whose node is gone (its lease ran out, or it died before
   * a restart): it counts as failed with `reason`, and the queue's retry
   * policy applies, as it would to any other failure.
   */
  interrupted(record: TaskRecord, reason: string): void {
    const queue = this.ctx.queues.find(record.queue);
    const now = this.ctx.clock.now();
    const transition = decideTransition({
      record,
      startedAt: record.startedAt ?? now,
      finishedAt: now,
      nodeId: record.nodeId ?? record.lockedBy ?? this.ctx.coordinator.nodeId,
      outcome: { kind: 'failed', error: new Error(reason) },
      policy: queue?.config.retry ?? FAIL_AT_ONCE,
      shouldRetry: retryByPolicy,
      random: this.ctx.random,
    });
    if (transition !== null) this.write(record, record.lockedBy ?? '', transition);
  }

  /** The fenced write of an attempt's end: it applies only if `owner` still holds that attempt. */
  private write(record: TaskRecord, owner: string, transition: AttemptTransition): void {
    this.ctx.writer.submitUpdate(
      {
        id: record.id,
        expect: { statuses: RUNNING, owner, attempt: record.attempts },
        set: transition.set,
        appendAttempt: transition.attempt,
      },
      this.sink,
      { record, transition },
    );
  }

  private written(record: TaskRecord, transition: AttemptTransition, applied: boolean): void {
    if (!applied) {
      this.ctx.logger.warn(
        `task ${record.name} ${record.id} attempt ${record.attempts} ended, but the task had changed meanwhile (cancelled, or taken over by another node); its result was not recorded`,
      );
      return;
    }
    const status = transition.set.status!;
    if (FINISHED_STATUSES.includes(status)) {
      this.throughput.record(transition.attempt.finishedAt);
      this.listener.finished(record.id, record.scheduleId);
    } else {
      this.listener.waiting(record.queue, transition.set.scheduledAt!);
    }
    if (transition.event !== null && this.ctx.events.listening) {
      const snapshot: TaskRecord = {
        ...record,
        ...transition.set,
        history: [...record.history, transition.attempt],
      };
      this.ctx.events.emit({
        type: transition.event,
        task: toTaskInfo(snapshot),
        queue: record.queue,
        at: new Date(transition.attempt.finishedAt),
      });
    }
  }

  private askShouldRetry(attempt: ActiveAttempt, error: unknown): boolean {
    const shouldRetry = attempt.handler.handler.shouldRetry;
    if (shouldRetry === undefined) return true;
    try {
      return shouldRetry.call(attempt.handler.handler, error, attempt.context) !== false;
    } catch (thrown) {
      this.ctx.logger.error(
        `shouldRetry() of task ${attempt.record.name} threw (${errorMessage(thrown)}); retrying by policy`,
      );
      return true;
    }
  }
}
