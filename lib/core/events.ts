import { Subject, type Observable } from 'rxjs';
import type { ScheduleInfo, TaskInfo } from './types.js';

/** Lifecycle events of a task; `task` is a snapshot taken when the event happened. */
export interface TaskEvent {
  type: 'added' | 'started' | 'completed' | 'failed' | 'retrying' | 'cancelled';
  task: TaskInfo;
  queue: string;
  at: Date;
}

/** A schedule fired and created `task`. */
export interface ScheduleFiredEvent {
  type: 'schedule-fired';
  schedule: ScheduleInfo;
  task: TaskInfo;
  queue: string;
  at: Date;
}

/** An add was refused because the queue was full. */
export interface QueueFullEvent {
  type: 'queue-full';
  queue: string;
  /** The task name that was refused. */
  taskName: string;
  maxSize: number;
  at: Date;
}

/** Everything `events$` emits, discriminated by `type`. */
export type SchedulerEvent = TaskEvent | ScheduleFiredEvent | QueueFullEvent;

/** Every event type. */
export type SchedulerEventType = SchedulerEvent['type'];

/**
 * The engine's event stream. Emitting costs nothing while nobody listens:
 * producers ask {@link EventBus.listening} before building snapshots.
 */
export class EventBus {
  private readonly subject = new Subject<SchedulerEvent>();

  /** Hot stream of events; subscribers see events from the moment they subscribe. */
  readonly events$: Observable<SchedulerEvent> = this.subject.asObservable();

  get listening(): boolean {
    return this.subject.observed;
  }

  emit(event: SchedulerEvent): void {
    this.subject.next(event);
  }

  complete(): void {
    this.subject.complete();
  }
}
