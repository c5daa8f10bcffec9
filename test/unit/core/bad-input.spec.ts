import { afterEach, describe, expect, it } from '@jest/globals';
import {
  DuplicateNameError,
  InvalidArgumentError,
  InvalidCronExpressionError,
  InvalidDurationError,
  InvalidPayloadError,
  InvalidQueueConfigError,
  PayloadTooLargeError,
  SchedulerError,
  UnknownQueueError,
  UnknownTaskError,
} from '../../../lib/core/errors.js';
import type { QueueConfig } from '../../../lib/core/options.js';
import { Scheduler } from '../../../lib/core/scheduler.js';
import { createHarness, RecordingLogger, stopHarnesses } from '../../utils/scheduler-harness.js';
import { ManualClock } from '../../utils/manual-clock.js';

afterEach(stopHarnesses);

type ErrorClass = abstract new (...args: never[]) => SchedulerError;

/** Asserts that `attempt` fails with `type`, its `code`, and a message containing `shows`. */
async function expectRefused(
  attempt: Promise<unknown> | (() => unknown),
  type: ErrorClass,
  code: string,
  shows: string,
): Promise<SchedulerError> {
  let thrown: unknown;
  try {
    await (typeof attempt === 'function' ? attempt() : attempt);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  expect(thrown).toBeInstanceOf(SchedulerError);
  const error = thrown as SchedulerError;
  expect(error.code).toBe(code);
  expect(error.message).toContain(shows);
  return error;
}

async function started() {
  const h = createHarness({ maxPayloadBytes: 100, queues: { mail: {} } });
  const job = h.handler('job');
  await h.scheduler.start();
  await h.scheduler.pauseQueue('default');
  /** Asserts that nothing at all was added. */
  const nothingAdded = async () => {
    expect((await h.scheduler.getTasks()).total).toBe(0);
    expect(await h.scheduler.getSchedules()).toEqual([]);
    expect(h.events.events).toEqual([]);
  };
  return { h, job, nothingAdded };
}

describe('cron expressions', () => {
  it.each([
    ['not a cron', 'it has 3 fields'],
    ['* * * *', 'it has 4 fields'],
    ['61 * * * *', '61'],
    ['*/0 * * * *', '0'],
    ['0 0 31 2 *', 'never fires'],
    ['', 'empty'],
  ])('refuses %j with InvalidCronExpressionError naming it', async (expression, reason) => {
    const { h, nothingAdded } = await started();
    const error = await expectRefused(
      h.scheduler.addCronJob(expression, 'job'),
      InvalidCronExpressionError,
      'INVALID_CRON_EXPRESSION',
      `Invalid cron expression ${JSON.stringify(expression)}`,
    );
    expect(error.message).toContain(reason);
    await nothingAdded();
  });

  it('refuses an expression longer than 100 characters', async () => {
    const { h, nothingAdded } = await started();
    const long = `0 0 * * ${'1,'.repeat(50)}1`;
    expect(long.length).toBeGreaterThan(100);
    await expectRefused(
      h.scheduler.addCronJob(long, 'job'),
      InvalidCronExpressionError,
      'INVALID_CRON_EXPRESSION',
      'longer than 100 characters',
    );
    await nothingAdded();
  });

  it('refuses an unknown time zone naming it', async () => {
    const { h, nothingAdded } = await started();
    await expectRefused(
      h.scheduler.addCronJob('0 * * * *', 'job', null, { timeZone: 'Mars/Olympus_Mons' }),
      InvalidArgumentError,
      'INVALID_ARGUMENT',
      'Invalid timeZone: "Mars/Olympus_Mons"',
    );
    await nothingAdded();
  });
});

describe('durations', () => {
  it.each([
    ['5 parsecs', '"5 parsecs"'],
    ['-1s', '"-1s"'],
    ['', '""'],
    ['1.5.2s', '"1.5.2s"'],
    [-5, '-5; it must not be negative'],
    [Number.NaN, 'NaN; it must be finite'],
    [Number.POSITIVE_INFINITY, 'Infinity; it must be finite'],
    [null, 'null'],
  ])('refuses the delay %p with InvalidDurationError naming it', async (delay, shows) => {
    const { h, nothingAdded } = await started();
    await expectRefused(
      h.scheduler.addDelayedJob(delay as never, 'job'),
      InvalidDurationError,
      'INVALID_DURATION',
      `Invalid duration for delay: ${shows}`,
    );
    await nothingAdded();
  });

  it('refuses bad intervals, timeouts and bulk delays, naming the option', async () => {
    const { h, nothingAdded } = await started();
    await expectRefused(
      h.scheduler.addRecurringJob(0, 'job'),
      InvalidDurationError,
      'INVALID_DURATION',
      'Invalid duration for interval: 0; it must be greater than zero',
    );
    await expectRefused(
      h.scheduler.addRecurringJob('every day', 'job'),
      InvalidDurationError,
      'INVALID_DURATION',
      'Invalid duration for interval: "every day"',
    );
    await expectRefused(
      h.scheduler.enqueue('job', null, { timeout: '-1s' }),
      InvalidDurationError,
      'INVALID_DURATION',
      'Invalid duration for timeout: "-1s"',
    );
    await expectRefused(
      h.scheduler.enqueueBulk([{ task: 'job', opts: { delay: '5 parsecs' } }]),
      InvalidDurationError,
      'INVALID_DURATION',
      '"5 parsecs"',
    );
    await nothingAdded();
  });

  it('refuses scheduler-wide durations in the constructor', () => {
    const clock = new ManualClock();
    const logger = new RecordingLogger();
    expect(() => new Scheduler({ clock, logger, shutdownTimeout: 'soon' })).toThrow(
      'Invalid duration for shutdownTimeout: "soon"',
    );
    expect(() => new Scheduler({ clock, logger, retention: { maxAge: -1 } })).toThrow(
      InvalidDurationError,
    );
  });
});

describe('unknown queues and tasks', () => {
  it('refuses an unknown queue with UnknownQueueError listing the known ones', async () => {
    const { h, nothingAdded } = await started();
    await expectRefused(
      h.scheduler.enqueueToQueue('nope', 'job'),
      UnknownQueueError,
      'UNKNOWN_QUEUE',
      'Unknown queue "nope"; known queues: "default", "mail"',
    );
    await expectRefused(
      h.scheduler.addRecurringJob('1m', 'job', null, { queue: 'nope' }),
      UnknownQueueError,
      'UNKNOWN_QUEUE',
      '"nope"',
    );
    await expectRefused(
      h.scheduler.pauseQueue('nope'),
      UnknownQueueError,
      'UNKNOWN_QUEUE',
      '"nope"',
    );
    await nothingAdded();
  });

  it('refuses an unknown task with UnknownTaskError naming it', async () => {
    const { h, nothingAdded } = await started();
    for (const attempt of [
      h.scheduler.enqueue('ghost'),
      h.scheduler.addDelayedJob('1s', 'ghost'),
      h.scheduler.addCronJob('* * * * *', 'ghost'),
      h.scheduler.addRecurringJob('1s', 'ghost'),
    ]) {
      await expectRefused(attempt, UnknownTaskError, 'UNKNOWN_TASK', 'Unknown task "ghost"');
    }
    await nothingAdded();
  });

  it('refuses a handler whose queue does not exist when the scheduler starts', async () => {
    const h = createHarness();
    h.handler('lost', {}, { queue: 'nowhere' });
    await expectRefused(h.scheduler.start(), UnknownQueueError, 'UNKNOWN_QUEUE', '"nowhere"');
  });
});

describe('task ids', () => {
  it('refuses a malformed id in getTask, cancelJob and retryTask with InvalidArgumentError', async () => {
    const { h } = await started();
    for (const attempt of [
      h.scheduler.getTask('<img src=x>'),
      h.scheduler.cancelJob('<img src=x>'),
      h.scheduler.retryTask('<img src=x>'),
    ]) {
      await expectRefused(
        attempt,
        InvalidArgumentError,
        'INVALID_ARGUMENT',
        'Invalid id: "<img src=x>"',
      );
    }
  });
});

describe('names', () => {
  const badNames = ['', 'x'.repeat(101), 'has space', '<script>', 'émoji', 'a/b'];

  it.each(badNames)('refuses the task name %j with InvalidArgumentError naming it', (name) => {
    const h = createHarness();
    expect(() => h.handler(name)).toThrow(InvalidArgumentError);
    expect(() => h.handler(name)).toThrow(
      `Invalid task name: ${JSON.stringify(name).slice(0, 60)}`,
    );
  });

  it.each(badNames)(
    'refuses the queue name %j in createQueue and the constructor',
    async (name) => {
      const h = createHarness();
      await h.scheduler.start();
      const shown = `Invalid queue name: ${JSON.stringify(name).slice(0, 60)}`;
      await expectRefused(
        () => h.scheduler.createQueue(name),
        InvalidArgumentError,
        'INVALID_ARGUMENT',
        shown,
      );
      expect((await h.scheduler.getQueues()).map((q) => q.name)).toEqual(['default']);
      expect(() => new Scheduler({ clock: new ManualClock(), queues: { [name]: {} } })).toThrow(
        shown,
      );
    },
  );

  it('accepts names of exactly 100 allowed characters', async () => {
    const h = createHarness();
    const name = `a.b:c_d-${'x'.repeat(92)}`;
    expect(name).toHaveLength(100);
    h.handler(name);
    h.scheduler.createQueue(name);
    await h.scheduler.start();
    await expect(h.scheduler.enqueueToQueue(name, name)).resolves.toEqual(expect.any(String));
  });

  it('refuses a second handler or queue of the same name with DuplicateNameError', async () => {
    const h = createHarness({ queues: { mail: {} } });
    h.handler('job');
    await expectRefused(() => h.handler('job'), DuplicateNameError, 'DUPLICATE_NAME', '"job"');
    await expectRefused(
      () => h.scheduler.createQueue('mail'),
      DuplicateNameError,
      'DUPLICATE_NAME',
      '"mail"',
    );
  });
});

describe('payloads', () => {
  class User {
    constructor(readonly name: string) {}
  }
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;

  it.each([
    ['a function', { fn: () => 1 }, '$.fn', 'type function'],
    ['a cycle', cycle, '$.self', 'refers back to itself'],
    ['a BigInt', { big: 10n }, '$.big', 'BigInt'],
    ['a Date', { when: new Date(0) }, '$.when', 'instance of Date'],
    ['a Map', { lookup: new Map([['a', 1]]) }, '$.lookup', 'instance of Map'],
    ['a class instance', { user: new User('ann') }, '$.user', 'instance of User'],
    ['NaN', { ratio: Number.NaN }, '$.ratio', 'NaN is not finite'],
    ['undefined inside an array', { list: [1, undefined, 3] }, '$.list[1]', 'undefined'],
    [
      'a symbol deep inside',
      { a: [{ b: { 'odd key': Symbol('s') } }] },
      '$.a[0].b["odd key"]',
      'symbol',
    ],
  ])(
    'refuses %s with InvalidPayloadError naming where it is',
    async (_what, payload, path, reason) => {
      const { h, nothingAdded } = await started();
      const error = await expectRefused(
        h.scheduler.enqueue('job', payload),
        InvalidPayloadError,
        'INVALID_PAYLOAD',
        `Invalid payload at ${path}: `,
      );
      expect(error.message).toContain(reason);
      await expectRefused(
        h.scheduler.addRecurringJob('1m', 'job', payload),
        InvalidPayloadError,
        'INVALID_PAYLOAD',
        path,
      );
      await nothingAdded();
    },
  );

  it('refuses a payload larger than maxPayloadBytes, counting UTF-8 bytes', async () => {
    const { h, nothingAdded } = await started();
    // JSON of a string of n 'é' is n·2 + 2 bytes.
    await expectRefused(
      h.scheduler.enqueue('job', 'é'.repeat(50)),
      PayloadTooLargeError,
      'PAYLOAD_TOO_LARGE',
      'Payload of 102 bytes exceeds the limit of 100 bytes',
    );
    await expectRefused(
      h.scheduler.enqueue('job', 'a'.repeat(99)),
      PayloadTooLargeError,
      'PAYLOAD_TOO_LARGE',
      'Payload of 101 bytes',
    );
    await nothingAdded();
    await expect(h.scheduler.enqueue('job', 'é'.repeat(49))).resolves.toEqual(expect.any(String));
    await expect(h.scheduler.enqueue('job', 'a'.repeat(98))).resolves.toEqual(expect.any(String));
  });

  it('accepts plain JSON and hands the handler an equal copy', async () => {
    const { h, job } = await started();
    const payload = {
      s: 'x',
      n: -1.5,
      b: false,
      z: null,
      list: [1, 'two', [3]],
      nested: { ok: true },
    };
    await h.scheduler.enqueue('job', payload);
    await h.scheduler.resumeQueue('default');
    await h.clock.advance(0);
    expect(job.runs[0]!.payload).toEqual(payload);
    expect(job.runs[0]!.payload).not.toBe(payload);
  });
});

describe('queue configuration', () => {
  const cases: [string, QueueConfig, string, string][] = [
    ['workers 0', { workers: 0 }, 'workers', 'workers is 0; it must be an integer from 1 to 10000'],
    ['workers 100001', { workers: 100_001 }, 'workers', 'workers is 100001'],
    ['workers 1.5', { workers: 1.5 }, 'workers', 'workers is 1.5'],
    ['maxSize 0', { maxSize: 0 }, 'maxSize', 'maxSize is 0'],
    ['timeout "5 parsecs"', { timeout: '5 parsecs' }, 'timeout', 'timeout is "5 parsecs"'],
    [
      'backoff "quadratic"',
      { retryPolicy: { backoff: 'quadratic' as never } },
      'retryPolicy.backoff',
      'retryPolicy.backoff is "quadratic"; use one of fixed, linear, exponential',
    ],
    [
      'jitter 2',
      { retryPolicy: { jitter: 2 } },
      'retryPolicy.jitter',
      'retryPolicy.jitter is 2; it must be a number from 0 to 1',
    ],
    [
      'a negative retry delay',
      { retryPolicy: { delay: -1 } },
      'retryPolicy.delay',
      'retryPolicy.delay is -1; it must not be negative',
    ],
    [
      'maxRetries -1',
      { retryPolicy: { maxRetries: -1 } },
      'retryPolicy.maxRetries',
      'retryPolicy.maxRetries is -1',
    ],
  ];

  it.each(cases)('refuses %s in the constructor', (_what, config, field, shows) => {
    let thrown: unknown;
    try {
      new Scheduler({ clock: new ManualClock(), queues: { mail: config } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidQueueConfigError);
    expect(thrown).toMatchObject({ code: 'INVALID_QUEUE_CONFIG', queue: 'mail', field });
    expect((thrown as Error).message).toContain(`Invalid configuration for queue "mail": ${shows}`);
  });

  it.each(cases)(
    'refuses %s in createQueue, adding no queue',
    async (_what, config, field, shows) => {
      const h = createHarness();
      await h.scheduler.start();
      const error = await expectRefused(
        () => h.scheduler.createQueue('mail', config),
        InvalidQueueConfigError,
        'INVALID_QUEUE_CONFIG',
        `Invalid configuration for queue "mail": ${shows}`,
      );
      expect(error).toMatchObject({ field });
      expect((await h.scheduler.getQueues()).map((q) => q.name)).toEqual(['default']);
    },
  );

  it('refuses bad scheduler-wide numbers in the constructor, naming the option', () => {
    const clock = new ManualClock();
    expect(() => new Scheduler({ clock, maxWorkers: 0 })).toThrow('Invalid maxWorkers: 0');
    expect(() => new Scheduler({ clock, queueSize: 1.5 })).toThrow('Invalid queueSize: 1.5');
    expect(() => new Scheduler({ clock, maxPayloadBytes: -1 })).toThrow(
      'Invalid maxPayloadBytes: -1',
    );
  });
});

describe('job and schedule options', () => {
  it.each([
    ['priority', { priority: 1.5 }, 'Invalid priority: 1.5'],
    ['retries', { retries: -1 }, 'Invalid retries: -1'],
    ['id', { id: 'a b' }, 'Invalid id: "a b"'],
    ['queue', { queue: '<b>' }, 'Invalid queue: "<b>"'],
  ])('refuses a bad %s on an add', async (_field, options, shows) => {
    const { h, nothingAdded } = await started();
    await expectRefused(
      h.scheduler.enqueue('job', null, options as never),
      InvalidArgumentError,
      'INVALID_ARGUMENT',
      shows,
    );
    await nothingAdded();
  });

  it.each([
    [
      'overlap',
      { overlap: 'sometimes' },
      'Invalid overlap: "sometimes"; use one of skip, allow, queue',
    ],
    [
      'misfire',
      { misfire: 'never' },
      'Invalid misfire: "never"; use one of skip, run-once, run-all',
    ],
    ['maxCatchUp', { maxCatchUp: 0 }, 'Invalid maxCatchUp: 0'],
    ['schedule id', { id: 'has space' }, 'Invalid schedule id: "has space"'],
  ])('refuses a bad %s on a schedule', async (_field, options, shows) => {
    const { h, nothingAdded } = await started();
    await expectRefused(
      h.scheduler.addRecurringJob('1m', 'job', null, options as never),
      InvalidArgumentError,
      'INVALID_ARGUMENT',
      shows,
    );
    await nothingAdded();
  });
});
