import type { EngineContext } from './engine-context.js';
import { errorMessage } from './logger.js';
import { TimelineEntry } from './timeline.js';

/** Tasks removed per store call when the engine is quiet: small, so that no call holds the store for long. */
const PRUNE_BATCH = 500;

/**
 * Keeps finished tasks within `retention` (count and age): sweeps every
 * tenth of `maxAge` (between one second and one hour: an idle engine wakes
 * rarely), and at once when a tenth of `maxTasks` has finished since the
 * last sweep. Sweeps remove batches (small when the engine is quiet, twice
 * what finished meanwhile when it is busy) and yield between them, so that
 * the engine never waits on one and retention keeps up with any load.
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
    if (this.active && this.sweeping === null && this.backlogged()) {
      this.ctx.timeline.schedule(this.entry, this.ctx.clock.now());
    }
  }

  /** Removes what retention allows, batch by batch; one sweep at a time. */
  sweep(): Promise<void> {
    this.sweeping ??= this.prune().finally(() => {
      this.sweeping = null;
      if (!this.active) return;
      // Tasks that finished during a long sweep start the next one at once.
      const wait = this.backlogged() ? 0 : this.intervalMs;
      this.ctx.timeline.schedule(this.entry, this.ctx.clock.now() + wait);
    });
    return this.sweeping;
  }

  private backlogged(): boolean {
    return this.finishedSinceSweep >= Math.max(100, this.ctx.options.retention.maxTasks / 10);
  }

  private async prune(): Promise<void> {
    const { maxTasks, maxAgeMs } = this.ctx.options.retention;
    try {
      for (;;) {
        // At least twice what finished since the last batch: removal outpaces a loaded engine.
        const batchSize = Math.max(PRUNE_BATCH, 2 * this.finishedSinceSweep);
        this.finishedSinceSweep = 0;
        const removed = await this.ctx.store.prune({
          finishedBefore: this.ctx.clock.now() - maxAgeMs,
          keepNewest: maxTasks,
          batchSize,
        });
        if (removed < batchSize) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.ctx.logger.error(`removing old finished tasks failed: ${errorMessage(error)}`);
    }
  }
}
