import { afterEach, describe, expect, it } from '@jest/globals';
import { StoreUnavailableError } from '../../../lib/core/errors.js';
import { FlakyStore } from '../../utils/flaky-store.js';
import { createHarness, stopHarnesses } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

const SECOND = 1_000;

describe('when the store goes away', () => {
  it('rejects an add with StoreUnavailableError naming the operation, and adds nothing', async () => {
    const store = new FlakyStore();
    const h = createHarness({ store });
    h.handler('job');
    await h.scheduler.start();
    store.down('insertTasks');
    const error = await h.scheduler.enqueue('job').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', operation: 'insertTasks' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('ECONNREFUSED');
    store.up();
    expect((await h.scheduler.getTasks()).total).toBe(0);
  });

  it('keeps the end of an attempt and writes it once the store is back: the task runs once', async () => {
    const store = new FlakyStore();
    const h = createHarness({ store });
    const job = h.handler('job', { hold: true });
    await h.scheduler.start();
    const id = await h.scheduler.enqueue('job');
    await h.clock.advance(0);
    store.down('updateTasks');
    job.runs[0]!.finish();
    await h.clock.advance(10 * SECOND);
    expect((await store.getTask(id))?.status).toBe('running');
    expect(store.failures.get('updateTasks')).toBeGreaterThan(1);

    store.up();
    await h.clock.advance(30 * SECOND);
    expect(await h.task(id)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(job.runs).toHaveLength(1);
  });

  it('logs an outage once, then sums up repeats, then says when the store answers again', async () => {
    const store = new FlakyStore();
    const h = createHarness({ store });
    h.handler('job');
    await h.scheduler.start();
    store.down('claimDue');
    await h.scheduler.enqueue('job');
    await h.clock.advance(5 * SECOND);
    expect(store.failures.get('claimDue')).toBeGreaterThanOrEqual(5);
    expect(h.logger.errors).toHaveLength(1);
    expect(h.logger.errors[0]).toContain('the task store failed during claimDue');

    await h.clock.advance(6 * SECOND);
    expect(h.logger.errors).toHaveLength(2);
    expect(h.logger.errors[1]).toMatch(/and \d+ more failed calls/);
    store.up();
    await h.clock.advance(2 * SECOND);
    expect(h.logger.lines.some((line) => line.message.includes('answers again'))).toBe(true);
    expect((await h.scheduler.getStats()).completed).toBe(1);
  });

  it('turns read failures into StoreUnavailableError', async () => {
    const store = new FlakyStore();
    const h = createHarness({ store });
    await h.scheduler.start();
    store.down('getTask', 'listTasks', 'countTasks');
    await expect(h.scheduler.getTask('some-id')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(h.scheduler.getTasks()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(h.scheduler.getStats()).rejects.toBeInstanceOf(StoreUnavailableError);
    store.up();
  });

  it('still shuts down when the store stays down, giving up its writes after shutdownTimeout', async () => {
    const store = new FlakyStore();
    const h = createHarness({ store, shutdownTimeout: '10s' });
    const job = h.handler('job', { hold: true });
    await h.scheduler.start();
    await h.scheduler.enqueue('job');
    await h.clock.advance(0);
    store.down();
    job.runs[0]!.finish();
    await h.shutdown();
    expect(h.logger.errors.length).toBeGreaterThan(0);
  });
});
