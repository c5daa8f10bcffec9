/**
 * Engine soak on a manual clock: hours of virtual time of random work
 * (adds, bulk adds, cancels, retries, schedules, paused queues) through
 * handlers that succeed, fail, hang past their timeouts and honour their
 * signals late, followed by a drain and a stop() with tasks still running.
 * Everything is recorded, then checked against invariants, one test each.
 *
 * Seeds: CHAOS_SEEDS=1,2,3 (or CHAOS_SEEDS=random) replaces the defaults;
 * CHAOS_HOURS sets the virtual hours per seed.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { INTERRUPTED_BY_SHUTDOWN } from '../../lib/core/attempt-transition.js';
import { Scheduler } from '../../lib/core/scheduler.js';
import { MemoryTaskStore } from '../../lib/store/memory/memory-task-store.js';
import { ManualClock } from '../utils/manual-clock.js';
import { RecordingLogger, T0 } from '../utils/scheduler-harness.js';
import { ChaosHandler, type Planner } from './support/chaos-handler.js';
import { expectInvariant } from './support/expect-invariant.js';
import { droppedFires, unexpectedLogLines } from './support/log-lines.js';
import { engineOptions, handlerOptions, type SoakModel } from './support/model.js';
import { OperationDriver, type DriverConfig } from './support/operations.js';
import { chaosSeeds, createRandom, hashSeed, type Random } from './support/prng.js';
import { RunLog, type Plan } from './support/run-log.js';
import { scheduleViolations } from './support/schedule-invariants.js';
import {
  finalStateViolations,
  retentionViolations,
  statsViolations,
  storeRecords,
} from './support/store-invariants.js';
import {
  attemptSpans,
  bulkViolations,
  capacityViolations,
  concurrencyViolations,
  dispatchOrderViolations,
  iso,
  lifecycleViolations,
  operationViolations,
  pausedQueueViolations,
  startViolations,
  timeoutViolations,
} from './support/task-invariants.js';

const SEEDS = chaosSeeds([1001, 2002, 3003, 4004, 5005, 6006]);
const VIRTUAL_MS = Number(process.env.CHAOS_HOURS ?? 12) * 3_600_000;

const retry = (
  maxRetries: number,
  delayMs: number,
  backoff: 'fixed' | 'linear' | 'exponential',
  jitter = 0,
  maxDelayMs = 3_600_000,
) => ({ maxRetries, delayMs, backoff, jitter, maxDelayMs });

/** Five queues with 12 workers between them, under a global cap of 7. */
const MODEL: SoakModel = {
  maxWorkers: 7,
  queues: {
    default: { workers: 2, maxSize: 30, timeoutMs: null, retry: retry(1, 1_000, 'fixed') },
    fast: { workers: 3, maxSize: 60, timeoutMs: 15_000, retry: retry(2, 2_000, 'fixed') },
    slow: {
      workers: 2,
      maxSize: 40,
      timeoutMs: 120_000,
      retry: retry(4, 1_000, 'exponential', 0.5, 20_000),
    },
    linear: { workers: 4, maxSize: 100, timeoutMs: null, retry: retry(3, 500, 'linear') },
    tiny: {
      workers: 1,
      maxSize: 5,
      timeoutMs: 5_000,
      retry: retry(1, 3_000, 'exponential', 1, 60_000),
    },
  },
  handlers: {
    mail: { shouldRetry: true },
    report: { queue: 'slow', retries: 2, timeoutMs: 45_000, shouldRetry: true },
    sync: { queue: 'fast', priority: 5, shouldRetry: false },
    resize: { queue: 'linear', shouldRetry: true },
    ping: { queue: 'tiny', timeoutMs: 3_000, shouldRetry: false },
  },
  abortGracePeriodMs: 1_000,
  shutdownTimeoutMs: 20_000,
  retention: { maxTasks: 150, maxAgeMs: 20 * 60_000 },
};

