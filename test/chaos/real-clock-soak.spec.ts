/**
 * Engine soak on the real clock: a minute of random work with short
 * handlers (1–50 ms), short delays (10–500 ms), an every-second cron and a
 * 250 ms recurring schedule, then a drain and a stop(). Checks what real
 * time allows: concurrency caps, nothing early by Date.now(), no lost task,
 * no duplicate fire, 60 ± 1 fires of the cron per minute (its lateness is
 * reported), and nothing running or starting after stop().
 *
 * Seed: CHAOS_SEEDS (its first value); CHAOS_REAL_SECONDS sets the length.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { INTERRUPTED_BY_SHUTDOWN } from '../../lib/core/attempt-transition.js';
import { systemClock } from '../../lib/core/clock.js';
import { Scheduler } from '../../lib/core/scheduler.js';
import { MemoryTaskStore } from '../../lib/store/memory/memory-task-store.js';
import { RecordingLogger } from '../utils/scheduler-harness.js';
import { ChaosHandler, type Planner } from './support/chaos-handler.js';
import { expectInvariant } from './support/expect-invariant.js';
import { droppedFires, unexpectedLogLines } from './support/log-lines.js';
import { engineOptions, handlerOptions, type SoakModel } from './support/model.js';
import { OperationDriver, type DriverConfig } from './support/operations.js';
import { chaosSeeds, createRandom, hashSeed, percentile } from './support/prng.js';
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

const SEED = chaosSeeds([5005])[0]!;
const RUN_MS = Number(process.env.CHAOS_REAL_SECONDS ?? 60) * 1_000;
/** How late a timer may fire on a busy 2-core machine before a timeout check complains. */
const TIMER_SLACK_MS = 250;

const MODEL: SoakModel = {
  maxWorkers: 6,
  queues: {
    default: {
      workers: 3,
      maxSize: 200,
      timeoutMs: null,
      retry: { maxRetries: 2, delayMs: 20, backoff: 'fixed', jitter: 0, maxDelayMs: 1_000 },
    },
    fast: {
      workers: 4,
      maxSize: 150,
      timeoutMs: 30,
      retry: { maxRetries: 2, delayMs: 10, backoff: 'exponential', jitter: 0.5, maxDelayMs: 100 },
    },
    slow: {
      workers: 2,
      maxSize: 100,
      timeoutMs: 200,
      retry: { maxRetries: 1, delayMs: 50, backoff: 'linear', jitter: 0, maxDelayMs: 1_000 },
    },
  },
  handlers: {
    alpha: { shouldRetry: true },
    beta: { queue: 'fast', shouldRetry: true },
    gamma: { queue: 'slow', retries: 2, timeoutMs: 40, shouldRetry: false },
  },
  abortGracePeriodMs: 200,
  shutdownTimeoutMs: 5_000,
  retention: { maxTasks: 2_000, maxAgeMs: 7 * 24 * 3_600_000 },
};

const DRIVER: DriverConfig = {
  handlers: Object.keys(MODEL.handlers),
  queues: Object.keys(MODEL.queues),
  weights: {
    add: 20,
    'add-delayed': 20,
    'add-with-id': 6,
    'add-invalid': 1,
    bulk: 4,
    cancel: 8,
    retry: 5,
    'cancel-then-retry': 1,
    'queue-pause': 0.5,
    'queue-resume': 1,
    concurrent: 3,
  },
  delayMs: (random) => random.int(10, 500),
  timeoutMs: (random) => random.int(5, 100),
  crons: [],
  intervals: [],
  maxSchedules: 0,
  idPool: 25,
};

