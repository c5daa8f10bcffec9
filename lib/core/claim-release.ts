import type { EngineContext } from './engine-context.js';
import { errorMessage } from './logger.js';
import type { TaskRecord } from './types.js';

/**
 * Hands back tasks that were claimed but will not start here (dispatching
 * stopped while the claim was in flight): they wait again at once, and the
 * attempt that never started is not counted, so `attempts` stays "attempts
 * started" and no retry is used.
 */
export function releaseUnstarted(ctx: EngineContext, records: readonly TaskRecord[]): void {
  for (const record of records) {
    void ctx.writer
      .update({
        id: record.id,
        expect: { statuses: ['running'], owner: ctx.coordinator.nodeId, attempt: record.attempts },
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
      );
  }
}
