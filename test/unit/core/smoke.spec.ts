import { describe, expect, it } from '@jest/globals';
import { Scheduler } from '../../../lib/core/scheduler.js';
import { ManualClock } from '../../utils/manual-clock.js';

describe('smoke', () => {
  it('runs an immediate and a delayed task', async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({
      clock,
      logger: { log() {}, warn: console.warn, error: console.error },
    });
    const runs: string[] = [];
    scheduler.registerHandler('echo', {
      execute: (p: { n: number }, ctx) => {
        runs.push(`${p.n}@${ctx.attempt}`);
      },
    });
    await scheduler.start();
    const id = await scheduler.enqueue('echo', { n: 1 });
    await scheduler.addDelayedJob('5s', 'echo', { n: 2 });
    await clock.advance(0);
    expect(runs).toEqual(['1@1']);
    await clock.advance(4999);
    expect(runs).toEqual(['1@1']);
    await clock.advance(1);
    expect(runs).toEqual(['1@1', '2@1']);
    const info = await scheduler.getTask(id);
    expect(info?.status).toBe('completed');
    const stats = await scheduler.getStats();
    expect(stats.completed).toBe(2);
    await scheduler.stop();
  });
});
