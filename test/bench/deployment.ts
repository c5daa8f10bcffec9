/**
 * Where a workload runs: the store behind the engine and the number of
 * engine instances are parameters of the run (`--store`, `--instances`), so
 * that a workload is written once against a {@link Deployment} and runs
 * unchanged on memory, SQLite, PostgreSQL or MySQL (see storage.ts).
 *
 * Several instances (PostgreSQL only) are several processes, as in
 * production: the main process runs the instance work is added through,
 * and N-1 instance workers (instance-hosts.ts) run one each, all over the
 * same tables and coordinated through the PostgreSQL coordinator.
 */
import { Scheduler } from '../../lib/core/scheduler.js';
import type { HandlerKind } from './handlers.js';
import { instanceHosts } from './instance-hosts.js';
import { coordinatedScheduler, type InstanceReport, type WorkloadOptions } from './instance.js';
import { CompletionCounter, observed, SilentLogger } from './observation.js';
import { StoreCalls } from './store-calls.js';
import { isDurable, provideStorage, type Storage, type StoreConfig } from './storage.js';

export { STORE_KINDS, type StoreKind } from './storage.js';
export type { CallCount, CallCounts, StoreCalls } from './store-calls.js';
export type { InstanceReport, WorkloadOptions } from './instance.js';
export { CompletionCounter, SilentLogger } from './observation.js';

/** The engine instances of one measurement, sharing one store. */
export interface Deployment {
  /** The instance work is added through. */
  readonly client: Scheduler;
  /** The instances in this process (the client first). */
  readonly instances: readonly Scheduler[];
  /** Completions of every instance, this process's and the others'. */
  readonly completions: CompletionCounter;
  /**
   * The store's hot-path calls; null on the memory store (not counted).
   * Other processes' calls are added at stop().
   */
  readonly calls: StoreCalls | null;
  /** Other processes' warnings and errors are added at stop(). */
  readonly logger: SilentLogger;
  /** What each instance in another process reported when it stopped; empty before stop(). */
  readonly reports: readonly InstanceReport[];
  /** This process's coordinator's measured offset to the database clock, ms; null with one instance. */
  clockOffsetMs(): number | null;
  /**
   * Registers the handler on every instance (any of them may run the task).
   * Instances in other processes cannot be given a function: they register
   * the handler of kind `remote` instead (see handlers.ts).
   */
  registerHandler(
    name: string,
    execute: Parameters<Scheduler['registerHandler']>[1],
    remote?: HandlerKind,
  ): void;
  start(): Promise<void>;
  /** Stops every instance and disposes of the storage. */
  stop(): Promise<void>;
  /**
   * A restart: stops every instance (gracefully) but keeps the storage, and
   * returns new, unstarted instances over new stores on the same storage.
   * This deployment is done; the new one's stop() disposes of the storage.
   * Durable stores, one instance only.
   */
  restart(): Promise<Deployment>;
}

/** The parameters of a benchmark run that shape deployments. */
export interface DeploymentConfig extends StoreConfig {
  instances: number;
}

/** Builds a deployment of `config.instances` engines over fresh `config.store` storage. */
export async function deploy(
  config: DeploymentConfig,
  options: WorkloadOptions,
): Promise<Deployment> {
  if (config.instances === 1) return build(config, options, await provideStorage(config));
  if (config.store !== 'postgres') {
    // The instances wake each other through PostgreSQL's LISTEN/NOTIFY.
    throw new Error(`--instances ${config.instances}: several instances need --store postgres`);
  }
  return buildCluster(config, options, await provideStorage(config));
}

/** One instance in this process (the store's own pace, no coordination). */
async function build(
  config: DeploymentConfig,
  options: WorkloadOptions,
  storage: Storage,
): Promise<Deployment> {
  const store = await storage.store();
  const completions = new CompletionCounter();
  const calls = isDurable(config.store) ? new StoreCalls() : null;
  const logger = new SilentLogger();
  const client = new Scheduler({ ...options, logger, store: observed(store, completions, calls) });
  return {
    client,
    instances: [client],
    completions,
    calls,
    logger,
    reports: [],
    clockOffsetMs: () => null,
    registerHandler(name, handler) {
      client.registerHandler(name, handler);
    },
    async start() {
      await client.start();
    },
    async stop() {
      await client.stop();
      await storage.dispose();
    },
    async restart() {
      if (!isDurable(config.store)) throw new Error(`the ${config.store} store cannot restart`);
      await client.stop();
      return build(config, options, storage);
    },
  };
}

/** This process's instance and `config.instances - 1` in instance workers, all coordinated. */
async function buildCluster(
  config: DeploymentConfig,
  options: WorkloadOptions,
  storage: Storage,
): Promise<Deployment> {
  const shared = storage.shared;
  if (shared === null) throw new Error(`the ${config.store} store cannot be shared`);
  const completions = new CompletionCounter();
  const calls = new StoreCalls();
  const logger = new SilentLogger();
  const store = observed(await storage.store(), completions, calls);
  const { scheduler: client, coordinator } = coordinatedScheduler(store, shared, options, logger);
  const remotes = instanceHosts(config.instances - 1).map((host) => host.instance(completions));
  const handlers: Record<string, HandlerKind> = {};
  const reports: InstanceReport[] = [];
  return {
    client,
    instances: [client],
    completions,
    calls,
    logger,
    reports,
    clockOffsetMs: () => coordinator.clockOffsetMs,
    registerHandler(name, handler, remote) {
      if (remote === undefined) {
        throw new Error(`handler ${name}: instances in other processes need its kind`);
      }
      client.registerHandler(name, handler);
      handlers[name] = remote;
    },
    async start() {
      // First alone: it creates the schema and runs the migrations, which the others then find done.
      await client.start();
      await Promise.all(
        remotes.map((remote) => remote.start({ store: shared, options, handlers })),
      );
    },
    async stop() {
      const stopped = await Promise.allSettled([
        client.stop().then(() => null),
        ...remotes.map((remote) => remote.stop()),
      ]);
      for (const result of stopped) {
        if (result.status !== 'fulfilled' || result.value === null) continue;
        reports.push(result.value);
        logger.absorb(result.value.problems);
        calls.absorb(result.value.calls);
      }
      // Also when an instance failed to stop: the storage must not outlive the run.
      await storage.dispose();
      const failed = stopped.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
    async restart() {
      throw new Error('a deployment of several instances cannot restart');
    },
  };
}

/** A note for the table when the engine logged warnings or errors during a measurement. */
export function problems(loggers: readonly SilentLogger[]): string | undefined {
  let warnings = 0;
  let errors = 0;
  let last: string | null = null;
  for (const logger of loggers) {
    warnings += logger.warnings;
    errors += logger.errors;
    last = logger.lastProblem ?? last;
  }
  if (warnings === 0 && errors === 0) return undefined;
  return `engine logged ${errors} error(s), ${warnings} warning(s); last: ${last}`;
}
