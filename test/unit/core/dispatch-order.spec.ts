import { afterEach, describe, expect, it } from '@jest/globals';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

describe('dispatch order within a queue', () => {
  it('runs higher priorities first and equal priorities in the order they were added', async () => {
    const h = createHarness({ maxWorkers: 1 });
    const gate = h.handler<{ n: string }>('gate', { hold: true });
    const work = h.handler<{ n: string }>('work');
    await h.scheduler.start();
    // The gate takes the only worker, so everything below waits and is ordered by the queue.
    await h.scheduler.enqueue('gate', { n: 'gate' });
    await h.clock.advance(0);
    for (const [n, priority] of [
      ['low-1', 0],
      ['high-1', 5],
      ['low-2', 0],
      ['mid-1', 2],
      ['high-2', 5],
      ['neg-1', -3],
      ['mid-2', 2],
    ] as const) {
      await h.scheduler.enqueue('work', { n }, { priority });
    }
    gate.runs[0]!.finish();
    await h.clock.advance(0);
    await h.flush();

    expect(work.runs.map((run) => run.payload.n)).toEqual([
      'high-1',
      'high-2',
      'mid-1',
      'mid-2',
      'low-1',
      'low-2',
      'neg-1',
    ]);
  });

  it('does not let a high-priority task that is not due yet hold back a due one', async () => {
    const h = createHarness({ maxWorkers: 1 });
    const work = h.handler<{ n: string }>('work');
    await h.scheduler.start();
    await h.scheduler.addDelayedJob(1_000, 'work', { n: 'urgent-later' }, { priority: 100 });
    await h.scheduler.enqueue('work', { n: 'ordinary-now' }, { priority: 0 });
    await h.clock.advance(0);

    expect(work.runs.map((run) => [run.payload.n, run.at - T0])).toEqual([['ordinary-now', 0]]);
    await h.clock.advance(1_000);
    expect(work.runs.map((run) => [run.payload.n, run.at - T0])).toEqual([
      ['ordinary-now', 0],
      ['urgent-later', 1_000],
    ]);
  });

  it('handler and per-add priorities combine: the add wins over the handler default', async () => {
    const h = createHarness({ maxWorkers: 1 });
    const gate = h.handler('gate', { hold: true });
    const important = h.handler<{ n: string }>('important', {}, { priority: 10 });
    await h.scheduler.start();
    await h.scheduler.enqueue('gate');
    await h.clock.advance(0);
    await h.scheduler.enqueue('important', { n: 'demoted' }, { priority: -1 });
    await h.scheduler.enqueue('important', { n: 'default-10' });
    const demoted = (await h.scheduler.getTasks({ name: 'important' })).tasks.map((t) => [
      t.payload,
      t.priority,
    ]);
    expect(demoted).toEqual([
      [{ n: 'default-10' }, 10],
      [{ n: 'demoted' }, -1],
    ]);
    gate.runs[0]!.finish();
    await h.clock.advance(0);
    await h.flush();
    expect(important.runs.map((run) => run.payload.n)).toEqual(['default-10', 'demoted']);
  });
});

describe('worker limits', () => {
  it("runs at most a queue's `workers` tasks of that queue at once", async () => {
    const h = createHarness({ maxWorkers: 10, queues: { narrow: { workers: 2 } } });
    const slow = h.handler('slow', { hold: true }, { queue: 'narrow' });
    await h.scheduler.start();
    for (let i = 0; i < 5; i += 1) await h.scheduler.enqueue('slow', { i });
    await h.clock.advance(0);

    expect(slow.runs).toHaveLength(2);
    const stats = await h.scheduler.getStats();
    expect(stats.queues.narrow).toMatchObject({ running: 2, pending: 3, workers: 2 });

    slow.runs[0]!.finish();
    await h.clock.advance(0);
    expect(slow.runs).toHaveLength(3);
    expect(slow.unsettled).toHaveLength(2);
  });

  it('caps tasks running at once across all queues at `maxWorkers`', async () => {
    const h = createHarness({
      maxWorkers: 3,
      queues: { a: { workers: 3 }, b: { workers: 3 } },
    });
    const inA = h.handler('in-a', { hold: true }, { queue: 'a' });
    const inB = h.handler('in-b', { hold: true }, { queue: 'b' });
    await h.scheduler.start();
    for (let i = 0; i < 3; i += 1) {
      await h.scheduler.enqueue('in-a', { i });
      await h.scheduler.enqueue('in-b', { i });
    }
    await h.clock.advance(0);
    await h.flush();

    expect(inA.runs.length + inB.runs.length).toBe(3);
    expect((await h.scheduler.getStats()).running).toBe(3);

    // Each finished task frees exactly one slot, whichever queue it was in.
    [...inA.runs, ...inB.runs][0]!.finish();
    await h.clock.advance(0);
    await h.flush();
    expect(inA.unsettled.length + inB.unsettled.length).toBe(3);
    expect(inA.runs.length + inB.runs.length).toBe(4);
  });

  it('serves queues in turn when they compete for the same worker', async () => {
    const h = createHarness({ maxWorkers: 1, queues: { a: {}, b: {}, c: {} } });
    const order: string[] = [];
    for (const queue of ['a', 'b', 'c']) {
      h.handler(`in-${queue}`, { work: () => void order.push(queue) }, { queue });
    }
    const gate = h.handler('gate', { hold: true }, { queue: 'a' });
    await h.scheduler.start();
    await h.scheduler.enqueue('gate');
    await h.clock.advance(0);
    for (let i = 0; i < 4; i += 1) {
      await h.scheduler.enqueue('in-a');
      await h.scheduler.enqueue('in-b');
      await h.scheduler.enqueue('in-c');
    }
    gate.runs[0]!.finish();
    await h.clock.advance(0);
    await h.flush(400);

    expect(order).toHaveLength(12);
    // Fair: no queue is served a second time before each other waiting queue was served once.
    for (let round = 0; round < 4; round += 1) {
      expect([...order.slice(round * 3, round * 3 + 3)].sort()).toEqual(['a', 'b', 'c']);
    }
  });

  it('gives a busy queue no more than its turn when two queues share the workers', async () => {
    const h = createHarness({ maxWorkers: 2, queues: { bulk: {}, interactive: {} } });
    const bulk = h.handler('bulk', { hold: true }, { queue: 'bulk' });
    const interactive = h.handler('interactive', { hold: true }, { queue: 'interactive' });
    await h.scheduler.start();
    for (let i = 0; i < 20; i += 1) await h.scheduler.enqueue('bulk', { i });
    await h.clock.advance(0);
    expect(bulk.runs).toHaveLength(2);

    await h.scheduler.enqueue('interactive');
    // The next freed slot goes to the queue that has had none.
    bulk.runs[0]!.finish();
    await h.clock.advance(0);
    await h.flush();
    expect(interactive.runs).toHaveLength(1);
    expect(bulk.runs).toHaveLength(2);
  });
});
