import type { EngineContext } from './engine-context.js';
import { errorMessage } from './logger.js';
import type { TaskRecord } from './types.js';

/**
 * Hands back tasks that were claimed but will not start here (dispatching
 * stopped, or their queue was paused, while the claim was in flight): they
 * wait again at once, and the attempt that never started is not counted, so
 * `attempts` stays "attempts started" and no retry is used. Resolves when
 * every hand-back is written (or has failed and been logged).
 */
export function releaseUnstarted(
  ctx: EngineContext,
  records: readonly TaskRecord[],
): Promise<unknown> {
  return Promise.all(
    records.map((record) =>
      ctx.writer
        .update({
          id: record.id,
          expect: {
            statuses: ['running'],
            owner: ctx.coordinator.nodeId,
            attempt: record.attempts,
          },
          set: {
            status: 'pending',
            attempts: record.attempts - 1,
            startedAt: null,
            lockedBy: null,
            lockedUntil: null,
          },
        })
        .catch((error: unknown) =>
          ctx.logger.error(`handing back task ${record.id} failed: ${errorMessage(error)}`),
        ),
    ),
  );
}
