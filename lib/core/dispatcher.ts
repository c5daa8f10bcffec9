import type { CoordinatorSignals } from '../coordination/coordinator.js';
import type { ClaimResult } from '../store/task-store.js';
import {
  ActiveAttempt,
  type AbortKind,
  type AttemptOutcome,
  type AttemptServices,
} from './active-attempt.js';
import type { EngineContext } from './engine-context.js';
import { releaseUnstarted } from './claim-release.js';
import { StoreUnavailableError } from './errors.js';
import { errorMessage } from './logger.js';
import type { QueueRuntime } from './queue-registry.js';
import type { TaskRecord } from './types.js';

/** Pause before asking a store again after a failed claim. */
const CLAIM_RETRY_MS = 1_000;

/** Callbacks of the dispatcher into the rest of the engine. */
export interface DispatchListener {
  started(attempt: ActiveAttempt): void;
  settled(attempt: ActiveAttempt, outcome: AttemptOutcome): void;
  /**
   * A claim failed without an answer: the store may have taken tasks for
   * this node that will never start here (the reply was lost on the way).
   */
  claimUnanswered?(): void;
}

/**
 * Fills worker slots: claims due tasks from the store, queue by queue in
 * rotation, up to each queue's `workers` and the global `maxWorkers`, and
 * runs them. One claim per queue is in flight at a time, and one pump serves
 * every request made before it runs (see Soon), so slots freed together are
 * refilled by one batched claim.
 */
export class Dispatcher implements CoordinatorSignals {
  private readonly attempts = new Map<string, ActiveAttempt>();
  private running = 0;
  private reserved = 0;
  private dispatching = false;
  private pumpScheduled = false;
  private rotation = 0;
  private idleWaiters: (() => void)[] = [];
  /** Writes in flight whose tasks this node has not announced yet: no claim may run meanwhile. */
  private holds = 0;
  /** Claims sent to the store and not yet answered. */
  private readonly claims = new Set<Promise<void>>();
  /** Attempts (`id#attempt`) cancelled while a claim that may hold them was unanswered: they must not start. */
  private readonly cancelledInClaim = new Set<string>();

  /** Shared by every attempt (one object, not one per task). */
  private readonly services: AttemptServices;

  constructor(
    private readonly ctx: EngineContext,
    private readonly listener: DispatchListener,
  ) {
    this.services = {
      clock: ctx.clock,
      timeline: ctx.timeline,
      logger: ctx.logger,
      abortGracePeriodMs: ctx.options.abortGracePeriodMs,
      settled: (attempt, outcome) => this.settled(attempt, outcome),
    };
  }

  /** Attempts running on this node. */
  get runningCount(): number {
    return this.running;
  }

  /** Starts claiming; every queue is checked once, since the store may hold due work. */
  start(): void {
    this.dispatching = true;
    const now = this.ctx.clock.now();
    for (const queue of this.ctx.queues.all()) queue.noteDue(now);
    this.schedulePump();
  }

  /** Stops starting attempts; running ones go on. */
  stop(): void {
    this.dispatching = false;
    for (const queue of this.ctx.queues.all()) this.ctx.timeline.cancel(queue.wake);
  }

  /** Pauses (or resumes) starting tasks of a queue. @throws UnknownQueueError */
  pauseQueue(name: string, paused: boolean): void {
    this.ctx.queues.get(name).paused = paused;
    if (!paused) this.schedulePump();
  }

  /**
   * Holds claims until the matching releaseClaims(): a claim running between
   * a task's write and its announcement would start (and report `started`
   * for) a task whose `added` (or `schedule-fired`) is yet to be reported.
   */
  holdClaims(): void {
    this.holds += 1;
  }

  releaseClaims(): void {
    this.holds -= 1;
    if (this.holds === 0) this.schedulePump();
  }

  /** Work of a queue (by name) may be due at `dueAt`; queues this node does not have are ignored. */
  workAvailable(queue: string, dueAt: number): void {
    if (this.ctx.queues.has(queue)) this.noteDue(this.ctx.queues.get(queue), dueAt);
  }

  /** Every queue may hold due work (a poll, when another node's wake-up may have been missed). */
  pollAll(): void {
    const now = this.ctx.clock.now();
    for (const queue of this.ctx.queues.all()) queue.noteDue(now);
    this.schedulePump();
  }

  /** Another node asks to abort a task this node may be running. */
  cancelRequested(taskId: string): void {
    this.attempts.get(taskId)?.abort('cancel');
  }

  /** A task of `queue` may be due at `at`: wake up then (or now). */
  noteDue(queue: QueueRuntime, at: number): void {
    queue.noteDue(at);
    if (at <= this.ctx.clock.now()) this.schedulePump();
    else if (this.dispatching) this.ctx.timeline.schedule(queue.wake, queue.dueAt ?? at);
  }

