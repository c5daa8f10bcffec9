import type { AttemptRecorder } from './attempt-recorder.js';
import { releaseUnstarted } from './claim-release.js';
import type { Dispatcher } from './dispatcher.js';
import type { EngineContext } from './engine-context.js';
import { StoreUnavailableError } from './errors.js';
import { errorMessage } from './logger.js';
import { TimelineEntry } from './timeline.js';
import type { TaskRecord } from './types.js';

/** Error recorded for an attempt whose node died before this one started. */
export const INTERRUPTED_BY_RESTART = 'interrupted by restart';
/** Error recorded for an attempt whose node stopped renewing its lease. */
export const INTERRUPTED_LEASE_EXPIRED = 'interrupted: its node stopped renewing the lease';

const PAGE = 1_000;

/**
 * Keeps the leases of this node's running attempts alive, and recovers the
 * attempts of nodes that are gone: at start, those of a node known to have
 * stopped (an earlier run of this one, a dead process of this host) at once,
 * and the others once their lease runs out. A recovered attempt counts as
 * failed and follows its retry policy. It also hands back tasks claimed for
 * this node whose claim never answered (the store failed on the way back):
 * they never started, so they wait again without an attempt counted, as
 * soon as the store answers rather than when their lease runs out. The
 * keeper only wakes while there is a lease to renew, one to watch or such a
 * claim to clear up, so an idle engine stays idle; when other instances
 * share the store it always watches, since any of them may die at any time.
 */
export class LeaseKeeper {
  private readonly entry = new TimelineEntry(() => void this.tick());
  private active = false;
  /** Running tasks of other live nodes seen at the last look: their leases are watched. */
  private watched = 0;
  private ticking: Promise<void> | null = null;
  /** A claim failed without an answer: tasks may be held for this node that it does not run. */
  private strays = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly dispatcher: Dispatcher,
    private readonly recorder: AttemptRecorder,
  ) {}

  /** Recovers what the store holds for gone nodes, then starts watching. */
  async start(): Promise<void> {
    this.active = true;
    const now = this.ctx.clock.now();
    let watched = 0;
    for (const record of await this.runningTasks()) {
      const owner = record.lockedBy;
      const gone =
        owner === null ||
        owner === this.ctx.coordinator.nodeId ||
        this.ctx.coordinator.isGone(owner);
      if (gone) this.recorder.interrupted(record, INTERRUPTED_BY_RESTART);
      else if ((record.lockedUntil ?? 0) < now)
        this.recorder.interrupted(record, INTERRUPTED_LEASE_EXPIRED);
      else watched += 1;
    }
    this.watched = watched;
    this.arm();
  }

  async stop(): Promise<void> {
    this.active = false;
    this.ctx.timeline.cancel(this.entry);
    await this.ticking;
  }

  /** An attempt started here: its lease will need renewing. */
  attemptStarted(): void {
    this.arm();
  }

  /** A claim failed without an answer: look for what it may have taken once the store answers. */
  claimUnanswered(): void {
    this.strays = true;
    this.arm();
  }

  private arm(): void {
    if (!this.active || this.entry.armed) return;
    // With a shared store another instance may die at any time: its leases are always watched.
    const shared = this.ctx.coordinator.shared === true;
    if (!shared && this.dispatcher.runningCount === 0 && this.watched === 0 && !this.strays) return;
    this.ctx.timeline.schedule(this.entry, this.ctx.clock.now() + this.ctx.options.renewEveryMs);
  }

  private tick(): Promise<void> {
    this.ticking ??= (async () => {
      try {
        await this.renew();
        await this.releaseStrays();
        await this.recoverExpired();
      } catch (error) {
        // An outage is reported once by the store's health, not on every tick.
        if (!(error instanceof StoreUnavailableError)) {
          this.ctx.logger.error(`renewing or recovering leases failed: ${errorMessage(error)}`);
        }
      } finally {
        this.ticking = null;
        this.arm();
      }
    })();
    return this.ticking;
  }

  /** Extends this node's leases; an attempt whose lease is gone is aborted (someone else owns it). */
  private async renew(): Promise<void> {
    const attempts = this.dispatcher.runningAttempts();
    if (attempts.length === 0) return;
    const leases = attempts.map((attempt) => ({
      id: attempt.id,
      attempt: attempt.record.attempts,
    }));
    const { nodeId } = this.ctx.coordinator;
    const { leaseMs } = this.ctx.options;
    const held = await this.ctx.store.renewLeases(nodeId, leases, this.ctx.clock.now(), leaseMs);
    held.forEach((stillHeld, index) => {
      const attempt = attempts[index]!;
      if (stillHeld || !attempt.abort('lease-lost')) return;
      this.ctx.logger.warn(
        `task ${attempt.record.name} ${attempt.id} attempt ${attempt.record.attempts}: this node no longer holds it (recovered or cancelled elsewhere); its signal was aborted`,
      );
    });
  }

  /**
   * Hands back the tasks held for this node that it does not run. Claims are
   * held meanwhile, and the look waits for those in flight, so that a task
   * whose claim is still on its way is not mistaken for a stray.
   */
  private async releaseStrays(): Promise<void> {
    // While the store fails, looking would only fail too: wait until it answers again.
    if (!this.strays || this.ctx.storeHealth.failing) return;
    this.dispatcher.holdClaims();
    try {
      await this.dispatcher.whenClaimsAnswered();
      const { nodeId } = this.ctx.coordinator;
      const strays = (await this.runningTasks()).filter(
        (record) =>
          record.lockedBy === nodeId &&
          this.dispatcher.find(record.id)?.record.attempts !== record.attempts,
      );
      this.strays = false;
      if (strays.length === 0) return;
      this.ctx.logger.warn(
        `${strays.length} task(s) claimed for this node while the store failed to answer were handed back: ${strays
          .slice(0, 5)
          .map((record) => record.id)
          .join(', ')}${strays.length > 5 ? ', …' : ''}`,
      );
      await releaseUnstarted(this.ctx, strays);
      for (const record of strays) this.dispatcher.workAvailable(record.queue, record.scheduledAt);
    } finally {
      this.dispatcher.releaseClaims();
    }
  }

  /** Recovers running tasks whose lease ran out, and counts the ones still to watch. */
  private async recoverExpired(): Promise<void> {
    if (this.watched === 0 && this.ctx.coordinator.shared !== true) return;
    const expired = await this.ctx.store.findExpiredLeases(this.ctx.clock.now(), PAGE);
    for (const record of expired) {
      // A late renewal of one of our own attempts is not a death: the next renewal fixes it.
      const ours = this.dispatcher.find(record.id)?.record.attempts === record.attempts;
      if (!ours) this.recorder.interrupted(record, INTERRUPTED_LEASE_EXPIRED);
    }
    const running = (await this.ctx.store.countTasks())
      .filter((row) => row.status === 'running')
      .reduce((sum, row) => sum + row.count, 0);
    this.watched = Math.max(0, running - this.dispatcher.runningCount);
  }

  /** Every running task in the store, read before any is changed (paging a changing set skips rows). */
  private async runningTasks(): Promise<TaskRecord[]> {
    const tasks: TaskRecord[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.ctx.store.listTasks({ statuses: ['running'], limit: PAGE, offset });
      tasks.push(...page.tasks);
      if (page.tasks.length < PAGE) return tasks;
    }
  }
}