function planner(seed: number): Planner {
  return (_name, payload, ctx): Plan => {
    const random = createRandom(hashSeed(seed, payload.n ?? ctx.taskId, ctx.attempt));
    const sync = random.chance(0.2);
    return {
      outcome: random.weighted([
        ['succeed', 75],
        ['retryable', 15],
        ['fatal', 5],
        ['no-retry', 5],
      ] as const),
      sync,
      durationMs: sync ? 0 : random.int(1, 50),
      honourDelayMs: random.chance(0.2) ? random.int(1, 20) : 0,
      onAbort: random.chance(0.1) ? 'resolve' : 'reject',
    };
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface RealResult {
  violations: Record<string, string[]>;
  cronFires: number;
  exercised: Record<string, number>;
  summary: string;
}

async function runRealSoak(seed: number): Promise<RealResult> {
  const random = createRandom(seed);
  const log = new RunLog(() => Date.now());
  const logger = new RecordingLogger();
  const store = new MemoryTaskStore();
  const scheduler = new Scheduler({
    ...engineOptions(MODEL),
    logger,
    store,
    nodeId: 'real-soak',
    timeZone: 'UTC',
  });
  const world = { clock: systemClock, log, plan: planner(seed) };
  for (const [name, handler] of Object.entries(MODEL.handlers)) {
    const chaos = new ChaosHandler(name, world, handler.shouldRetry);
    scheduler.registerHandler(name, chaos, handlerOptions(handler));
  }
  log.watch(scheduler.events$);
  await scheduler.start();
  const driver = new OperationDriver(scheduler, log, random.fork('ops'), DRIVER, () => Date.now());
  const cron = await driver.addSchedule(
    { kind: 'cron', rule: '*/1 * * * * *', periodMs: 1_000, name: 'alpha', overlap: 'allow' },
    'every-second',
  );
  const recurring = await driver.addSchedule(
    { kind: 'recurring', rule: '250ms', periodMs: 250, name: 'beta', overlap: 'skip' },
    'every-quarter',
  );
  const cronAddedAt = Date.now();
  const stats: string[] = [];
  const end = Date.now() + RUN_MS;
  let pausedAt: number | null = null;
  let resumed = false;
  for (let round = 0; Date.now() < end; round += 1) {
    for (let i = random.int(0, 3); i > 0; i -= 1) await driver.randomOp();
    // The recurring schedule is paused for five seconds, a third of the way in.
    const elapsed = RUN_MS - (end - Date.now());
    if (pausedAt === null && elapsed > RUN_MS / 3) {
      await driver.pauseSchedule(recurring);
      pausedAt = elapsed;
    } else if (pausedAt !== null && !resumed && elapsed > pausedAt + 5_000) {
      await driver.resumeSchedule(recurring);
      resumed = true;
    }
    if (round % 200 === 0) {
      stats.push(...(await statsViolations(scheduler, log, `round ${round}`, false)));
    }
    await sleep(random.int(0, 20));
  }
  await driver.cancelSchedule(cron);
  await driver.cancelSchedule(recurring);
  const firingEnded = Date.now();

  // The drain: every queue resumed, until nothing waits or runs (delays and retries are short).
  for (const queue of [...driver.pausedQueues]) await driver.resumeQueue(queue);
  for (let i = 0; i < 200; i += 1) {
    const current = await scheduler.getStats();
    if (current.pending + current.retrying + current.running === 0) break;
    await sleep(50);
  }
  stats.push(...(await statsViolations(scheduler, log, 'after the drain')));

  const stopSeq = log.entries.length;
  const stoppedAt = Date.now();
  const stop = await log.op('stop', null, () => scheduler.stop());
  if (!stop.ok) throw stop.error;
  // A second of real time after stop(): nothing may run or fire any more.
  await sleep(1_000);
  log.unwatch();

  for (const { event } of log.events()) {
    if (event.type === 'schedule-fired') driver.known.add(event.task.id);
  }
  const records = await storeRecords(store);
  const spans = attemptSpans(log);
  const lifecycle = lifecycleViolations(log, MODEL);
  const starts = startViolations(log);
  const concurrency = concurrencyViolations(log, MODEL);
  const dropped = droppedFires(logger);
  const schedules = scheduleViolations(log, driver.scheduleModels(), {
    stoppedAt: firingEnded,
    stopSeq,
    dropped,
    exactTiming: false,
  });
  const final = finalStateViolations(
    records,
    driver.known,
    log,
    new Set(),
    INTERRUPTED_BY_SHUTDOWN,
  );
  const retention = retentionViolations(records, driver.known, log, MODEL, stoppedAt);

  // Fires of the every-second cron in the minute after it was added, and how late they came.
  const cronFires = log
    .events()
    .flatMap(({ event }) =>
      event.type === 'schedule-fired' && event.task.scheduleId === cron ? [event] : [],
    )
    .filter((event) => event.task.scheduledAt.getTime() <= cronAddedAt + RUN_MS);
  const cronLateness = cronFires.map(
    (event) => event.at.getTime() - event.task.scheduledAt.getTime(),
  );
  const startLateness = spans
    .filter(({ enter }) => enter.attempt === 1 && enter.scheduleId === null)
    .map(({ enter }) => enter.at - enter.scheduledAt);

  const aborts = (reason: string): number =>
    spans.filter((span) => span.abort?.reason === reason).length;
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
    timeouts: timeoutViolations(log, MODEL, TIMER_SLACK_MS),
    'dispatch order': dispatchOrderViolations(log),
    'paused queues': pausedQueueViolations(log),
    'queue capacity': capacityViolations(log, MODEL, dropped.size),
    'bulk all-or-nothing': bulkViolations(log),
    'operation outcomes': operationViolations(log),
    'unique fires': schedules.duplicates,
    'fire times': [...schedules.offGrid, ...schedules.timing],
    'paused schedules': schedules.whilePaused,
    'cancelled schedules': schedules.afterCancel,
    'overlap policy': schedules.overlap,
    'stats = listing': stats,
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
    retention: retention.violations,
    'log lines': unexpectedLogLines(log, logger, { shutdownAborts: false }),
  };
  const exercised: Record<string, number> = {
    ...lifecycle.counts,
    fires: schedules.fires,
    timeouts: aborts('TASK_TIMEOUT'),
    'cancels of running tasks': aborts('TASK_CANCELLED'),
    'manual retries': log.opEnds().filter((e) => e.op === 'retry' && e.result === 'ok').length,
  };
  const ms = (values: number[], p: number): string => `${Math.round(percentile(values, p))} ms`;
  const summary =
    `real-clock soak seed ${seed}: ${RUN_MS / 1_000} s, ${driver.known.size} tasks, ` +
    `peak concurrency ${JSON.stringify(concurrency.peaks)}; ` +
    `every-second cron: ${cronFires.length} fires, lateness p50 ${ms(cronLateness, 50)}, p99 ${ms(cronLateness, 99)}, max ${ms(cronLateness, 100)}; ` +
    `start lateness of added tasks (queueing included): p50 ${ms(startLateness, 50)}, p99 ${ms(startLateness, 99)}; ` +
    `exercised ${JSON.stringify(exercised)}; final states ${JSON.stringify(final.counts)}`;
  return { violations, cronFires: cronFires.length, exercised, summary };
}

describe(`engine soak on the real clock (seed ${SEED})`, () => {
  let result: RealResult;

  beforeAll(async () => {
    result = await runRealSoak(SEED);
    console.log(result.summary);
  });

  it.each([
    ["runs no more handlers of a queue at once than the queue's workers", 'per-queue concurrency'],
    ['runs no more handlers at once than maxWorkers', 'global concurrency'],
    ['starts no handler before its task is due by Date.now()', 'never early'],
    [
      'never runs two attempts of a task at once, but for a cancelled one winding down',
      'one attempt at a time',
    ],
    ['emits the events of every task in state-machine order', 'state machine'],
    ['shows in each event snapshot the status the event names', 'event snapshots'],
    [
      'keeps attempts within the retry budget, and spends it all on retryable errors',
      'retry budget',
    ],
    ["retries only retryable errors, after delays within the queue's policy", 'retry policy'],
    [
      'counts attempts up by one per start, and calls handlers only after a started event',
      'attempt counting',
    ],
    [`aborts attempts at their timeout (within ${TIMER_SLACK_MS} ms)`, 'timeouts'],
    ['starts the most urgent due task of a queue first', 'dispatch order'],
    ['starts nothing in a paused queue', 'paused queues'],
    ['accepts adds only below maxSize, each refusal with a queue-full event', 'queue capacity'],
    ['adds nothing from an enqueueBulk that was refused', 'bulk all-or-nothing'],
    [
      'ends every operation as the state predicts, with documented errors only',
      'operation outcomes',
    ],
    ['never repeats a fire id', 'unique fires'],
    ['fires on the grid, never early', 'fire times'],
    ['never fires a paused schedule', 'paused schedules'],
    ['never fires a cancelled schedule again, nor anything after stop()', 'cancelled schedules'],
    ["never overlaps the runs of a 'skip' schedule", 'overlap policy'],
    ['reports statistics that agree with the listing', 'stats = listing'],
    ['loses no task: each is finished or pruned', 'no lost tasks'],
    ['keeps in its store the status that the last event of each task showed', 'store = events'],
    ['leaves nothing running after stop()', 'nothing running after stop()'],
    ['starts nothing once stop() is called, for a second after', 'nothing starts after stop()'],
    ['completes events$ at stop() and emits nothing after', 'events$ completes'],
    ['prunes the oldest finished tasks first and keeps their number bounded', 'retention'],
    ['logs no warnings or errors but the expected ones', 'log lines'],
  ] as const)('%s', (_title, invariant) => {
    expectInvariant(invariant, SEED, result.violations[invariant]!);
  });

  it('fires the every-second cron 60 ± 1 times a minute', () => {
    const expected = RUN_MS / 1_000;
    expect(result.cronFires).toBeGreaterThanOrEqual(expected - 1);
    expect(result.cronFires).toBeLessThanOrEqual(expected + 1);
  });

  it('exercised every feature it checks', () => {
    const missing = Object.entries(result.exercised)
      .filter(([, times]) => times === 0)
      .map(([feature]) => feature);
    expect({ seed: SEED, 'features never exercised': missing }).toEqual({
      seed: SEED,
      'features never exercised': [],
    });
  });
});
