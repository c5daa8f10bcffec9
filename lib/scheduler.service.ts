import {
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { Duration } from './core/duration.js';
import type { SchedulerEvent } from './core/events.js';
import type { QueueConfig } from './core/options.js';
import type { CronJobOptions, RecurringJobOptions } from './core/schedule-factory.js';
import { Scheduler } from './core/scheduler.js';
import type { JobOptions } from './core/task-factory.js';
import type {
  QueueInfo,
  ScheduleInfo,
  SchedulerStats,
  TaskFilter,
  TaskInfo,
  TaskList,
} from './core/types.js';
import { TaskReferences, type TaskReference } from './task-references.js';

/** One item of {@link SchedulerService.enqueueBulk}. */
export interface BulkJobItem<P = unknown> {
  task: TaskReference<P>;
  payload?: P;
  opts?: JobOptions & { delay?: Duration };
}

/**
 * The scheduler, injectable anywhere. Tasks are named by handler class (the
 * payload type then follows the handler's) or by task name. Every add
 * resolves to the task (or schedule) id once the task is stored.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly engine: Scheduler,
    private readonly references: TaskReferences,
  ) {}

  /** Lifecycle events: added, started, completed, failed, retrying, cancelled, schedule-fired, queue-full. */
  get events$(): Observable<SchedulerEvent> {
    return this.engine.events$;
  }

  /** This instance's node id. */
  get nodeId(): string {
    return this.engine.nodeId;
  }

  /** @internal Starts the engine once every module is initialised. */
  async onApplicationBootstrap(): Promise<void> {
    await this.engine.start();
  }

  /** @internal Drains running tasks (up to `shutdownTimeout`) before the application closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.engine.stop();
  }

  /** Runs a task on a cron schedule; resolves to the schedule id. */
  async addCronJob<P>(
    expression: string,
    task: TaskReference<P>,
    payload?: P,
    options?: CronJobOptions,
  ): Promise<string> {
    return this.engine.addCronJob(expression, this.nameOf(task), payload, options);
  }

  /** Runs a task every `interval` at a fixed rate; resolves to the schedule id. */
  async addRecurringJob<P>(
    interval: Duration,
    task: TaskReference<P>,
    payload?: P,
    options?: RecurringJobOptions,
  ): Promise<string> {
    return this.engine.addRecurringJob(interval, this.nameOf(task), payload, options);
  }

  /** Runs a task once, after `delay`; resolves to the task id. */
  async addDelayedJob<P>(
    delay: Duration,
    task: TaskReference<P>,
    payload?: P,
    options?: JobOptions,
  ): Promise<string> {
    return this.engine.addDelayedJob(delay, this.nameOf(task), payload, options);
  }

  /** Runs a task as soon as a worker is free; resolves to the task id. */
  async addImmediateJob<P>(
    task: TaskReference<P>,
    payload?: P,
    options?: JobOptions,
  ): Promise<string> {
    return this.engine.addImmediateJob(this.nameOf(task), payload, options);
  }

  /** Same as addImmediateJob: queues a task in its handler's queue (or `options.queue`). */
  async enqueue<P>(task: TaskReference<P>, payload?: P, options?: JobOptions): Promise<string> {
    return this.engine.enqueue(this.nameOf(task), payload, options);
  }

  /** Queues a task in the named queue. */
  async enqueueToQueue<P>(
    queue: string,
    task: TaskReference<P>,
    payload?: P,
    options?: JobOptions,
  ): Promise<string> {
    return this.engine.enqueueToQueue(queue, this.nameOf(task), payload, options);
  }

  /** Adds many tasks at once: all are checked first, and none is added if one is invalid or a queue would overflow. */
  async enqueueBulk(items: readonly BulkJobItem[]): Promise<string[]> {
    return this.engine.enqueueBulk(
      items.map((item) => ({ ...item, task: this.nameOf(item.task) })),
    );
  }

  /** Adds a queue at run time. */
  createQueue(name: string, config: QueueConfig = {}): void {
    this.engine.createQueue(name, config);
  }

  /** Cancels a task (waiting or running: its signal aborts) or a schedule (no further fires). */
  cancelJob(id: string): Promise<void> {
    return this.engine.cancelJob(id);
  }

  /** Cancels a task, never a schedule of the same id. @throws TaskNotFoundError, InvalidStateError */
  cancelTask(id: string): Promise<void> {
    return this.engine.cancelTask(id);
  }

  /** Removes a schedule (no further fires), never a task of the same id. @throws ScheduleNotFoundError */
  removeSchedule(id: string): Promise<void> {
    return this.engine.removeSchedule(id);
  }

  /** Re-queues a failed or cancelled task as a fresh attempt. */
  retryTask(id: string): Promise<void> {
    return this.engine.retryTask(id);
  }

  getTask(id: string): Promise<TaskInfo | null> {
    return this.engine.getTask(id);
  }

  getTasks(filter?: TaskFilter): Promise<TaskList> {
    return this.engine.getTasks(filter);
  }

  getStats(): Promise<SchedulerStats> {
    return this.engine.getStats();
  }

  getSchedules(): Promise<ScheduleInfo[]> {
    return this.engine.getSchedules();
  }

  pauseSchedule(id: string): Promise<void> {
    return this.engine.pauseSchedule(id);
  }

  resumeSchedule(id: string): Promise<void> {
    return this.engine.resumeSchedule(id);
  }

  /** Runs a schedule's task once now; resolves to the task id. */
  triggerSchedule(id: string): Promise<string> {
    return this.engine.triggerSchedule(id);
  }

  getQueues(): Promise<QueueInfo[]> {
    return this.engine.getQueues();
  }

  pauseQueue(name: string): Promise<void> {
    return this.engine.pauseQueue(name);
  }

  resumeQueue(name: string): Promise<void> {
    return this.engine.resumeQueue(name);
  }

  private nameOf(task: TaskReference<never> | unknown): string {
    return this.references.nameOf(task);
  }
}
