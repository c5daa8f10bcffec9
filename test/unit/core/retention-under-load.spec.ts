import { describe, expect, it } from '@jest/globals';
import type { EngineContext } from '../../../lib/core/engine-context.js';
import { resolveOptions } from '../../../lib/core/options.js';
import { Retention } from '../../../lib/core/retention.js';
import { Timeline } from '../../../lib/core/timeline.js';
import type { PruneRule } from '../../../lib/store/task-store.js';
import { ManualClock } from '../../utils/manual-clock.js';

/** A store that only counts finished tasks and removes what a prune allows. */
class FinishedCounter {
  finished = 0;
  readonly batches: number[] = [];
  constructor(private readonly keep: number) {}
  async prune(rule: PruneRule): Promise<number> {
    const removed = Math.min(rule.batchSize, Math.max(0, this.finished - this.keep));
    this.finished -= removed;
    this.batches.push(rule.batchSize);
    return removed;
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('retention under sustained load', () => {
  it('removes at least as many finished tasks per turn as finish, so they stay near maxTasks', async () => {
    const clock = new ManualClock();
    const store = new FinishedCounter(1_000);
    const ctx = {
      options: resolveOptions({ retention: { maxTasks: 1_000 } }),
      clock,
      store,
      timeline: new Timeline(clock, () => undefined),
      logger: { log() {}, warn() {}, error() {} },
    } as unknown as EngineContext;
    ctx.timeline.start();
    const retention = new Retention(ctx);
    retention.start();
    const excess: number[] = [];
    // An engine finishing 2,000 tasks every event-loop turn, for 50 turns.
    for (let i = 0; i < 50; i += 1) {
      for (let n = 0; n < 2_000; n += 1) {
        store.finished += 1;
        retention.noteFinished();
      }
      await clock.advance(0);
      await turn();
      excess.push(store.finished - 1_000);
    }
    expect(Math.max(...excess.slice(5))).toBeLessThanOrEqual(2 * 2_000);
    expect(Math.max(...store.batches)).toBeGreaterThanOrEqual(2_000);
    await retention.stop();
  });
});
