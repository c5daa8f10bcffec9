import type { EngineContext } from './engine-context.js';
import { errorMessage } from './logger.js';
import { TimelineEntry } from './timeline.js';

/** Tasks removed per store call: small, so that no call holds the store for long. */
const PRUNE_BATCH = 500;

/**
 * Keeps finished tasks within `retention` (count and age): sweeps every
 * tenth of `maxAge` (between one second and one hour: an idle engine wakes
 * rarely), and at once when a tenth of `maxTasks` has finished since the
 * last sweep. Sweeps remove
 * small batches and yield between them, so the engine never waits on one.
 */
export class Retention {
  private readonly entry = new TimelineEntry(() => void this.sweep());
  private readonly intervalMs: number;
  private finishedSinceSweep = 0;
  private sweeping: Promise<void> | null = null;
  private active = false;

  constructor(private readonly ctx: EngineContext) {
    const { maxAgeMs } = ctx.options.retention;
    this.intervalMs = Math.min(3_600_000, Math.max(1_000, Math.floor(maxAgeMs / 10)));
  }

  start(): void {
    this.active = true;
    this.ctx.timeline.schedule(this.entry, this.ctx.clock.now() + this.intervalMs);
  }

  async stop(): Promise<void> {
    this.active = false;
    this.ctx.timeline.cancel(this.entry);
    await this.sweeping;
  }

  /** Counts a finished task; enough of them bring the next sweep forward. */
  noteFinished(): void {
    this.finishedSinceSweep += 1;
    const threshold = Math.max(100, Math.floor(this.ctx.options.retention.maxTasks / 10));
    if (this.active && this.finishedSinceSweep >= threshold && this.sweeping === null) {
      this.ctx.timeline.schedule(this.entry, this.ctx.clock.now());
    }
  }

  /** Removes what retention allows, batch by batch; one sweep at a time. */
  sweep(): Promise<void> {
    this.sweeping ??= this.prune().finally(() => {
      this.sweeping = null;
      if (this.active)
        this.ctx.timeline.schedule(this.entry, this.ctx.clock.now() + this.intervalMs);
    });
    return this.sweeping;
  }

  private async prune(): Promise<void> {
    this.finishedSinceSweep = 0;
    const { maxTasks, maxAgeMs } = this.ctx.options.retention;
    try {
      for (;;) {
        const removed = await this.ctx.store.prune({
          finishedBefore: this.ctx.clock.now() - maxAgeMs,
          keepNewest: maxTasks,
          batchSize: PRUNE_BATCH,
        });
        if (removed < PRUNE_BATCH) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.ctx.logger.error(`removing old finished tasks failed: ${errorMessage(error)}`);
    }
  }
}
