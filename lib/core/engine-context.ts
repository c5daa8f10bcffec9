import type { Coordinator } from '../coordination/coordinator.js';
import type { TaskStore } from '../store/task-store.js';
import type { Clock } from './clock.js';
import type { EventBus } from './events.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { SchedulerLogger } from './logger.js';
import type { ResolvedOptions } from './options.js';
import type { QueueRegistry } from './queue-registry.js';
import type { Timeline } from './timeline.js';
import type { WriteBatcher } from './write-batcher.js';

/** The services the engine's parts share; built once by the Scheduler. */
export interface EngineContext {
  readonly options: ResolvedOptions;
  /** The engine's clock: timers of the real (or virtual) clock, time of the coordinator. */
  readonly clock: Clock;
  readonly store: TaskStore;
  readonly writer: WriteBatcher;
  readonly coordinator: Coordinator;
  readonly timeline: Timeline;
  readonly events: EventBus;
  readonly logger: SchedulerLogger;
  readonly queues: QueueRegistry;
  readonly handlers: HandlerRegistry;
  readonly random: () => number;
}
