import { parseDuration, parsePositiveDuration, type Duration } from './duration.js';
import type { EngineContext } from './engine-context.js';
import { createTaskIdGenerator } from './task-ids.js';
import { InvalidArgumentError } from './errors.js';
import { LIMITS } from './options.js';
import { NO_ATTEMPTS, type TaskRecord } from './types.js';
import {
  assertId,
  assertInteger,
  assertName,
  assertPriority,
  serializePayload,
} from './validation.js';

/** Options of a single add (delayed, immediate, enqueue). */
export interface JobOptions {
  /** Makes the add idempotent: while a task with this id is unfinished, adding it again returns its id. */
  id?: string;
  /** Queue to run in; default the handler's queue, else 'default'. */
  queue?: string;
  /** Higher runs first within the queue (default the handler's, else 0). */
  priority?: number;
  /** Retries after the first attempt; default the handler's, else the queue's. */
  retries?: number;
  /** Per-attempt time limit; default the handler's, else the queue's. */
  timeout?: Duration;
}

const NO_OPTIONS: JobOptions = Object.freeze({});

/** One add, as the engine receives it. */
export interface AddRequest {
  taskName: string;
  payload?: unknown;
  options?: JobOptions;
  delayMs?: number;
}

/** One item of an `enqueueBulk` call. */
export interface BulkJob {
  task: string;
  payload?: unknown;
  opts?: JobOptions & { delay?: Duration };
}

/** The add requests of an `enqueueBulk` call. */
export function bulkRequests(jobs: readonly BulkJob[]): AddRequest[] {
  if (!Array.isArray(jobs)) throw new InvalidArgumentError('jobs', jobs, 'pass an array');
  return jobs.map(({ task, payload, opts }) => {
    // Copy the options only when there is a delay to take out of them.
    if (opts?.delay === undefined) return { taskName: task, payload, options: opts, delayMs: 0 };
    const { delay, ...options } = opts;
    return { taskName: task, payload, options, delayMs: parseDuration(delay, 'delay') };
  });
}

/**
 * Builds task records from adds, checking everything first: a request that
 * fails here has changed nothing.
 */
export class TaskFactory {
  private readonly nextId = createTaskIdGenerator();

  constructor(private readonly ctx: EngineContext) {}

  build(request: AddRequest, now: number): TaskRecord {
    const handler = this.ctx.handlers.get(request.taskName);
    const options = request.options ?? NO_OPTIONS;
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options', options, 'pass an object');
    }
    const queue = this.ctx.queues.get(
      options.queue === undefined
        ? (handler.queue ?? 'default')
        : assertName('queue', options.queue),
    );
    const payload = serializePayload(request.payload, this.ctx.options.maxPayloadBytes);
    const id = this.idFor(handler.handler.id?.bind(handler.handler), options.id, request.payload);
    return {
      id,
      name: handler.name,
      queue: queue.name,
      status: 'pending',
      payload,
      priority:
        options.priority === undefined
          ? (handler.priority ?? 0)
          : assertPriority('priority', options.priority),
      scheduleId: null,
      createdAt: now,
      scheduledAt: now + (request.delayMs ?? 0),
      startedAt: null,
      completedAt: null,
      error: null,
      attempts: 0,
      retryCount: 0,
      maxRetries:
        options.retries === undefined
          ? (handler.maxRetries ?? queue.config.retry.maxRetries)
          : assertInteger('retries', options.retries, 0, LIMITS.maxRetries),
      timeoutMs:
        options.timeout === undefined ? null : parsePositiveDuration(options.timeout, 'timeout'),
      nodeId: null,
      lockedBy: null,
      lockedUntil: null,
      history: NO_ATTEMPTS,
    };
  }

  private idFor(
    handlerId: ((payload: unknown) => string | undefined) | undefined,
    explicit: unknown,
    payload: unknown,
  ): string {
    if (explicit !== undefined) return assertId('id', explicit);
    const derived = handlerId?.(payload);
    return derived === undefined ? this.nextId() : assertId('id returned by id()', derived);
  }
}