  /** Runs a pump soon (once, however often asked meanwhile): slots freed together are refilled by one claim. */
  schedulePump(): void {
    if (this.pumpScheduled || !this.dispatching) return;
    this.pumpScheduled = true;
    this.ctx.soon.run(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** The attempts running on this node. */
  runningAttempts(): ActiveAttempt[] {
    return [...this.attempts.values()];
  }

  find(taskId: string): ActiveAttempt | undefined {
    return this.attempts.get(taskId);
  }

  /**
   * Cancels attempt `attempt` of a task claimed by this node: aborts it if it
   * runs, and otherwise keeps it from starting should a claim still in
   * flight hold it.
   */
  cancel(taskId: string, attempt: number): void {
    const running = this.attempts.get(taskId);
    if (running !== undefined && running.record.attempts === attempt) running.abort('cancel');
    else if (this.claims.size > 0) this.cancelledInClaim.add(`${taskId}#${attempt}`);
  }

  /** Resolves when every claim sent so far has been answered (and, after stop(), its tasks handed back). */
  async whenClaimsAnswered(): Promise<void> {
    while (this.claims.size > 0) await Promise.allSettled(this.claims);
  }

  /** Aborts every running attempt; returns how many were aborted. */
  abortAll(kind: AbortKind): number {
    let count = 0;
    for (const attempt of this.attempts.values()) if (attempt.abort(kind)) count += 1;
    return count;
  }

  /** Resolves when no attempt holds a worker slot. */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (!this.dispatching || this.holds > 0) return;
    const queues = this.ctx.queues.all();
    const now = this.ctx.clock.now();
    // Start after the queue served last (not after the last pump, as most pumps claim nothing),
    // so that queues competing for the same slots take turns.
    const first = this.rotation;
    for (let i = 0; i < queues.length; i += 1) {
      const globalFree = this.ctx.options.maxWorkers - this.running - this.reserved;
      if (globalFree <= 0) return;
      const index = (first + i) % queues.length;
      const queue = queues[index]!;
      if (queue.paused || queue.claiming || queue.dueAt === null) continue;
      if (queue.dueAt > now) {
        this.ctx.timeline.schedule(queue.wake, queue.dueAt);
        continue;
      }
      const limit = Math.min(queue.freeWorkers, globalFree);
      if (limit > 0) {
        this.claim(queue, limit, now);
        this.rotation = (index + 1) % queues.length;
      }
    }
  }

  private claim(queue: QueueRuntime, limit: number, now: number): void {
    queue.claiming = true;
    queue.dueDuringClaim = null;
    this.reserved += limit;
    const claim = this.ctx.store
      .claimDue({
        queue: queue.name,
        limit,
        now,
        owner: this.ctx.coordinator.nodeId,
        leaseMs: this.ctx.options.leaseMs,
        names: this.ctx.handlers.names,
      })
      .then(
        (result) => this.claimed(queue, limit, now, result),
        (error: unknown) => {
          queue.claiming = false;
          this.reserved -= limit;
          // Store outages are logged once by the store's health; anything else is logged here.
          if (!(error instanceof StoreUnavailableError)) {
            this.ctx.logger.error(
              `claiming tasks of queue ${queue.name} failed: ${errorMessage(error)}`,
            );
          }
          queue.dueAt = now + CLAIM_RETRY_MS;
          if (this.dispatching) this.ctx.timeline.schedule(queue.wake, queue.dueAt);
          this.listener.claimUnanswered?.();
        },
      )
      .finally(() => {
        this.claims.delete(claim);
        if (this.claims.size === 0) this.cancelledInClaim.clear();
      });
    this.claims.add(claim);
  }

  private claimed(queue: QueueRuntime, limit: number, now: number, result: ClaimResult): void {
    queue.claiming = false;
    this.reserved -= limit;
    let due = result.nextDueAt;
    // A store answers from a snapshot; adds noted meanwhile may be missing from it.
    const noted = queue.dueDuringClaim;
    queue.dueDuringClaim = null;
    if (noted !== null && (due === null || noted < due)) due = noted;
    // "Due now" but nothing claimable (tasks of unknown names at the head): look again later, do not spin.
    if (result.tasks.length === 0 && noted === null && due !== null && due <= now) {
      due = now + CLAIM_RETRY_MS;
    }
    queue.dueAt = due;
    // A task cancelled while this claim was unanswered is already recorded as cancelled.
    const tasks =
      this.cancelledInClaim.size === 0
        ? result.tasks
        : result.tasks.filter(
            (record) => !this.cancelledInClaim.delete(`${record.id}#${record.attempts}`),
          );
    if (!this.dispatching) {
      void releaseUnstarted(this.ctx, tasks);
      return;
    }
    // Paused while the claim was in flight: once pauseQueue() resolved, nothing of the queue starts.
    if (queue.paused && tasks.length > 0) {
      void releaseUnstarted(this.ctx, tasks).then(() => this.noteDue(queue, now));
      return;
    }
    for (const record of tasks) this.startAttempt(queue, record);
    if (due !== null && due > now) this.ctx.timeline.schedule(queue.wake, due);
    this.schedulePump();
  }

  private startAttempt(queue: QueueRuntime, record: TaskRecord): void {
    const handler = this.ctx.handlers.get(record.name);
    const timeoutMs = record.timeoutMs ?? handler.timeoutMs ?? queue.config.timeoutMs;
    const attempt = new ActiveAttempt(record, handler, queue, timeoutMs, this.services);
    queue.running += 1;
    this.running += 1;
    this.attempts.set(record.id, attempt);
    this.listener.started(attempt);
    attempt.run();
  }

  private settled(attempt: ActiveAttempt, outcome: AttemptOutcome): void {
    attempt.queue.running -= 1;
    this.running -= 1;
    // A cancelled attempt may end after its task was retried and started again: keep the new one findable.
    if (this.attempts.get(attempt.id) === attempt) this.attempts.delete(attempt.id);
    this.listener.settled(attempt, outcome);
    if (this.running === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    this.schedulePump();
  }
}
