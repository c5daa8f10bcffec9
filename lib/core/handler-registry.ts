import { parsePositiveDuration } from './duration.js';
import {
  DuplicateNameError,
  InvalidArgumentError,
  UnknownQueueError,
  UnknownTaskError,
} from './errors.js';
import type { QueueRegistry } from './queue-registry.js';
import type { HandlerOptions, TaskHandler } from './handler.js';
import { LIMITS } from './options.js';
import { assertInteger, assertName, assertPriority } from './validation.js';

/** A handler with its options checked and resolved. */
export interface RegisteredHandler {
  name: string;
  handler: TaskHandler;
  queue: string | null;
  priority: number | null;
  maxRetries: number | null;
  timeoutMs: number | null;
  /** Who registered it (e.g. "provider EmailTask"), for messages about duplicates. */
  origin: string;
}

/** Task names and the handlers that run them. */
export class HandlerRegistry {
  private readonly byName = new Map<string, RegisteredHandler>();
  private nameSet: ReadonlySet<string> = new Set();

  /**
   * @throws DuplicateNameError naming both origins when the name is taken.
   * @throws InvalidArgumentError for a bad name, handler or option.
   */
  register(
    name: string,
    handler: TaskHandler,
    options: HandlerOptions = {},
    origin = `handler ${name}`,
  ): RegisteredHandler {
    assertName('task name', name);
    if (typeof handler?.execute !== 'function') {
      throw new InvalidArgumentError(
        `handler of ${name}`,
        handler,
        'it must have an execute() method',
      );
    }
    const existing = this.byName.get(name);
    if (existing !== undefined) {
      throw new DuplicateNameError(
        'task',
        name,
        `registered by ${existing.origin} and by ${origin}`,
      );
    }
    const registered: RegisteredHandler = {
      name,
      handler,
      queue:
        options.queue === undefined ? null : assertName(`queue of task ${name}`, options.queue),
      priority:
        options.priority === undefined
          ? null
          : assertPriority(`priority of task ${name}`, options.priority),
      maxRetries:
        options.retries === undefined
          ? null
          : assertInteger(`retries of task ${name}`, options.retries, 0, LIMITS.maxRetries),
      timeoutMs:
        options.timeout === undefined
          ? null
          : parsePositiveDuration(options.timeout, `timeout of task ${name}`),
      origin,
    };
    this.byName.set(name, registered);
    this.nameSet = new Set(this.byName.keys());
    return registered;
  }

  /** @throws UnknownTaskError */
  get(name: unknown): RegisteredHandler {
    const handler = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (handler === undefined) throw new UnknownTaskError(name);
    return handler;
  }

  find(name: string): RegisteredHandler | undefined {
    return this.byName.get(name);
  }

  /** The task names this node can run (claims ask only for these). */
  get names(): ReadonlySet<string> {
    return this.nameSet;
  }

  all(): RegisteredHandler[] {
    return [...this.byName.values()];
  }

  /**
   * Checked at start rather than at registration, so that a queue may be
   * created after its handlers are registered.
   * @throws UnknownQueueError naming the handler, the queue and the known queues.
   */
  assertQueuesExist(queues: QueueRegistry): void {
    for (const handler of this.byName.values()) {
      if (handler.queue === null || queues.has(handler.queue)) continue;
      throw new UnknownQueueError(
        handler.queue,
        queues.names(),
        `${handler.origin}, task ${JSON.stringify(handler.name)}`,
      );
    }
  }
}
