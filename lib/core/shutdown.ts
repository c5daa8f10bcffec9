import type { Dispatcher } from './dispatcher.js';
import type { EngineContext } from './engine-context.js';
import { StoreUnavailableError } from './errors.js';
import { errorMessage } from './logger.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { Retention } from './retention.js';
import type { ScheduleRunner } from './schedule-runner.js';
import { TimelineEntry } from './timeline.js';

/** The parts a shutdown stops, in order. */
export interface ShutdownParts {
  schedules: ScheduleRunner;
  dispatcher: Dispatcher;
  retention: Retention;
  leases: LeaseKeeper;
}

/**
 * Graceful shutdown: stop firing schedules and starting tasks; wait for
 * running tasks up to `shutdownTimeout`; abort the rest (their grace period
 * bounds the wait, and their tasks go back to waiting without using a
 * retry); then flush every write and release the store and coordinator.
 */
export async function shutDown(ctx: EngineContext, parts: ShutdownParts): Promise<void> {
  parts.schedules.stop();
  parts.dispatcher.stop();
  await parts.retention.stop();
  // Tasks claimed by a claim still unanswered are handed back before the store closes.
  await parts.dispatcher.whenClaimsAnswered();
  const timedOut = await waitOrTimeout(
    ctx,
    parts.dispatcher.whenIdle(),
    ctx.options.shutdownTimeoutMs,
  );
  if (timedOut) {
    const aborted = parts.dispatcher.abortAll('shutdown');
    ctx.logger.warn(
      `shutdown: ${aborted} task(s) still running after ${ctx.options.shutdownTimeoutMs} ms were aborted and will run again`,
    );
    await parts.dispatcher.whenIdle();
  }
  // Leases are kept until the last attempt has ended; the interrupted ones were handed back.
  await parts.leases.stop();
  // Writes the store could not take (it is down) are retried until the shutdown timeout, then given up.
  if (await waitOrTimeout(ctx, ctx.writer.drain(), ctx.options.shutdownTimeoutMs)) {
    ctx.writer.abandon(new StoreUnavailableError('shutdown', 'the store did not answer in time'));
  }
  ctx.timeline.clear();
  ctx.timeline.stop();
  await closeQuietly(ctx, 'coordinator', () => ctx.coordinator.stop());
  await closeQuietly(ctx, 'store', () => ctx.store.close());
}

/** Resolves to true if `ms` passed before `promise` settled; the wait is a timeline entry, not a timer of its own. */
function waitOrTimeout(ctx: EngineContext, promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const deadline = new TimelineEntry(() => resolve(true));
    ctx.timeline.schedule(deadline, ctx.clock.now() + ms);
    void promise.then(() => {
      ctx.timeline.cancel(deadline);
      resolve(false);
    });
  });
}

async function closeQuietly(
  ctx: EngineContext,
  what: string,
  close: () => Promise<void>,
): Promise<void> {
  try {
    await close();
  } catch (error) {
    ctx.logger.error(`shutdown: closing the ${what} failed: ${errorMessage(error)}`);
  }
}
