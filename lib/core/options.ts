import type { Coordinator } from '../coordination/coordinator.js';
import type { TaskStore } from '../store/task-store.js';
import type { Clock } from './clock.js';
import { parseDuration, parsePositiveDuration, type Duration } from './duration.js';
import { InvalidArgumentError, InvalidDurationError, InvalidQueueConfigError } from './errors.js';
import type { SchedulerLogger } from './logger.js';
import type { BackoffKind, RetryPolicy } from './retry-policy.js';
import { assertInteger, assertName } from './validation.js';

/** Retry policy of a queue, as configured. */
export interface RetryPolicyConfig {
  /** Retries after the first attempt (default 0). */
  maxRetries?: number;
  /** Base delay before a retry (default '1s'). */
  delay?: Duration;
  /** 'fixed' (default), 'linear' or 'exponential'. */
  backoff?: BackoffKind;
  /** Spread of each delay, from 0 (default) to 1 (±100%). */
  jitter?: number;
  /** Cap on any retry delay (default '1h'). */
  maxDelay?: Duration;
}

/** A queue, as configured. */
export interface QueueConfig {
  /** Waiting tasks (delayed ones included) beyond which adds are refused; default `queueSize`. */
  maxSize?: number;
  /** Tasks of this queue running at once; default `maxWorkers`. */
  workers?: number;
  /** Per-attempt time limit; default none. */
  timeout?: Duration;
  retryPolicy?: RetryPolicyConfig;
}

/** Finished tasks kept for listing and statistics. */
export interface RetentionOptions {
  /** Newest finished tasks kept (default 10,000). */
  maxTasks?: number;
  /** Finished tasks older than this are removed (default '7d'). */
  maxAge?: Duration;
}

/** Options of the engine (`new Scheduler(options)`). */
export interface SchedulerOptions {
  /** Cap on tasks running at once, all queues together (default 10). */
  maxWorkers?: number;
  /** Default `maxSize` of every queue (default 1000). */
  queueSize?: number;
  /** Named queues; `default` always exists and may be configured here too. */
  queues?: Record<string, QueueConfig>;
  /** How long shutdown waits for running tasks before aborting them (default '30s'). */
  shutdownTimeout?: Duration;
  /** How long an aborted attempt (timeout, cancel, shutdown) may hold its worker slot (default '1s'). */
  abortGracePeriod?: Duration;
  retention?: RetentionOptions;
  /** Largest payload accepted, in bytes of JSON (default 1 MiB). */
  maxPayloadBytes?: number;
  /** Time zone of cron schedules that name none (default: the process's). */
  timeZone?: string;
  /**
   * Lease of a claimed task: renewed while it runs; if its node stops
   * renewing (a crash), the task is recovered once the lease runs out
   * (default '30s').
   */
  lease?: Duration;
  /** How often running tasks' leases are renewed (default a third of `lease`). */
  renewEvery?: Duration;
  /** This instance's id in task records; default host-pid-random. */
  nodeId?: string;
  store?: TaskStore;
  coordinator?: Coordinator;
  clock?: Clock;
  logger?: SchedulerLogger;
  /** Source of randomness for retry jitter, in [0, 1). */
  random?: () => number;
}

/** A queue's configuration with every default applied. */
export interface ResolvedQueueConfig {
  name: string;
  maxSize: number;
  workers: number;
  timeoutMs: number | null;
  retry: RetryPolicy;
}

/** Engine settings with every default applied and every value checked. */
export interface ResolvedOptions {
  maxWorkers: number;
  queueSize: number;
  queues: ResolvedQueueConfig[];
  shutdownTimeoutMs: number;
  abortGracePeriodMs: number;
  retention: { maxTasks: number; maxAgeMs: number };
  maxPayloadBytes: number;
  timeZone: string;
  leaseMs: number;
  renewEveryMs: number;
}

/** Bounds on configuration: beyond these a value is a mistake, not a plan. */
export const LIMITS = {
  maxWorkers: 10_000,
  maxSize: 10_000_000,
  maxRetries: 1_000,
  queues: 1_000,
  maxPayloadBytes: 64 * 1024 * 1024,
  retentionTasks: 10_000_000,
} as const;

const BACKOFFS: readonly BackoffKind[] = ['fixed', 'linear', 'exponential'];