const DRIVER: DriverConfig = {
  handlers: Object.keys(MODEL.handlers),
  queues: Object.keys(MODEL.queues),
  weights: {
    add: 20,
    'add-delayed': 14,
    'add-with-id': 8,
    'add-invalid': 2,
    bulk: 5,
    cancel: 10,
    retry: 7,
    'cancel-then-retry': 2,
    'schedule-add': 1.5,
    'schedule-pause': 1.5,
    'schedule-resume': 1.5,
    'schedule-trigger': 1.5,
    'schedule-cancel': 0.7,
    'queue-pause': 1,
    'queue-resume': 1.5,
    concurrent: 3,
  },
  delayMs: (random) =>
    random.weighted([
      [random.int(0, 1_000), 3],
      [random.int(1_000, 60_000), 5],
      [random.int(60_000, 600_000), 2],
    ]),
  timeoutMs: (random) => random.int(500, 20_000),
  crons: [
    ['*/15 * * * * *', 15_000],
    ['*/30 * * * * *', 30_000],
    ['* * * * *', 60_000],
    ['*/2 * * * *', 120_000],
    ['*/5 * * * *', 300_000],
  ],
  intervals: [7_000, 13_000, 45_000, 90_000, 120_000],
  maxSchedules: 8,
  idPool: 25,
};

/** Each attempt's behaviour, from the seed and the task's key: reproducible run to run. */
function planner(seed: number): Planner {
  return (_name, payload, ctx): Plan => {
    if (payload.force !== undefined) {
      const durationMs = payload.force === 'short' ? 5_000 : 3_600_000;
      return { outcome: 'succeed', sync: false, durationMs, honourDelayMs: 0, onAbort: 'reject' };
    }
    const random = createRandom(hashSeed(seed, payload.n ?? ctx.taskId, ctx.attempt));
    const shape = random.weighted([
      ['instant', 25],
      ['short', 30],
      ['long', 20],
      ['hang', 10],
    ] as const);
    const durationMs =
      shape === 'instant'
        ? 0
        : shape === 'short'
          ? random.int(1, 2_000)
          : shape === 'long'
            ? random.int(2_000, 40_000)
            : random.int(180_000, 300_000);
    return {
      outcome: random.weighted([
        ['succeed', 60],
        ['retryable', 25],
        ['fatal', 7],
        ['no-retry', 8],
      ] as const),
      sync: shape === 'instant' && random.chance(0.7),
      durationMs,
      // Within the grace period (1 s), so that handler exits mark when slots free up.
      honourDelayMs: random.chance(0.3) ? random.int(1, 900) : 0,
      onAbort: random.chance(0.1) ? 'resolve' : 'reject',
    };
  };
}

function stepMs(random: Random): number {
  return random.weighted([
    [0, 10],
    [random.int(1, 1_000), 30],
    [random.int(1_000, 15_000), 50],
    [random.int(15_000, 120_000), 10],
  ]);
}

/** What a run came to: its violations per invariant, and figures for the report. */
interface SoakResult {
  violations: Record<string, string[]>;
  /** How often each checked feature happened: a soak that exercised nothing proves nothing. */
  exercised: Record<string, number>;
  summary: string;
}

