import type { Coordinator } from '../coordination/coordinator.js';
import { LocalCoordinator } from '../coordination/local/local-coordinator.js';
import { MemoryTaskStore } from '../store/memory/memory-task-store.js';
import type { TaskStore } from '../store/task-store.js';
import { systemClock, type Clock } from './clock.js';
import type { EventBus } from './events.js';
import { HandlerRegistry } from './handler-registry.js';
import { consoleLogger, errorMessage, type SchedulerLogger } from './logger.js';
import { resolveOptions, type ResolvedOptions, type SchedulerOptions } from './options.js';
import { QueueRegistry, type QueueRuntime } from './queue-registry.js';
import { Soon } from './soon.js';
import { StoreHealth } from './store-health.js';
import { guardStore } from './guarded-store.js';
import { Timeline } from './timeline.js';
import { WriteBatcher } from './write-batcher.js';

/** The services the engine's parts share; built once by the Scheduler. */
export interface EngineContext {
  readonly options: ResolvedOptions;
  /** The engine's clock: timers of the real (or virtual) clock, time of the coordinator. */
  readonly clock: Clock;
  /** The store, its failures turned into StoreUnavailableError. */
  readonly store: TaskStore;
  /** Whether the store answers; logs its outages. */
  readonly storeHealth: StoreHealth;
  readonly writer: WriteBatcher;
  readonly coordinator: Coordinator;
  readonly timeline: Timeline;
  readonly events: EventBus;
  readonly logger: SchedulerLogger;
  readonly queues: QueueRegistry;
  readonly handlers: HandlerRegistry;
  readonly random: () => number;
  /** Schedules engine work without starving I/O. */
  readonly soon: Soon;
}

/**
 * Builds the shared services from the engine options: defaults for the
 * store (memory), coordinator (local), clock (system) and logger (console).
 */
export function createEngineContext(
  options: SchedulerOptions,
  events: EventBus,
  onQueueWake: (queue: QueueRuntime) => void,
): EngineContext {
  const resolved = resolveOptions(options);
  const baseClock = options.clock ?? systemClock;
  const coordinator = options.coordinator ?? new LocalCoordinator(baseClock, options.nodeId);
  // Timers of the real (or virtual) clock, time of the coordinator: one notion of "now" for every node.
  const clock: Clock = {
    now: () => coordinator.now(),
    setTimer: (callback, delayMs) => baseClock.setTimer(callback, delayMs),
    clearTimer: (handle) => baseClock.clearTimer(handle),
    maxWaitMs: baseClock.maxWaitMs,
  };
  const logger = options.logger ?? consoleLogger;
  const health = new StoreHealth(logger, () => clock.now());
  const store = guardStore(options.store ?? new MemoryTaskStore(), health);
  const queues = new QueueRegistry(onQueueWake);
  const soon = new Soon();
  for (const queue of resolved.queues) queues.add(queue);
  const timeline = new Timeline(clock, (error) =>
    logger.error(`a timer callback failed: ${errorMessage(error)}`),
  );
  return {
    options: resolved,
    clock,
    store,
    storeHealth: health,
    writer: new WriteBatcher(store, soon, timeline, clock.now, (error) =>
      logger.error(`handling a store answer failed: ${errorMessage(error)}`),
    ),
    coordinator,
    timeline,
    events,
    logger,
    queues,
    handlers: new HandlerRegistry(),
    random: options.random ?? Math.random,
    soon,
  };
}
