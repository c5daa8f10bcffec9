/**
 * Random operations on a scheduler through its public API, each logged in
 * the run log with what the event stream predicted for its target, so that
 * the invariants can judge its outcome afterwards.
 */
import type { Scheduler } from '../../../lib/core/scheduler.js';
import type { BulkJob, JobOptions } from '../../../lib/core/task-factory.js';
import type { MisfirePolicy, OverlapPolicy, TaskStatus } from '../../../lib/core/types.js';
import type { Random } from './prng.js';
import type { ChaosPayload, OpName, RunLog } from './run-log.js';
import type { ScheduleModel } from './schedule-invariants.js';

/** The operations the driver picks from, by weight. */
export type OpKind =
  | 'add'
  | 'add-delayed'
  | 'add-with-id'
  | 'add-invalid'
  | 'bulk'
  | 'cancel'
  | 'retry'
  | 'cancel-then-retry'
  | 'schedule-add'
  | 'schedule-pause'
  | 'schedule-resume'
  | 'schedule-trigger'
  | 'schedule-cancel'
  | 'queue-pause'
  | 'queue-resume'
  | 'concurrent';

export interface DriverConfig {
  handlers: readonly string[];
  queues: readonly string[];
  weights: Partial<Record<OpKind, number>>;
  /** Draws the delay of a delayed add, in ms. */
  delayMs: (random: Random) => number;
  /** Draws a per-task `timeout` option, in ms. */
  timeoutMs: (random: Random) => number;
  /** Cron rules to pick from: expression and the period of its fires. */
  crons: readonly (readonly [string, number])[];
  /** Recurring intervals to pick from, in ms. */
  intervals: readonly number[];
  /** Live schedules at most. */
  maxSchedules: number;
  /** Ids `job-0` … that adds with ids draw from, so that some collide. */
  idPool: number;
}

/** What the driver knows of a schedule it added. */
interface DriverSchedule {
  model: ScheduleModel;
  cancelled: boolean;
}

