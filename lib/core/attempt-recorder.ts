import type { ActiveAttempt, AttemptOutcome } from './active-attempt.js';
import { decideTransition, type AttemptTransition } from './attempt-transition.js';
import type { DispatchListener } from './dispatcher.js';
import type { EngineContext } from './engine-context.js';
import { errorMessage } from './logger.js';
import type { ThroughputMeter } from './stats.js';
import type { WriteSink } from './write-batcher.js';
import { toTaskInfo } from './task-info.js';
import { FINISHED_STATUSES, type TaskRecord, type TaskStatus } from './types.js';

const RUNNING: readonly TaskStatus[] = Object.freeze(['running']);
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
  private readonly sink: WriteSink<
    boolean,
    { attempt: ActiveAttempt; transition: AttemptTransition }
  >;

  constructor(
    private readonly ctx: EngineContext,
    private readonly throughput: ThroughputMeter,
    private readonly listener: RecorderListener,
  ) {
    this.sink = {
      written: (applied, { attempt, transition }) => this.written(attempt, transition, applied),
      failed: (error, { attempt }) =>
        ctx.logger.error(
          `recording the end of task ${attempt.record.name} ${attempt.id} failed: ${errorMessage(error)}; its lease will expire and it will be recovered`,
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
    if (transition === null) return;
    this.ctx.writer.submitUpdate(
      {
        id: attempt.id,
        expect: {
          statuses: RUNNING,
          owner: this.ctx.coordinator.nodeId,
          attempt: attempt.record.attempts,
        },
        set: transition.set,
        appendAttempt: transition.attempt,
      },
      this.sink,
      { attempt, transition },
    );
  }

  private written(attempt: ActiveAttempt, transition: AttemptTransition, applied: boolean): void {
    if (!applied) {
      this.ctx.logger.warn(
        `task ${attempt.record.name} ${attempt.id} attempt ${attempt.record.attempts} finished, but the task had changed meanwhile (cancelled, or taken over by another node); its result was not recorded`,
      );
      return;
    }
    const { record } = attempt;
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
