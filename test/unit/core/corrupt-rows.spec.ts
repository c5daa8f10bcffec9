import { afterEach, describe, expect, it } from '@jest/globals';
import { MemoryTaskStore } from '../../../lib/store/memory/memory-task-store.js';
import { insertRequest, taskRecord } from '../../contract/fixtures.js';
import { createHarness, stopHarnesses, T0 } from '../../utils/scheduler-harness.js';

afterEach(stopHarnesses);

/** A store holding one task whose payload is not JSON, as a row edited by hand would be. */
async function storeWithCorruptTask(): Promise<MemoryTaskStore> {
  const store = new MemoryTaskStore();
  await store.insertTasks([
    insertRequest([
      taskRecord({
        id: 'broken',
        name: 'work',
        payload: '{"to": "a@example.com", oops',
        createdAt: T0,
        scheduledAt: T0,
        maxRetries: 3,
      }),
    ]),
  ]);
  return store;
}

describe('a stored task whose payload is not valid JSON', () => {
  it('still lists and reads, with a null payload, instead of breaking every listing', async () => {
    // Not started: reads open the store without running anything.
    const h = createHarness({ store: await storeWithCorruptTask() });
    const listed = await h.scheduler.getTasks();
    expect(listed.tasks.map((task) => [task.id, task.payload])).toEqual([['broken', null]]);
    expect((await h.scheduler.getTask('broken'))?.payload).toBeNull();
  });

  it('fails when it runs, at once and without retries, with an error that says why', async () => {
    const h = createHarness({ store: await storeWithCorruptTask() });
    const handler = h.handler('work');
    await h.scheduler.start();
    await h.flush();
    await h.clock.advance(10);
    const task = await h.task('broken');
    expect(handler.runs).toHaveLength(0);
    expect(task.status).toBe('failed');
    expect(task.attempts).toBe(1);
    expect(task.error).toMatch(/stored payload is not valid JSON/);
  });
});