export class OperationDriver {
  /** Every task id an add, a trigger or a fire produced. */
  readonly known = new Set<string>();
  readonly schedules: DriverSchedule[] = [];
  readonly pausedQueues = new Set<string>();
  private nextKey = 1;
  private nextBulk = 1;
  private nextSchedule = 1;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly log: RunLog,
    private readonly random: Random,
    private readonly config: DriverConfig,
    private readonly now: () => number,
  ) {}

  /** One random operation (or a few at once, for 'concurrent'). */
  async randomOp(): Promise<void> {
    const entries = Object.entries(this.config.weights) as [OpKind, number][];
    const kind = this.random.weighted(entries);
    if (kind === 'concurrent') {
      await this.concurrentOps();
      return;
    }
    await this.run(kind, false);
  }

  /** Schedule models, for the schedule invariants. */
  scheduleModels(): ScheduleModel[] {
    return this.schedules.map((schedule) => schedule.model);
  }

  liveSchedules(): string[] {
    return this.schedules.filter((s) => !s.cancelled).map((s) => s.model.id);
  }

  async pauseSchedule(id: string): Promise<void> {
    await this.log.op('schedule-pause', id, () => this.scheduler.pauseSchedule(id), {
      predicted: this.scheduleState(id),
    });
  }

  async resumeSchedule(id: string): Promise<void> {
    await this.log.op('schedule-resume', id, () => this.scheduler.resumeSchedule(id), {
      predicted: this.scheduleState(id),
    });
  }

  async cancelSchedule(id: string): Promise<void> {
    const predicted = this.scheduleState(id);
    const outcome = await this.log.op('schedule-cancel', id, () => this.scheduler.cancelJob(id), {
      predicted,
    });
    if (outcome.ok) this.schedules.find((s) => s.model.id === id)!.cancelled = true;
  }

  async pauseQueue(queue: string): Promise<void> {
    await this.log.op('queue-pause', queue, () => this.scheduler.pauseQueue(queue));
    this.pausedQueues.add(queue);
  }

  async resumeQueue(queue: string): Promise<void> {
    await this.log.op('queue-resume', queue, () => this.scheduler.resumeQueue(queue));
    this.pausedQueues.delete(queue);
  }

  /** Adds one task with a payload of the caller's choosing (e.g. a forced behaviour). */
  async addForced(name: string, queue: string, payload: ChaosPayload): Promise<void> {
    await this.addTask(
      () => this.scheduler.enqueueToQueue(queue, name, payload),
      null,
      undefined,
      false,
    );
  }

  /** Adds a schedule; returns its id. */
  async addSchedule(
    spec: {
      kind: 'cron' | 'recurring';
      rule: string | number;
      periodMs: number;
      name: string;
      overlap: OverlapPolicy;
      misfire?: MisfirePolicy;
      maxCatchUp?: number;
      paused?: boolean;
      immediate?: boolean;
      queue?: string;
      payload?: ChaosPayload;
    },
    id = `sched-${this.nextSchedule++}`,
  ): Promise<string> {
    const createdAt = this.now();
    const options = {
      id,
      overlap: spec.overlap,
      misfire: spec.misfire ?? 'run-once',
      maxCatchUp: spec.maxCatchUp ?? 10,
      paused: spec.paused ?? false,
      ...(spec.queue === undefined ? {} : { queue: spec.queue }),
    };
    const payload = spec.payload ?? { s: this.nextSchedule };
    const outcome = await this.log.op('schedule-add', id, () =>
      spec.kind === 'cron'
        ? this.scheduler.addCronJob(spec.rule as string, spec.name, payload, {
            ...options,
            timeZone: 'UTC',
          })
        : this.scheduler.addRecurringJob(spec.rule, spec.name, payload, {
            ...options,
            immediate: spec.immediate ?? false,
          }),
    );
    if (outcome.ok) {
      this.schedules.push({
        model: {
          id,
          kind: spec.kind,
          periodMs: spec.periodMs,
          immediate: spec.kind === 'recurring' && spec.immediate === true,
          overlap: spec.overlap,
          createdAt,
          pausedAtStart: spec.paused ?? false,
        },
        cancelled: false,
      });
    }
    return id;
  }

  private async concurrentOps(): Promise<void> {
    const { random } = this;
    const ops: Promise<void>[] = [];
    const shape = random.int(0, 2);
    if (shape === 0) {
      // The same id added several times at once: one task, every call resolving to its id.
      const id = `job-${random.int(0, this.config.idPool - 1)}`;
      for (let i = random.int(2, 4); i > 0; i -= 1) ops.push(this.add('add-with-id', true, id));
    } else if (shape === 1) {
      // A cancel and a retry of the same task racing.
      const id = this.pickTask(['failed', 'cancelled', 'pending', 'retrying', 'running']);
      ops.push(this.cancel(true, id), this.retry(true, id));
    } else {
      const kinds: OpKind[] = ['add', 'add-delayed', 'bulk', 'cancel', 'retry', 'add-with-id'];
      for (let i = random.int(2, 4); i > 0; i -= 1) ops.push(this.run(random.pick(kinds), true));
    }
    await Promise.all(ops);
  }

  private run(kind: OpKind, concurrent: boolean): Promise<void> {
    switch (kind) {
      case 'add':
      case 'add-delayed':
      case 'add-with-id':
      case 'add-invalid':
        return this.add(kind, concurrent);
      case 'bulk':
        return this.bulk(concurrent);
      case 'cancel':
        return this.cancel(concurrent);
      case 'retry':
        return this.retry(concurrent);
      case 'cancel-then-retry':
        return this.cancelThenRetry();
      case 'schedule-add':
        return this.randomSchedule();
      case 'schedule-pause':
      case 'schedule-resume':
      case 'schedule-trigger':
      case 'schedule-cancel':
        return this.scheduleOp(kind);
      case 'queue-pause':
        return this.pauseQueue(this.random.pick(this.config.queues));
      case 'queue-resume': {
        const paused = [...this.pausedQueues];
        return paused.length === 0 ? Promise.resolve() : this.resumeQueue(this.random.pick(paused));
      }
      case 'concurrent':
        return this.concurrentOps();
    }
  }

  /** A task's payload and options: some with a queue, priority, timeout or retries of their own. */
  private job(): { name: string; payload: ChaosPayload; options: JobOptions } {
    const { random, config } = this;
    const payload: ChaosPayload = { n: this.nextKey++ };
    const options: JobOptions = {};
    if (random.chance(0.3)) options.queue = random.pick(config.queues);
    if (random.chance(0.4)) options.priority = random.int(-3, 3);
    if (random.chance(0.15)) options.timeout = payload.t = config.timeoutMs(random);
    if (random.chance(0.15)) options.retries = payload.r = random.int(0, 3);
    return { name: random.pick(config.handlers), payload, options };
  }

  private async add(kind: OpKind, concurrent: boolean, id?: string): Promise<void> {
    const { random, scheduler } = this;
    const { name, payload, options } = this.job();
    if (kind === 'add-with-id') options.id = id ?? `job-${random.int(0, this.config.idPool - 1)}`;
    const delay = kind === 'add-delayed' ? this.config.delayMs(random) : null;
    let taskName: string = name;
    let body: unknown = payload;
    if (kind === 'add-invalid') {
      // Bad input of every kind: it must be refused with a typed error and change nothing.
      const flaw = random.int(0, 5);
      if (flaw === 0) taskName = 'no-such-task';
      else if (flaw === 1) options.queue = 'no-such-queue';
      else if (flaw === 2) options.priority = 1.5;
      else if (flaw === 3) body = { ...payload, bad: Number.NaN };
      else if (flaw === 4) options.id = 'not a valid id!';
      else options.timeout = -5;
    }
    const call = (): Promise<string> => {
      if (delay !== null) return scheduler.addDelayedJob(delay, taskName, body, options);
      const via = random.int(0, 2);
      if (via === 0) return scheduler.enqueue(taskName, body, options);
      if (via === 1) return scheduler.addImmediateJob(taskName, body, options);
      const { queue, ...rest } = options;
      return queue === undefined
        ? scheduler.enqueue(taskName, body, rest)
        : scheduler.enqueueToQueue(queue, taskName, body, rest);
    };
    await this.addTask(
      call,
      options.id ?? null,
      kind === 'add-invalid' ? 'invalid' : undefined,
      concurrent,
    );
  }

  private async addTask(
    call: () => Promise<string>,
    id: string | null,
    predicted: string | undefined,
    concurrent: boolean,
  ): Promise<void> {
    const outcome = await this.log.op('add', id, call, {
      concurrent,
      describe: (value) => value,
      ...(predicted === undefined ? {} : { predicted }),
    });
    if (outcome.ok) this.known.add(outcome.value);
  }

  private async bulk(concurrent: boolean): Promise<void> {
    const { random } = this;
    const bulk = this.nextBulk++;
    const jobs: BulkJob[] = [];
    for (let i = random.int(2, 15); i > 0; i -= 1) {
      const { name, payload, options } = this.job();
      payload.bulk = bulk;
      const opts: BulkJob['opts'] = { ...options };
      if (random.chance(0.4)) opts.delay = this.config.delayMs(random);
      if (random.chance(0.1)) opts.id = `job-${random.int(0, this.config.idPool - 1)}`;
      jobs.push({ task: name, payload, opts });
    }
    const invalid = random.chance(0.25);
    if (invalid) {
      const at = random.int(0, jobs.length - 1);
      const job = jobs[at]!;
      const flaw = random.int(0, 3);
      if (flaw === 0) jobs[at] = { ...job, task: 'no-such-task' };
      else if (flaw === 1) jobs[at] = { ...job, opts: { ...job.opts, queue: 'no-such-queue' } };
      else if (flaw === 2) jobs[at] = { ...job, opts: { ...job.opts, delay: 'soon' } };
      else jobs[at] = { ...job, payload: { ...(job.payload as object), bad: () => 1 } };
    }
    const outcome = await this.log.op(
      'bulk',
      `bulk-${bulk}`,
      () => this.scheduler.enqueueBulk(jobs),
      {
        concurrent,
        describe: (ids) => ids,
        ...(invalid ? { predicted: 'invalid' } : {}),
      },
    );
    if (outcome.ok) for (const id of outcome.value) this.known.add(id);
  }

  /** A task id in one of `statuses` (as the event stream shows them), or an unknown id. */
  private pickTask(statuses: readonly (TaskStatus | 'unknown')[]): string {
    const want = this.random.pick(statuses);
    if (want === 'unknown') return `unknown-${this.random.int(0, 1_000_000)}`;
    const matching: string[] = [];
    for (const [id, status] of this.log.statuses) if (status === want) matching.push(id);
    if (matching.length === 0) return this.random.pick([...this.known, 'unknown-0']);
    return this.random.pick(matching);
  }

  private async cancel(concurrent: boolean, given?: string): Promise<void> {
    const id =
      given ??
      this.pickTask([
        'pending',
        'pending',
        'retrying',
        'running',
        'running',
        'completed',
        'failed',
        'cancelled',
        'unknown',
      ]);
    await this.log.op('cancel', id, () => this.scheduler.cancelJob(id), {
      concurrent,
      predicted: this.log.statuses.get(id) ?? 'unknown',
    });
  }

  private async retry(concurrent: boolean, given?: string): Promise<void> {
    const id =
      given ??
      this.pickTask([
        'failed',
        'failed',
        'cancelled',
        'cancelled',
        'completed',
        'pending',
        'running',
        'unknown',
      ]);
    await this.log.op('retry', id, () => this.scheduler.retryTask(id), {
      concurrent,
      predicted: this.log.statuses.get(id) ?? 'unknown',
    });
  }

  /** Cancels a running task and retries it at once, while its cancelled attempt may still wind down. */
  private async cancelThenRetry(): Promise<void> {
    const id = this.pickTask(['running']);
    await this.cancel(false, id);
    await this.retry(false, id);
  }

  private async randomSchedule(): Promise<void> {
    const { random, config } = this;
    if (this.liveSchedules().length >= config.maxSchedules) return;
    const cron = random.chance(0.5);
    const [rule, periodMs] = cron
      ? random.pick(config.crons)
      : (() => {
          const interval = random.pick(config.intervals);
          // Durations come as numbers and as strings, as users write them.
          return [random.chance(0.5) ? interval : `${interval}ms`, interval] as const;
        })();
    await this.addSchedule({
      kind: cron ? 'cron' : 'recurring',
      rule,
      periodMs,
      name: random.pick(config.handlers),
      overlap: random.pick(['skip', 'allow', 'queue'] as const),
      misfire: random.pick(['skip', 'run-once', 'run-all'] as const),
      maxCatchUp: random.int(1, 3),
      paused: random.chance(0.1),
      immediate: !cron && random.chance(0.3),
      ...(random.chance(0.3) ? { queue: random.pick(config.queues) } : {}),
    });
  }

  private scheduleState(id: string): string {
    return this.schedules.find((s) => s.model.id === id)?.cancelled === false
      ? 'live'
      : 'cancelled';
  }

  private async scheduleOp(
    kind: 'schedule-pause' | 'schedule-resume' | 'schedule-trigger' | 'schedule-cancel',
  ): Promise<void> {
    if (this.schedules.length === 0) return;
    const live = this.liveSchedules();
    // Now and then an operation on a cancelled schedule, which must be refused.
    const id =
      live.length > 0 && this.random.chance(0.9)
        ? this.random.pick(live)
        : this.random.pick(this.schedules).model.id;
    const predicted = this.scheduleState(id);
    if (kind === 'schedule-cancel') return this.cancelSchedule(id);
    if (kind === 'schedule-pause') return this.pauseSchedule(id);
    const op: OpName = kind;
    const outcome = await this.log.op(
      op,
      id,
      (): Promise<unknown> =>
        kind === 'schedule-resume'
          ? this.scheduler.resumeSchedule(id)
          : this.scheduler.triggerSchedule(id),
      { predicted },
    );
    if (outcome.ok && typeof outcome.value === 'string') this.known.add(outcome.value);
  }
}
