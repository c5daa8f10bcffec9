/**
 * W4's restart recovery on a durable store: with N delayed tasks stored,
 * 1,000 tasks that are due at once are added while the queue is paused, so
 * that they stay pending; the scheduler stops gracefully. A new Scheduler
 * over a new store on the same storage (a restarted process; the pause was
 * in memory and is gone) registers the handler, and we time start() until
 * it resolves, and the start() call until the last due task's `completed`
 * write committed: the whole recovery, which includes start().
 */
import type { Deployment, SilentLogger } from './deployment.js';
import { now } from './stats.js';

/** Tasks due at once when the scheduler restarts. */
export const DUE_TASKS = 1_000;
const QUEUE = 'default';
const TIMEOUT_MS = 120_000;

export interface RestartRun {
  /** The new scheduler's start() call until it resolved. */
  startMs: number;
  /** The start() call until the last due task completed. */
  recoveryMs: number;
}

/**
 * Restarts `deployment`, whose store holds `pending` delayed tasks; the
 * deployment is done afterwards (the restarted one is stopped here, which
 * disposes of the storage).
 */
export async function measureRestart(
  deployment: Deployment,
  pending: number,
  handler: () => void,
  loggers: SilentLogger[],
): Promise<RestartRun> {
  await deployment.client.pauseQueue(QUEUE);
  const adds = Array.from({ length: DUE_TASKS }, (_, seq) =>
    deployment.client.enqueue('noop', { seq }),
  );
  await Promise.all(adds);
  await expectPending(deployment, pending + DUE_TASKS, 'before the restart');
  const restarted = await deployment.restart();
  loggers.push(restarted.logger);
  try {
    restarted.registerHandler('noop', { execute: handler });
    const completed = restarted.completions.whenCompleted(DUE_TASKS, TIMEOUT_MS);
    const start = now();
    await restarted.start();
    const started = now();
    const end = await completed;
    await expectPending(restarted, pending, 'after the restart');
    return { startMs: started - start, recoveryMs: end - start };
  } finally {
    await restarted.stop();
  }
}

async function expectPending(deployment: Deployment, expected: number, when: string) {
  const { pending } = await deployment.client.getStats();
  if (pending !== expected) {
    throw new Error(`W4 restart: ${pending} tasks pending ${when}, expected ${expected}`);
  }
}
