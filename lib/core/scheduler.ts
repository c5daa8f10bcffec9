import type { Observable } from 'rxjs';
import type { Dispatcher } from './dispatcher.js';
import { parseDuration, type Duration } from './duration.js';
import { createEngineContext, type EngineContext } from './engine-context.js';
import { assembleEngine } from './engine-parts.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { warnAboutOrphans } from './orphans.js';
import { SchedulerStoppedError } from './errors.js';
import { EventBus, type SchedulerEvent } from './events.js';
import type { HandlerOptions, TaskHandler } from './handler.js';
import { resolveQueueConfig, type QueueConfig, type SchedulerOptions } from './options.js';
import type { Retention } from './retention.js';
import type {
  CronJobOptions,
  RecurringJobOptions,
  ScheduleDefinition,
} from './schedule-factory.js';
import type { ScheduleRunner } from './schedule-runner.js';
import { shutDown } from './shutdown.js';
import type { StatsReporter } from './stats-reporter.js';
import type { TaskAdder } from './task-adder.js';
import type { TaskCommands } from './task-commands.js';
import { bulkRequests, type AddRequest, type BulkJob, type JobOptions } from './task-factory.js';
import type {
  QueueInfo,
  ScheduleInfo,
  SchedulerStats,
  TaskFilter,
  TaskInfo,
  TaskList,
} from './types.js';

type Phase = 'created' | 'started' | 'stopping' | 'stopped';

/**
 * The scheduling engine, usable without Nest: register handlers, then
 * start(); add work; stop() drains. Every method that takes a task takes
 * its registered name.
 */
