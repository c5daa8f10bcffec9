import { afterEach, describe, expect, it } from '@jest/globals';
import { LocalCoordinator } from '../../../lib/coordination/local/local-coordinator.js';
import { GatedStore } from '../../utils/gated-store.js';
import { ManualClock } from '../../utils/manual-clock.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

/** A local coordinator whose fire claims are answered only when the test says so. */
class GatedCoordinator extends LocalCoordinator {
  private readonly waiting: (() => void)[] = [];

  override async claimFire(): Promise<boolean> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return true;
  }

  get claimsWaiting(): number {
    return this.waiting.length;
  }

  answerClaims(): void {
    for (const answer of this.waiting.splice(0)) answer();
  }
}

describe('a pause that resolves stops what was already on its way', () => {
  it('pauseQueue(): tasks of a claim still in flight do not start, and start after resume', async () => {
    const store = new GatedStore();
    const h = createHarness({ store, queues: { q: {} } });
    const handler = h.handler('task');
    await h.scheduler.start();
    await h.flush(); // the claim every queue gets at start is answered
    store.holdClaims();
    const id = await h.scheduler.enqueueToQueue('q', 'task');
    await h.flush();
    expect(store.claimsInFlight).toBe(1);

    await h.scheduler.pauseQueue('q');
    store.releaseClaims();
    await h.flush();

    expect(handler.runs).toHaveLength(0);
    expect(await h.task(id)).toMatchObject({ status: 'pending', attempts: 0, startedAt: null });
    expect(h.events.trail(id)).toEqual(['added:pending']);

    await h.scheduler.resumeQueue('q');
    await h.flush();
    expect(handler.runs.map((run) => run.attempt)).toEqual([1]);
    expect(await h.task(id)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('pauseSchedule(): a fire whose task is being written is reported before the pause resolves, none after', async () => {
    const store = new GatedStore();
    const h = createHarness({ store });
    h.handler('task', { hold: true });
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('10s', 'task', null, { id: 'every-10s' });
    store.holdAcks();
    await h.clock.advance(10_000);

    let firedBeforePause = -1;
    const pausing = h.scheduler.pauseSchedule('every-10s').then(() => (firedBeforePause = fires()));
    await h.flush();
    expect(firedBeforePause).toBe(-1); // the pause waits for the fire being written
    store.releaseAcks();
    await pausing;
    expect(firedBeforePause).toBe(1);

    await h.clock.advance(60_000);
    expect(fires()).toBe(1);

    function fires(): number {
      return h.events.events.filter((event) => event.type === 'schedule-fired').length;
    }
  });

  it('pauseSchedule() and cancelJob() of a schedule while a fire is being claimed: the fire is not created', async () => {
    const clock = new ManualClock(T0);
    const coordinator = new GatedCoordinator(clock, 'node-1');
    const h = createHarness({ clock, coordinator });
    const handler = h.handler('task');
    await h.scheduler.start();
    await h.scheduler.addRecurringJob('10s', 'task', null, { id: 'paused' });
    await h.scheduler.addRecurringJob('10s', 'task', null, { id: 'removed' });
    await h.clock.advance(10_000);
    expect(coordinator.claimsWaiting).toBe(2);

    const pausing = h.scheduler.pauseSchedule('paused');
    const removing = h.scheduler.cancelJob('removed');
    await h.flush();
    coordinator.answerClaims();
    await Promise.all([pausing, removing]);
    await h.flush();

    expect(handler.runs).toHaveLength(0);
    expect(h.events.events.filter((event) => event.type === 'schedule-fired')).toHaveLength(0);
    expect((await h.scheduler.getTasks()).total).toBe(0);
  });
});
