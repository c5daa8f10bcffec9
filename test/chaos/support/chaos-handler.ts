/**
 * The handlers of a soak: each attempt follows a plan (succeed, fail, throw
 * NonRetryableError, hang past its timeout...) that the soak derives from
 * its seed, takes its time on the soak's clock, honours its signal (at once
 * or after a delay shorter than the grace period), and records its entry,
 * its abort and its exit in the run log.
 */
import type { Clock } from '../../../lib/core/clock.js';
import { NonRetryableError } from '../../../lib/core/attempt-errors.js';
import type { TaskContext, TaskHandler } from '../../../lib/core/handler.js';
import type { ChaosPayload, Plan, RunLog } from './run-log.js';

/** Chooses what one attempt does. */
export type Planner = (name: string, payload: ChaosPayload, ctx: TaskContext) => Plan;

/** What the handlers share: the clock they take their time on, the log, the planner. */
export interface ChaosWorld {
  clock: Clock;
  log: RunLog;
  plan: Planner;
}

function failure(outcome: Plan['outcome'], ctx: TaskContext): Error {
  const what = `${ctx.taskId} attempt ${ctx.attempt}`;
  if (outcome === 'fatal') return new NonRetryableError(`fatal: ${what}`);
  if (outcome === 'no-retry') return new Error(`no-retry: ${what}`);
  return new Error(`boom: ${what}`);
}

function reasonCode(reason: unknown): { code: string; timeoutMs: number | null } {
  const { code, timeoutMs } = (reason ?? {}) as { code?: unknown; timeoutMs?: unknown };
  return {
    code: typeof code === 'string' ? code : typeof reason,
    timeoutMs: typeof timeoutMs === 'number' ? timeoutMs : null,
  };
}

export class ChaosHandler implements TaskHandler<ChaosPayload> {
  /** Present only on handlers that refuse 'no-retry' errors. */
  readonly shouldRetry?: (error: unknown) => boolean;

  constructor(
    private readonly name: string,
    private readonly world: ChaosWorld,
    refusesNoRetry: boolean,
  ) {
    if (refusesNoRetry) {
      this.shouldRetry = (error) =>
        !(error instanceof Error && error.message.startsWith('no-retry'));
    }
  }

  execute(payload: ChaosPayload, ctx: TaskContext): unknown {
    const { clock, log } = this.world;
    const plan = this.world.plan(this.name, payload, ctx);
    const { taskId, attempt, queue } = ctx;
    log.push({
      kind: 'enter',
      taskId,
      attempt,
      name: this.name,
      queue,
      scheduledAt: ctx.scheduledAt.getTime(),
      scheduleId: ctx.scheduleId,
      payload,
      plan,
    });
    if (plan.sync) {
      const rejected = plan.outcome !== 'succeed';
      log.push({
        kind: 'exit',
        taskId,
        attempt,
        queue,
        result: rejected ? 'rejected' : 'resolved',
      });
      if (rejected) throw failure(plan.outcome, ctx);
      return attempt;
    }
    const signal = ctx.signal;
    return new Promise<void>((resolve, reject) => {
      let done = false;
      let stopTimer: unknown;
      const finish = (error?: unknown): void => {
        if (done) return;
        done = true;
        clock.clearTimer(workTimer);
        if (stopTimer !== undefined) clock.clearTimer(stopTimer);
        log.push({
          kind: 'exit',
          taskId,
          attempt,
          queue,
          result: error === undefined ? 'resolved' : 'rejected',
        });
        if (error === undefined) resolve();
        else reject(error);
      };
      const workTimer = clock.setTimer(
        () => finish(plan.outcome === 'succeed' ? undefined : failure(plan.outcome, ctx)),
        plan.durationMs,
      );
      signal.addEventListener(
        'abort',
        () => {
          const { code, timeoutMs } = reasonCode(signal.reason);
          log.push({ kind: 'abort', taskId, attempt, reason: code, timeoutMs });
          const stop = (): void => finish(plan.onAbort === 'resolve' ? undefined : signal.reason);
          if (plan.honourDelayMs === 0) stop();
          else stopTimer = clock.setTimer(stop, plan.honourDelayMs);
        },
        { once: true },
      );
    });
  }
}
