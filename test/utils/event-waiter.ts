/**
 * Watching `scheduler.events$` in tests: record everything from the start,
 * or wait (with a real-time timeout, as a guard against hangs) for one event.
 */
import { filter, firstValueFrom, timeout, type Observable, type Subscription } from 'rxjs';
import type { SchedulerEvent, SchedulerEventType } from '../../lib/core/events.js';

/** What an awaited event must match. */
export interface EventMatch {
  type: SchedulerEventType;
  /** The id of the event's task. */
  taskId?: string;
}

function matches(event: SchedulerEvent, match: EventMatch): boolean {
  if (event.type !== match.type) return false;
  if (match.taskId === undefined) return true;
  return 'task' in event && event.task.id === match.taskId;
}

/**
 * Resolves with the first event matching `match` emitted after the call;
 * rejects after `timeoutMs` of real time with a message naming what was awaited.
 */
export function waitForEvent(
  events$: Observable<SchedulerEvent>,
  match: EventMatch,
  timeoutMs = 2_000,
): Promise<SchedulerEvent> {
  return firstValueFrom(
    events$.pipe(
      filter((event) => matches(event, match)),
      timeout({
        first: timeoutMs,
        with: () => {
          throw new Error(
            `no '${match.type}' event${match.taskId === undefined ? '' : ` for task ${match.taskId}`} within ${timeoutMs} ms`,
          );
        },
      }),
    ),
  );
}

/** Records every event of a stream from construction on. */
export class EventRecorder {
  readonly events: SchedulerEvent[] = [];
  private readonly subscription: Subscription;

  constructor(events$: Observable<SchedulerEvent>) {
    this.subscription = events$.subscribe((event) => this.events.push(event));
  }

  /** Events of one type, in order. */
  ofType<T extends SchedulerEventType>(type: T): Extract<SchedulerEvent, { type: T }>[] {
    return this.events.filter(
      (event): event is Extract<SchedulerEvent, { type: T }> => event.type === type,
    );
  }

  /** `type:status` of every event about one task, in order. */
  trail(taskId: string): string[] {
    return this.events
      .filter((event) => 'task' in event && event.task.id === taskId)
      .map((event) => `${event.type}:${'task' in event ? event.task.status : ''}`);
  }

  /** Events about one task, in order. */
  about(taskId: string): SchedulerEvent[] {
    return this.events.filter((event) => 'task' in event && event.task.id === taskId);
  }

  stop(): void {
    this.subscription.unsubscribe();
  }
}