/** The run: random operations between random clock steps, a drain, and a stop() under load. */
async function runSoak(seed: number): Promise<SoakResult> {
  const began = performance.now();
  const random = createRandom(seed);
  const clock = new ManualClock(T0);
  const log = new RunLog(() => clock.now());
  const logger = new RecordingLogger();
  const store = new MemoryTaskStore();
  const jitter = random.fork('jitter');
  const scheduler = new Scheduler({
    ...engineOptions(MODEL),
    clock,
    logger,
    store,
    nodeId: 'soak-node',
    timeZone: 'UTC',
    random: () => jitter.next(),
  });
  const world = { clock, log, plan: planner(seed) };
  for (const [name, handler] of Object.entries(MODEL.handlers)) {
    const chaos = new ChaosHandler(name, world, handler.shouldRetry);
    scheduler.registerHandler(name, chaos, handlerOptions(handler));
  }
  log.watch(scheduler.events$);
  await scheduler.start();
  const driver = new OperationDriver(scheduler, log, random.fork('ops'), DRIVER, () => clock.now());
  const stats: string[] = [];
  const checkStats = async (label: string): Promise<void> => {
    stats.push(...(await statsViolations(scheduler, log, `${label} at ${iso(clock.now())}`)));
  };

  for (let step = 0; clock.now() < T0 + VIRTUAL_MS; step += 1) {
    const ops = random.weighted([
      [0, 2],
      [1, 4],
      [2, 3],
      [4, 1],
    ]);
    for (let i = 0; i < ops; i += 1) await driver.randomOp();
    if (step % 20 === 0) {
      await clock.advance(0);
      await checkStats(`step ${step}`);
    }
    await clock.advance(stepMs(random));
  }

  // The drain: schedules paused or cancelled, 'tiny' paused with whatever waits in it, the
  // other queues resumed and run until nothing waits or runs in them.
  for (const id of driver.liveSchedules()) {
    if (random.chance(0.5)) await driver.pauseSchedule(id);
    else await driver.cancelSchedule(id);
  }
  for (const queue of DRIVER.queues) {
    if (queue === 'tiny') await driver.pauseQueue(queue);
    else if (driver.pausedQueues.has(queue)) await driver.resumeQueue(queue);
  }
  for (let minutes = 0; minutes < 12 * 60; minutes += 1) {
    await clock.advance(60_000);
    const { queues } = await scheduler.getStats();
    const busy = Object.entries(queues).some(
      ([name, queue]) =>
        !driver.pausedQueues.has(name) && queue.pending + queue.retrying + queue.running > 0,
    );
    if (!busy) break;
  }
  await checkStats('after the drain');

  // The stop: two short and two endless tasks running, an endless one in a queue whose
  // timeout is longer than the shutdown's, and a 'queue' schedule with a run in progress
  // and fires held back.
  await driver.addForced('resize', 'linear', { n: -1, force: 'short' });
  await driver.addForced('resize', 'linear', { n: -2, force: 'short' });
  await driver.addForced('resize', 'linear', { n: -3, force: 'long' });
  await driver.addForced('mail', 'linear', { n: -4, force: 'long' });
  await driver.addForced('report', 'slow', { n: -5, force: 'long' });
  await driver.addSchedule(
    {
      kind: 'recurring',
      rule: 1_000,
      periodMs: 1_000,
      name: 'sync',
      overlap: 'queue',
      queue: 'fast',
      payload: { s: 0, force: 'short' },
    },
    'final-queue',
  );
  await clock.advance(2_500);
  const stoppedAt = clock.now();
  const stopSeq = log.entries.length;
  let stopped = false;
  const stopping = log.op('stop', null, () => scheduler.stop()).finally(() => (stopped = true));
  for (let i = 0; i < 600 && !stopped; i += 1) await clock.advance(1_000);
  const stop = await stopping;
  if (!stop.ok) throw stop.error;
  const stopTook = clock.now() - stoppedAt;
  // Time goes on after the stop: nothing may run, fire or change any more.
  await clock.advance(10 * 60_000);
  log.unwatch();

  if (process.env.CHAOS_DEBUG !== undefined) debugDump(log, logger, process.env.CHAOS_DEBUG);
  for (const { event } of log.events()) {
    if (event.type === 'schedule-fired') driver.known.add(event.task.id);
  }
  const records = await storeRecords(store);
  const lifecycle = lifecycleViolations(log, MODEL);
  const starts = startViolations(log);
  const concurrency = concurrencyViolations(log, MODEL);
  const dropped = droppedFires(logger);
  const schedules = scheduleViolations(log, driver.scheduleModels(), {
    stoppedAt,
    stopSeq,
    dropped,
    exactTiming: true,
  });
  const final = finalStateViolations(
    records,
    driver.known,
    log,
    driver.pausedQueues,
    INTERRUPTED_BY_SHUTDOWN,
  );
  const retention = retentionViolations(records, driver.known, log, MODEL, stoppedAt);
  const spans = attemptSpans(log);
  const violations: Record<string, string[]> = {
    'per-queue concurrency': concurrency.perQueue,
    'global concurrency': concurrency.global,
    'never early': starts.early,
    'one attempt at a time': starts.overlapping,
    'state machine': lifecycle.stateMachine,
    'event snapshots': lifecycle.snapshots,
    'retry budget': lifecycle.retryBudget,
    'retry policy': lifecycle.retryPolicy,
    'attempt counting': [...lifecycle.attempts, ...lifecycle.handlerCalls],
    timeouts: timeoutViolations(log, MODEL),
    'dispatch order': dispatchOrderViolations(log),
    'paused queues': pausedQueueViolations(log),
    'queue capacity': capacityViolations(log, MODEL, dropped.size),
    'bulk all-or-nothing': bulkViolations(log),
    'operation outcomes': operationViolations(log),
    'unique fires': schedules.duplicates,
    'fire times': [...schedules.offGrid, ...schedules.timing],
    'paused schedules': schedules.whilePaused,
    'cancelled schedules': schedules.afterCancel,
    'no missed fires': schedules.missing,
    'overlap policy': schedules.overlap,
    'stats = listing = events': stats,
    'no lost tasks': [...final.lost, ...final.stranded],
    'store = events': final.disagree,
    'nothing running after stop()': [
      ...final.running,
      ...spans
        .filter((span) => span.exit === undefined)
        .map(({ enter }) => `handler of ${enter.taskId} attempt ${enter.attempt} never returned`),
    ],
    'nothing starts after stop()': log
      .enters()
      .filter((entry) => entry.seq > stopSeq)
      .map((entry) => `${entry.taskId} attempt ${entry.attempt} started at ${iso(entry.at)}`),
    'events$ completes': [
      ...(log.streamCompleted ? [] : ['events$ did not complete at stop()']),
      ...(log.eventsAfterComplete > 0 ? [`${log.eventsAfterComplete} events after it`] : []),
    ],
    'stop() waits no longer than it must':
      // Endless tasks: the shutdown timeout, then their grace period, then one clock step.
      stopTook <= MODEL.shutdownTimeoutMs + MODEL.abortGracePeriodMs + 1_000
        ? []
        : [`stop() took ${stopTook} ms of clock time`],
    retention: retention.violations,
    'log lines': unexpectedLogLines(log, logger, { shutdownAborts: true }),
  };
  const aborts = (reason: string): number =>
    spans.filter((span) => span.abort?.reason === reason).length;
  const ops = (op: string, result: string): number =>
    log.opEnds().filter((entry) => entry.op === op && entry.result === result).length;
  const exercised: Record<string, number> = {
    ...lifecycle.counts,
    fires: schedules.fires,
    timeouts: aborts('TASK_TIMEOUT'),
    'cancels of running tasks': aborts('TASK_CANCELLED'),
    'shutdown aborts': aborts('SCHEDULER_SHUTDOWN'),
    'interrupted by the stop': final.counts.interrupted ?? 0,
    'manual retries': ops('retry', 'ok'),
    'refused bulks': log.opEnds().filter((e) => e.op === 'bulk' && e.result !== 'ok').length,
    'refused adds (queue full)': ops('add', 'QueueFullError') + ops('bulk', 'QueueFullError'),
    triggers: ops('schedule-trigger', 'ok'),
    'schedule pauses': ops('schedule-pause', 'ok'),
    'queue pauses': ops('queue-pause', 'ok'),
    pruned: retention.pruned,
  };
  // Rarer: reported, but not required of every seed.
  const rare = {
    'cancelled attempts still winding down when retried': starts.overlapsAfterCancel,
  };
  const summary =
    `engine soak seed ${seed}: ${VIRTUAL_MS / 3_600_000} virtual hours in ${Math.round(performance.now() - began)} ms; ` +
    `${driver.known.size} tasks, peak concurrency ${JSON.stringify(concurrency.peaks)}, ` +
    `final states ${JSON.stringify(final.counts)}; exercised ${JSON.stringify({ ...exercised, ...rare })}`;
  return { violations, exercised, summary };
}