export class Scheduler {
  /** Lifecycle events of tasks, schedules and queues. */
  readonly events$: Observable<SchedulerEvent>;
  private readonly ctx: EngineContext;
  private readonly dispatcher: Dispatcher;
  private readonly commands: TaskCommands;
  private readonly adder: TaskAdder;
  private readonly schedules: ScheduleRunner;
  private readonly retention: Retention;
  private readonly reporter: StatsReporter;
  private readonly leases: LeaseKeeper;
  private readonly events = new EventBus();
  private phase: Phase = 'created';
  private opening: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: SchedulerOptions = {}) {
    this.ctx = createEngineContext(options, this.events, () => this.dispatcher.schedulePump());
    ({
      dispatcher: this.dispatcher,
      adder: this.adder,
      commands: this.commands,
      schedules: this.schedules,
      retention: this.retention,
      reporter: this.reporter,
      leases: this.leases,
    } = assembleEngine(this.ctx));
    this.events$ = this.events.events$;
  }

  /** This instance's node id. */
  get nodeId(): string {
    return this.ctx.coordinator.nodeId;
  }

  /** Registers the handler of a task name. */
  registerHandler<P>(
    name: string,
    handler: TaskHandler<P>,
    options?: HandlerOptions,
    origin?: string,
  ): void {
    this.ctx.handlers.register(name, handler as TaskHandler, options, origin);
  }

  /** Adds a queue at run time. @throws DuplicateNameError, InvalidQueueConfigError */
  createQueue(name: string, config: QueueConfig = {}): void {
    this.ctx.queues.add(resolveQueueConfig(name, config, this.ctx.options));
  }

  /** Opens the store and loads its schedules; start() calls it, and so does the first add. */
  init(): Promise<void> {
    this.opening ??= (async () => {
      await this.ctx.store.open();
      await this.ctx.coordinator.start(this.dispatcher);
      await this.schedules.load();
    })();
    return this.opening;
  }

  /** Starts firing schedules and running tasks. */
  async start(): Promise<void> {
    await this.init();
    if (this.phase !== 'created') return;
    this.ctx.handlers.assertQueuesExist(this.ctx.queues);
    this.phase = 'started';
    this.ctx.timeline.start();
    await this.leases.start();
    await warnAboutOrphans(this.ctx);
    this.schedules.start();
    this.dispatcher.start();
    this.retention.start();
  }

  /** Stops firing and starting; waits for running tasks up to `shutdownTimeout`, then aborts them. */
  stop(): Promise<void> {
    // Every caller waits for the one shutdown, however often stop() is called.
    this.stopping ??= (async () => {
      this.phase = 'stopping';
      await shutDown(this.ctx, {
        schedules: this.schedules,
        dispatcher: this.dispatcher,
        retention: this.retention,
        leases: this.leases,
      });
      this.events.complete();
      this.phase = 'stopped';
    })();
    return this.stopping;
  }

  addCronJob(
    expression: string,
    task: string,
    payload?: unknown,
    options?: CronJobOptions,
  ): Promise<string> {
    return this.upsertSchedule('cron', expression, task, payload, options);
  }

  addRecurringJob(
    interval: Duration,
    task: string,
    payload?: unknown,
    options?: RecurringJobOptions,
  ): Promise<string> {
    return this.upsertSchedule('recurring', interval, task, payload, options);
  }

  async addDelayedJob(
    delay: Duration,
    task: string,
    payload?: unknown,
    options?: JobOptions,
  ): Promise<string> {
    const delayMs = parseDuration(delay, 'delay');
    return this.addOne({ taskName: task, payload, options, delayMs });
  }

  addImmediateJob(task: string, payload?: unknown, options?: JobOptions): Promise<string> {
    return this.addOne({ taskName: task, payload, options });
  }

  enqueue(task: string, payload?: unknown, options?: JobOptions): Promise<string> {
    return this.addImmediateJob(task, payload, options);
  }

  enqueueToQueue(
    queue: string,
    task: string,
    payload?: unknown,
    options?: JobOptions,
  ): Promise<string> {
    return this.addImmediateJob(task, payload, { ...options, queue });
  }

  /** Adds many tasks at once: all are checked first, and none is added if one is invalid or a queue would overflow. */
  async enqueueBulk(jobs: readonly BulkJob[]): Promise<string[]> {
    const requests = bulkRequests(jobs);
    if (this.phase !== 'started') await this.ready('add tasks');
    return this.adder.add(requests);
  }

  /** Cancels a task (waiting or running) or a schedule (no further fires). */
  async cancelJob(id: string): Promise<void> {
    await this.ready('cancel a job');
    if (this.schedules.has(id)) return this.schedules.cancel(id);
    return this.commands.cancel(id);
  }

  /** Cancels a task (never a schedule of the same id). @throws TaskNotFoundError, InvalidStateError */
  async cancelTask(id: string): Promise<void> {
    await this.ready('cancel a task');
    return this.commands.cancel(id);
  }

  /** Removes a schedule: no further fires; runs already created go on. @throws ScheduleNotFoundError */
  async removeSchedule(id: string): Promise<void> {
    await this.ready('remove a schedule');
    return this.schedules.cancel(id);
  }

  /** Re-queues a failed or cancelled task as a fresh attempt. */
  async retryTask(id: string): Promise<void> {
    await this.ready('retry a task');
    return this.commands.retry(id);
  }

  /** The task with that id, or null. */
  async getTask(id: string): Promise<TaskInfo | null> {
    await this.ready('read tasks');
    return this.commands.get(id);
  }

  async getTasks(filter?: TaskFilter): Promise<TaskList> {
    await this.ready('read tasks');
    return this.commands.list(filter);
  }

  async getStats(): Promise<SchedulerStats> {
    await this.ready('read statistics');
    return this.reporter.stats();
  }

  async getSchedules(): Promise<ScheduleInfo[]> {
    await this.ready('read schedules');
    return this.schedules.list();
  }

  async pauseSchedule(id: string): Promise<void> {
    await this.ready('pause a schedule');
    return this.schedules.pause(id);
  }

  async resumeSchedule(id: string): Promise<void> {
    await this.ready('resume a schedule');
    return this.schedules.resume(id);
  }

  /** Runs a schedule's task once now; resolves to the new task's id. */
  async triggerSchedule(id: string): Promise<string> {
    await this.ready('trigger a schedule');
    return this.schedules.trigger(id);
  }

  /** Checks a schedule definition as adding it would, without adding it. */
  checkSchedule(definition: ScheduleDefinition): void {
    this.schedules.check(definition);
  }

  /**
   * Makes the stored decorator schedules match `definitions`: new ones are
   * added, changed ones updated, and ones no longer declared removed.
   */
  async reconcileSchedules(definitions: readonly ScheduleDefinition[]): Promise<void> {
    await this.ready('reconcile schedules');
    await this.schedules.reconcile(definitions);
  }

  async getQueues(): Promise<QueueInfo[]> {
    await this.ready('read queues');
    return this.reporter.queues();
  }

  /** Stops starting tasks of a queue; running ones finish, adds are still accepted. */
  async pauseQueue(name: string): Promise<void> {
    this.dispatcher.pauseQueue(name, true);
  }

  async resumeQueue(name: string): Promise<void> {
    this.dispatcher.pauseQueue(name, false);
  }

  /** The hot path: no promise layer beyond the write's once started; bad input rejects. */
  private addOne(request: AddRequest): Promise<string> {
    if (this.phase !== 'started') {
      return this.ready('add tasks').then(() => this.adder.addOne(request));
    }
    try {
      return this.adder.addOne(request);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async upsertSchedule(
    kind: 'cron' | 'recurring',
    rule: string | Duration,
    task: string,
    payload: unknown,
    options: (CronJobOptions & RecurringJobOptions) | undefined,
  ): Promise<string> {
    await this.ready('add a schedule');
    return this.schedules.upsert({ kind, rule, taskName: task, payload, options, source: 'api' });
  }

  private async ready(operation: string): Promise<void> {
    if (this.phase === 'stopped') throw new SchedulerStoppedError(operation);
    await this.init();
  }
}