/** Checks and completes the engine options; throws a typed error naming the first bad value. */
export function resolveOptions(options: SchedulerOptions): ResolvedOptions {
  const maxWorkers = assertInteger('maxWorkers', options.maxWorkers ?? 10, 1, LIMITS.maxWorkers);
  const queueSize = assertInteger('queueSize', options.queueSize ?? 1000, 1, LIMITS.maxSize);
  const configs: Record<string, QueueConfig> = { default: {}, ...options.queues };
  const names = Object.keys(configs);
  if (names.length > LIMITS.queues) {
    throw new InvalidArgumentError('queues', names.length, `at most ${LIMITS.queues} queues`);
  }
  return {
    maxWorkers,
    queueSize,
    queues: names.map((name) =>
      resolveQueueConfig(name, configs[name] ?? {}, { maxWorkers, queueSize }),
    ),
    shutdownTimeoutMs: parseDuration(options.shutdownTimeout ?? '30s', 'shutdownTimeout'),
    abortGracePeriodMs: parseDuration(options.abortGracePeriod ?? '1s', 'abortGracePeriod'),
    retention: {
      maxTasks: assertInteger(
        'retention.maxTasks',
        options.retention?.maxTasks ?? 10_000,
        0,
        LIMITS.retentionTasks,
      ),
      maxAgeMs: parseDuration(options.retention?.maxAge ?? '7d', 'retention.maxAge'),
    },
    maxPayloadBytes: assertInteger(
      'maxPayloadBytes',
      options.maxPayloadBytes ?? 1024 * 1024,
      1,
      LIMITS.maxPayloadBytes,
    ),
    timeZone: options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    ...resolveLease(options),
  };
}

/** The lease and its renewal period; renewals must come well within the lease. */
function resolveLease(options: SchedulerOptions): { leaseMs: number; renewEveryMs: number } {
  const leaseMs = parsePositiveDuration(options.lease ?? '30s', 'lease');
  const renewEveryMs =
    options.renewEvery === undefined
      ? Math.max(1, Math.floor(leaseMs / 3))
      : parsePositiveDuration(options.renewEvery, 'renewEvery');
  if (renewEveryMs * 2 > leaseMs) {
    throw new InvalidDurationError(
      'renewEvery',
      options.renewEvery,
      `it must be at most half the lease (${leaseMs} ms), so that a late renewal still comes in time`,
    );
  }
  return { leaseMs, renewEveryMs };
}

/** Checks and completes one queue's configuration. */
export function resolveQueueConfig(
  name: string,
  config: QueueConfig,
  defaults: { maxWorkers: number; queueSize: number },
): ResolvedQueueConfig {
  assertName('queue name', name);
  if (typeof config !== 'object' || config === null) {
    throw new InvalidQueueConfigError(name, 'the configuration', config, 'pass an object');
  }
  const field = <T>(label: string, check: () => T): T => {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof InvalidArgumentError || error instanceof InvalidDurationError)) {
        throw error;
      }
      throw new InvalidQueueConfigError(name, label, readPath(config, label), error.expectation);
    }
  };
  const retry = config.retryPolicy ?? {};
  return {
    name,
    maxSize: field('maxSize', () =>
      assertInteger('maxSize', config.maxSize ?? defaults.queueSize, 1, LIMITS.maxSize),
    ),
    workers: field('workers', () =>
      assertInteger('workers', config.workers ?? defaults.maxWorkers, 1, LIMITS.maxWorkers),
    ),
    timeoutMs: field('timeout', () =>
      config.timeout === undefined ? null : parsePositiveDuration(config.timeout, 'timeout'),
    ),
    retry: {
      maxRetries: field('retryPolicy.maxRetries', () =>
        assertInteger('maxRetries', retry.maxRetries ?? 0, 0, LIMITS.maxRetries),
      ),
      delayMs: field('retryPolicy.delay', () => parseDuration(retry.delay ?? '1s', 'delay')),
      backoff: field('retryPolicy.backoff', () => checkBackoff(retry.backoff ?? 'fixed')),
      jitter: field('retryPolicy.jitter', () => checkFraction(retry.jitter ?? 0)),
      maxDelayMs: field('retryPolicy.maxDelay', () =>
        parseDuration(retry.maxDelay ?? '1h', 'maxDelay'),
      ),
    },
  };
}

function checkBackoff(value: unknown): BackoffKind {
  if (!BACKOFFS.includes(value as BackoffKind)) {
    throw new InvalidArgumentError('backoff', value, `use one of ${BACKOFFS.join(', ')}`);
  }
  return value as BackoffKind;
}

function checkFraction(value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidArgumentError('jitter', value, 'it must be a number from 0 to 1');
  }
  return value;
}

function readPath(config: QueueConfig, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}
