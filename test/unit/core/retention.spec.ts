import { afterEach, describe, expect, it } from '@jest/globals';
import { createHarness, stopHarnesses } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

const MINUTE = 60_000;

describe('retention of finished tasks', () => {
  it('removes the oldest finished tasks beyond maxTasks and keeps the newest', async () => {
    const h = createHarness({ retention: { maxTasks: 3, maxAge: '7d' } });
    h.handler('job');
    await h.scheduler.start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push(await h.scheduler.enqueue('job', { i }));
      await h.clock.advance(1_000);
    }
    expect((await h.scheduler.getTasks()).total).toBe(5);

    // Sweeps run at least once an hour (sooner once a tenth of maxTasks, at least 100, finished).
    await h.clock.advance(59 * MINUTE);
    expect((await h.scheduler.getTasks()).total).toBe(5);
    await h.clock.advance(MINUTE);
    expect(await h.scheduler.getTask(ids[0]!)).toBeNull();
    expect(await h.scheduler.getTask(ids[1]!)).toBeNull();
    for (const id of ids.slice(2)) expect(await h.scheduler.getTask(id)).not.toBeNull();
    const stats = await h.scheduler.getStats();
    expect(stats).toMatchObject({ completed: 3, total: 3 });
  });

  it('removes finished tasks older than maxAge, whatever their status', async () => {
    const h = createHarness({ retention: { maxTasks: 1_000, maxAge: '10s' } });
    h.handler('ok');
    h.handler('bad', {
      work: () => {
        throw new Error('no');
      },
    });
    await h.scheduler.start();
    const completed = await h.scheduler.enqueue('ok');
    const failed = await h.scheduler.enqueue('bad');
    const cancelled = await h.scheduler.addDelayedJob('1h', 'ok');
    await h.scheduler.cancelJob(cancelled);
    await h.clock.advance(5_000);
    const younger = await h.scheduler.enqueue('ok');
    await h.clock.advance(5_000);

    // At exactly maxAge the first three are not yet older than maxAge.
    for (const id of [completed, failed, cancelled, younger]) {
      expect(await h.scheduler.getTask(id)).not.toBeNull();
    }
    await h.clock.advance(1_000);
    expect(await h.scheduler.getTask(completed)).toBeNull();
    expect(await h.scheduler.getTask(failed)).toBeNull();
    expect(await h.scheduler.getTask(cancelled)).toBeNull();
    expect((await h.task(younger)).status).toBe('completed');

    await h.clock.advance(5_000);
    expect(await h.scheduler.getTask(younger)).toBeNull();
  });

  it('never removes tasks that are waiting or running, however old', async () => {
    const h = createHarness({ retention: { maxTasks: 0, maxAge: '1s' } });
    const slow = h.handler('slow', { hold: true });
    h.handler('later');
    await h.scheduler.start();
    const running = await h.scheduler.enqueue('slow');
    const waiting = await h.scheduler.addDelayedJob('1h', 'later');
    await h.clock.advance(10 * MINUTE);

    expect((await h.task(running)).status).toBe('running');
    expect((await h.task(waiting)).status).toBe('pending');
    slow.runs[0]!.finish();
    await h.clock.advance(2_000);
    expect(await h.scheduler.getTask(running)).toBeNull();
    expect((await h.task(waiting)).status).toBe('pending');
  });
});
