/**
 * One engine instance of a multi-instance deployment (`--instances N`), as
 * the main process and the instance workers (instance-worker.ts) both build
 * it, so that every instance is configured alike; and the messages the two
 * exchange over the fork's IPC channel.
 */
import { PostgresCoordinator } from '../../lib/coordination/postgres/postgres-coordinator.js';
import { systemClock } from '../../lib/core/clock.js';
import type { SchedulerOptions } from '../../lib/core/options.js';
import { Scheduler } from '../../lib/core/scheduler.js';
import type { TaskStore } from '../../lib/store/task-store.js';
import type { ServerStoreOptions } from '../../lib/store/typeorm/index.js';
import type { HandlerKind, LatenessReport } from './handlers.js';
import type { LoggedProblems, SilentLogger } from './observation.js';
import type { CallCounts } from './store-calls.js';

/**
 * Engine options a workload chooses: plain data, so that instances in other
 * processes get the same (store, logger, coordinator and clock belong to
 * the deployment).
 */
export type WorkloadOptions = Omit<
  SchedulerOptions,
  'store' | 'logger' | 'coordinator' | 'clock' | 'random' | 'nodeId'
>;

/**
 * The coordinator's fallback poll. Long, so that every wake-up measured is
 * a notification: a task that waited for a poll shows as a minute late.
 */
export const POLL_INTERVAL_MS = 60_000;

/** How often at most an instance worker reports its completions: bounds how late the last one is seen. */
export const COMPLETION_REPORT_MS = 10;

/** An engine over `store` (opened over `storeOptions`), coordinated through the store's PostgreSQL. */
export function coordinatedScheduler(
  store: TaskStore,
  storeOptions: ServerStoreOptions,
  options: WorkloadOptions,
  logger: SilentLogger,
): { scheduler: Scheduler; coordinator: PostgresCoordinator } {
  const { url, schema } = storeOptions;
  if (url === undefined || schema === undefined) {
    throw new Error('a coordinated instance needs the store given by url and schema');
  }
  const coordinator = new PostgresCoordinator({
    connection: async () => ({ connectionString: url }),
    // Channels are database-wide and named after the table prefix, which every schema shares by
    // default: name them after the deployment's schema, so that concurrent runs do not wake each other.
    tablePrefix: `${schema}_`,
    clock: systemClock,
    pollIntervalMs: POLL_INTERVAL_MS,
    logger,
  });
  return { scheduler: new Scheduler({ ...options, store, coordinator, logger }), coordinator };
}

/** What an instance in another process saw, reported when it stops. */
export interface InstanceReport {
  nodeId: string;
  /** Completions its store recorded. */
  completed: number;
  /** Its store's hot-path calls, from the end of its start() to its stop(). */
  calls: CallCounts;
  problems: LoggedProblems;
  /** Its coordinator's measured offset to the database clock, ms (its engine's time is Date.now() plus this). */
  clockOffsetMs: number;
  /** What its lateness probe recorded; null without one. */
  lateness: LatenessReport | null;
}

/** Main process → instance worker. */
export type ToWorker =
  | {
      type: 'start';
      /** The deployment's instance in this worker; every reply names it. */
      id: number;
      store: ServerStoreOptions;
      options: WorkloadOptions;
      /** Handler kind by task name. */
      handlers: Record<string, HandlerKind>;
    }
  | { type: 'stop'; id: number };

/** Instance worker → main process. */
export type FromWorker =
  | { type: 'started'; id: number; nodeId: string }
  | { type: 'failed'; id: number; message: string }
  /** Completions so far (a running total), sent at most every {@link COMPLETION_REPORT_MS}. */
  | { type: 'completed'; id: number; count: number }
  /** `report` is null when the instance never started. */
  | { type: 'stopped'; id: number; report: InstanceReport | null };
