/**
 * What a soak configures, in one place: the engine options are built from
 * it, and the invariants read it to know what each task should get (its
 * queue's workers, its timeout, its retry budget and delays).
 */
import type { HandlerOptions } from '../../../lib/core/handler.js';
import type { SchedulerOptions } from '../../../lib/core/options.js';
import type { BackoffKind } from '../../../lib/core/retry-policy.js';
import type { ChaosPayload } from './run-log.js';

export interface RetryModel {
  maxRetries: number;
  delayMs: number;
  backoff: BackoffKind;
  jitter: number;
  maxDelayMs: number;
}

export interface QueueModel {
  workers: number;
  maxSize: number;
  timeoutMs: number | null;
  retry: RetryModel;
}

export interface HandlerModel {
  queue?: string;
  retries?: number;
  timeoutMs?: number;
  priority?: number;
  /** Whether the handler has a shouldRetry() (refusing errors whose message starts with 'no-retry'). */
  shouldRetry: boolean;
}

export interface SoakModel {
  maxWorkers: number;
  queues: Record<string, QueueModel>;
  handlers: Record<string, HandlerModel>;
  abortGracePeriodMs: number;
  shutdownTimeoutMs: number;
  retention: { maxTasks: number; maxAgeMs: number };
}

/** The engine options of a model (durations given as strings and numbers alike, as users do). */
export function engineOptions(model: SoakModel): SchedulerOptions {
  const queues: SchedulerOptions['queues'] = {};
  for (const [name, queue] of Object.entries(model.queues)) {
    queues[name] = {
      workers: queue.workers,
      maxSize: queue.maxSize,
      ...(queue.timeoutMs === null ? {} : { timeout: `${queue.timeoutMs}ms` }),
      retryPolicy: {
        maxRetries: queue.retry.maxRetries,
        delay: queue.retry.delayMs,
        backoff: queue.retry.backoff,
        jitter: queue.retry.jitter,
        maxDelay: `${queue.retry.maxDelayMs}ms`,
      },
    };
  }
  return {
    maxWorkers: model.maxWorkers,
    queues,
    abortGracePeriod: model.abortGracePeriodMs,
    shutdownTimeout: model.shutdownTimeoutMs,
    retention: { maxTasks: model.retention.maxTasks, maxAge: model.retention.maxAgeMs },
  };
}

/** The handler options of a model's handler. */
export function handlerOptions(handler: HandlerModel): HandlerOptions {
  return {
    ...(handler.queue === undefined ? {} : { queue: handler.queue }),
    ...(handler.retries === undefined ? {} : { retries: handler.retries }),
    ...(handler.timeoutMs === undefined ? {} : { timeout: handler.timeoutMs }),
    ...(handler.priority === undefined ? {} : { priority: handler.priority }),
  };
}

/** The time limit of an attempt: the task's option, else the handler's, else its queue's. */
export function expectedTimeout(
  model: SoakModel,
  name: string,
  queue: string,
  payload: ChaosPayload | null,
): number | null {
  return payload?.t ?? model.handlers[name]?.timeoutMs ?? model.queues[queue]?.timeoutMs ?? null;
}

/** The retry budget of a task: the task's option, else the handler's, else its queue's. */
export function expectedMaxRetries(
  model: SoakModel,
  name: string,
  queue: string,
  payload: ChaosPayload | null,
): number | null {
  return (
    payload?.r ?? model.handlers[name]?.retries ?? model.queues[queue]?.retry.maxRetries ?? null
  );
}

/** The range a retry delay must fall in (DESIGN: base by backoff, capped, then spread by jitter). */
export function retryDelayRange(policy: RetryModel, retry: number): [number, number] {
  const factor =
    policy.backoff === 'fixed' ? 1 : policy.backoff === 'linear' ? retry : 2 ** (retry - 1);
  const capped = Math.min(policy.delayMs * factor, policy.maxDelayMs);
  return [
    Math.max(0, Math.floor(capped * (1 - policy.jitter))),
    Math.ceil(capped * (1 + policy.jitter)),
  ];
}

/** Whether the error a task recorded should have been retried (while its budget lasted). */
export function errorKind(
  model: SoakModel,
  name: string,
  message: string | null,
): 'retryable' | 'non-retryable' | 'unknown' {
  if (message === null) return 'unknown';
  if (message.startsWith('boom')) return 'retryable';
  if (/ timed out after \d+ ms\.$/.test(message)) return 'retryable';
  if (message.startsWith('fatal')) return 'non-retryable';
  if (message.startsWith('no-retry')) {
    return model.handlers[name]?.shouldRetry === true ? 'non-retryable' : 'retryable';
  }
  return 'unknown';
}
