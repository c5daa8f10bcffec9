/**
 * Builds a Scheduler driven by a ManualClock, with a logger that records
 * its lines and handlers that record every run, so that engine tests read
 * as "add this, advance time, see exactly these runs".
 */
import type { HandlerOptions, TaskContext, TaskHandler } from '../../lib/core/handler.js';
import type { SchedulerLogger } from '../../lib/core/logger.js';
import type { SchedulerOptions } from '../../lib/core/options.js';
import { Scheduler } from '../../lib/core/scheduler.js';
import type { TaskInfo } from '../../lib/core/types.js';
import { EventRecorder } from './event-waiter.js';
import { flushAsync, ManualClock } from './manual-clock.js';

/** The instant every harness clock starts at, unless told otherwise. */
export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** A logger that keeps its lines, so tests can assert on warnings and errors. */
export class RecordingLogger implements SchedulerLogger {
  readonly lines: { level: 'log' | 'warn' | 'error' | 'debug'; message: string }[] = [];

  log(message: string): void {
    this.lines.push({ level: 'log', message });
  }

  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }

  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }

  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }

  get warnings(): string[] {
    return this.lines.filter((line) => line.level === 'warn').map((line) => line.message);
  }

  get errors(): string[] {
    return this.lines.filter((line) => line.level === 'error').map((line) => line.message);
  }
}

/** One call of a recording handler. */
export interface Run<P = unknown> {
  readonly taskId: string;
  readonly name: string;
  readonly queue: string;
  readonly payload: P;
  readonly attempt: number;
  readonly scheduleId: string | null;
  /** The task's due time (epoch ms), as the context reports it. */
  readonly scheduledAt: number;
  /** Clock time (epoch ms) when the handler was called. */
  readonly at: number;
  readonly signal: AbortSignal;
  readonly ctx: TaskContext;
  /** Resolves a held run. */
  finish(): void;
  /** Rejects a held run. */
  fail(error: unknown): void;
  /** Whether the run's promise has settled (held and timed runs only). */
  readonly settled: boolean;
}

/** How a recording handler behaves on each call. */
export interface Behaviour<P> {
  /** Each run waits for finish() or fail() from the test. */
  hold?: boolean;
  /** Each run takes this long on the clock before `work` runs. */
  durationMs?: number;
  /** A held or timed run rejects with its signal's reason as soon as the signal aborts. */
  honourSignal?: boolean;
  /** What a run does (after any hold or duration); a throw or rejection fails the attempt. */
  work?: (payload: P, run: Run<P>) => unknown;
}

/** A handler that records each call and behaves as configured. */
export class RecordingHandler<P = unknown> implements TaskHandler<P> {
  readonly runs: Run<P>[] = [];

  constructor(
    private readonly clock: ManualClock,
    private readonly behaviour: Behaviour<P> = {},
  ) {}

  /** Task ids of the runs, in call order. */
  get taskIds(): string[] {
    return this.runs.map((run) => run.taskId);
  }

  /** Runs still waiting to be finished (held runs only). */
  get unsettled(): Run<P>[] {
    return this.runs.filter((run) => !run.settled);
  }

  execute(payload: P, ctx: TaskContext): unknown {
    const { hold, durationMs, honourSignal, work } = this.behaviour;
    let resolveRun: () => void = () => undefined;
    let rejectRun: (error: unknown) => void = () => undefined;
    let settled = false;
    const run: Run<P> = {
      taskId: ctx.taskId,
      name: ctx.name,
      queue: ctx.queue,
      payload,
      attempt: ctx.attempt,
      scheduleId: ctx.scheduleId,
      scheduledAt: ctx.scheduledAt.getTime(),
      at: this.clock.now(),
      signal: ctx.signal,
      ctx,
      finish: () => resolveRun(),
      fail: (error) => rejectRun(error),
      get settled() {
        return settled;
      },
    };
    this.runs.push(run);
    if (!hold && durationMs === undefined) return work?.(payload, run);
    return new Promise<void>((resolve, reject) => {
      resolveRun = () => {
        settled = true;
        resolve();
      };
      rejectRun = (error) => {
        settled = true;
        reject(error);
      };
      if (honourSignal) {
        ctx.signal.addEventListener('abort', () => rejectRun(ctx.signal.reason), { once: true });
      }
      if (durationMs !== undefined) this.clock.setTimer(() => resolveRun(), durationMs);
    }).then(() => work?.(payload, run));
  }
}

/** Options of a harness: the engine's options, minus the clock and logger it provides. */
export interface HarnessOptions extends Omit<SchedulerOptions, 'clock' | 'logger'> {
  /** A clock to share (e.g. between two schedulers); default a new one at {@link T0}. */
  clock?: ManualClock;
  /** The longest wait the engine may ask of the new clock. */
  maxWaitMs?: number;
}

/** A scheduler on a manual clock, with its logger and event recorder. */
export interface Harness {
  readonly clock: ManualClock;
  readonly scheduler: Scheduler;
  readonly logger: RecordingLogger;
  readonly events: EventRecorder;
  /** Registers a recording handler under `name`. */
  handler<P = unknown>(
    name: string,
    behaviour?: Behaviour<P>,
    options?: HandlerOptions,
  ): RecordingHandler<P>;
  /** Milliseconds since {@link T0} on the clock's wall time. */
  elapsed(): number;
  /** Lets pending promise and setImmediate work settle without moving time. */
  flush(rounds?: number): Promise<void>;
  /** The task, which must exist. */
  task(id: string): Promise<TaskInfo>;
  /** Stops the scheduler, moving the clock as far as its shutdown needs. */
  shutdown(): Promise<void>;
}

const live = new Set<Harness>();

/** Builds a harness; call {@link stopHarnesses} in afterEach. */
export function createHarness(options: HarnessOptions = {}): Harness {
  const { clock: given, maxWaitMs, ...engineOptions } = options;
  const clock = given ?? new ManualClock(T0, maxWaitMs === undefined ? {} : { maxWaitMs });
  const logger = new RecordingLogger();
  const scheduler = new Scheduler({ nodeId: 'node-1', ...engineOptions, clock, logger });
  const events = new EventRecorder(scheduler.events$);
  let stopped: Promise<void> | undefined;
  const harness: Harness = {
    clock,
    scheduler,
    logger,
    events,
    handler<P>(name: string, behaviour?: Behaviour<P>, handlerOptions?: HandlerOptions) {
      const handler = new RecordingHandler<P>(clock, behaviour);
      scheduler.registerHandler(name, handler, handlerOptions);
      return handler;
    },
    elapsed: () => clock.now() - T0,
    flush: (rounds = 100) => flushAsync(rounds),
    async task(id: string) {
      const info = await scheduler.getTask(id);
      if (info === null) throw new Error(`task ${id} does not exist`);
      return info;
    },
    shutdown() {
      stopped ??= (async () => {
        let done = false;
        const stopping = scheduler.stop().finally(() => (done = true));
        // An idle scheduler stops without the clock moving; only a busy one needs time to pass.
        await flushAsync();
        for (let i = 0; i < 100 && !done; i += 1) await clock.advance(60_000);
        live.delete(harness);
        if (!done) throw new Error('the scheduler did not stop within 100 minutes of clock time');
        await stopping;
      })();
      return stopped;
    },
  };
  live.add(harness);
  return harness;
}

/** Stops every harness still running; use in afterEach. */
export async function stopHarnesses(): Promise<void> {
  await Promise.all([...live].map((harness) => harness.shutdown()));
}
