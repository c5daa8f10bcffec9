/**
 * The store's share of the engine's hot path, measured on its own: each task
 * is one insert, one claim and one fenced completion with its attempt, all
 * written in batches as the engine writes them.
 */
import { performance } from 'node:perf_hooks';
import type { TaskStore, TaskUpdate } from '../../lib/store/task-store.js';
import { T0, attemptRecord, insertRequest, taskRecord } from '../contract/fixtures.js';

/** Runs `count` tasks through `store` in batches of `batch`; returns a line to print. */
export async function measureThroughput(
  store: TaskStore,
  count: number,
  batch: number,
): Promise<string> {
  const names = new Set(['job']);
  const tasks = Array.from({ length: count }, (_, i) =>
    taskRecord({ id: `throughput-${i}`, payload: `{"n":${i},"to":"someone@example.com"}` }),
  );
  const started = performance.now();
  for (let i = 0; i < count; i += batch) {
    // One request per task, each bounded by the queue's capacity, as the engine adds them.
    const requests = tasks
      .slice(i, i + batch)
      .map((task) => insertRequest([task], 'unless-active', { default: 1_000_000 }));
    await store.insertTasks(requests);
  }
  const inserted = performance.now();
  let claimMs = 0;
  let completeMs = 0;
  for (let done = 0; done < count;) {
    const claimStart = performance.now();
    const { tasks: claimed } = await store.claimDue({
      queue: 'default',
      limit: batch,
      now: T0 + 1,
      owner: 'bench',
      leaseMs: 30_000,
      names,
    });
    const completeStart = performance.now();
    claimMs += completeStart - claimStart;
    await store.updateTasks(claimed.map(completion));
    completeMs += performance.now() - completeStart;
    done += claimed.length;
  }
  const total = performance.now() - started;
  const rate = (ms: number): string => `${Math.round((count / ms) * 1000)}/s`;
  return (
    `${count} tasks in ${Math.round(total)} ms = ${rate(total)} end to end ` +
    `(insert ${rate(inserted - started)}, claim ${rate(claimMs)}, complete ${rate(completeMs)})`
  );
}

function completion(task: { id: string; attempts: number }): TaskUpdate {
  return {
    id: task.id,
    expect: { statuses: ['running'], owner: 'bench', attempt: task.attempts },
    set: {
      status: 'completed',
      completedAt: T0 + 5,
      error: null,
      lockedBy: null,
      lockedUntil: null,
    },
    appendAttempt: attemptRecord({ attempt: task.attempts, nodeId: 'bench' }),
  };
}