/** CHAOS_DEBUG=<text>: prints the log entries around each one containing the text. */
function debugDump(log: RunLog, logger: RecordingLogger, needle: string): void {
  const show = (entry: unknown): string =>
    JSON.stringify(entry, (key, value: unknown) => (key === 'schedule' ? undefined : value));
  const lines: string[] = [];
  log.entries.forEach((entry, index) => {
    if (!show(entry).includes(needle)) return;
    lines.push(...log.entries.slice(index, index + 6).map(show), '--');
  });
  lines.push(...logger.lines.map((line) => line.message).filter((m) => m.includes(needle)));
  console.log(lines.join('\n'));
}

/** Each test names one invariant; the run behind them happens once per seed. */
const INVARIANTS: readonly (readonly [title: string, invariant: string])[] = [
  ["runs no more handlers of a queue at once than the queue's workers", 'per-queue concurrency'],
  ['runs no more handlers at once than maxWorkers', 'global concurrency'],
  ['starts no handler before its task is due', 'never early'],
  [
    'never runs two attempts of a task at once, but for a cancelled one winding down',
    'one attempt at a time',
  ],
  ['emits the events of every task in state-machine order', 'state machine'],
  ['shows in each event snapshot the status the event names', 'event snapshots'],
  ['keeps attempts within the retry budget, and spends it all on retryable errors', 'retry budget'],
  [
    "retries only retryable errors, after delays within the queue's backoff, cap and jitter",
    'retry policy',
  ],
  [
    'counts attempts up by one per start, and calls handlers only after a started event',
    'attempt counting',
  ],
  [
    'aborts attempts exactly at their timeout (the task’s, else the handler’s, else the queue’s)',
    'timeouts',
  ],
  ['starts the most urgent due task of a queue first', 'dispatch order'],
  ['starts nothing in a paused queue', 'paused queues'],
  [
    'accepts adds only below maxSize, and reports each refusal with a queue-full event',
    'queue capacity',
  ],
  ['adds nothing from an enqueueBulk that was refused', 'bulk all-or-nothing'],
  ['ends every operation as the state predicts, with documented errors only', 'operation outcomes'],
  ['never repeats a fire id', 'unique fires'],
  ['fires on the grid and on time, never early', 'fire times'],
  [
    'never fires a paused schedule, nor makes up the fires it missed while paused',
    'paused schedules',
  ],
  ['never fires a cancelled schedule again, nor anything after stop()', 'cancelled schedules'],
  ['misses no fire that the overlap policy or a full queue does not explain', 'no missed fires'],
  ["never overlaps the runs of a 'skip' or 'queue' schedule", 'overlap policy'],
  [
    'reports statistics that agree with the listing and with the event stream',
    'stats = listing = events',
  ],
  [
    'loses no task: each is finished, waiting in a paused queue, interrupted by the stop, or pruned',
    'no lost tasks',
  ],
  ['keeps in its store the status that the last event of each task showed', 'store = events'],
  ['leaves nothing running after stop()', 'nothing running after stop()'],
  ['starts nothing once stop() is called', 'nothing starts after stop()'],
  ['completes events$ at stop() and emits nothing after', 'events$ completes'],
  [
    'stops within the shutdown timeout plus the grace period',
    'stop() waits no longer than it must',
  ],
  ['prunes the oldest finished tasks first and keeps their number bounded', 'retention'],
  ['logs no warnings or errors but the expected ones', 'log lines'],
];

describe.each(SEEDS)('engine soak on a manual clock (seed %i)', (seed) => {
  let result: SoakResult;

  beforeAll(async () => {
    result = await runSoak(seed);
    console.log(result.summary);
  });

  it.each(INVARIANTS)('%s', (_title, invariant) => {
    expectInvariant(invariant, seed, result.violations[invariant]!);
  });

  it('exercised every feature it checks', () => {
    const missing = Object.entries(result.exercised)
      .filter(([, times]) => times === 0)
      .map(([feature]) => feature);
    expect({ seed, 'features never exercised': missing }).toEqual({
      seed,
      'features never exercised': [],
    });
  });
});
