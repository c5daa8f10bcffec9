/**
 * Where a workload runs: the store behind the engine and the number of
 * engine instances are parameters of the run (`--store`, `--instances`), so
 * that a workload is written once against a {@link Deployment} and runs
 * unchanged on memory, SQLite, PostgreSQL or MySQL (see storage.ts).
 */
import type { SchedulerLogger } from '../../lib/core/logger.js';
import type { SchedulerOptions } from '../../lib/core/options.js';
import { Scheduler } from '../../lib/core/scheduler.js';
import type { TaskStore, TaskUpdate } from '../../lib/store/task-store.js';
import { now } from './stats.js';
import { countedMethods, isCounted, StoreCalls } from './store-calls.js';
import { isDurable, provideStorage, type Storage, type StoreConfig } from './storage.js';

export { STORE_KINDS, type StoreKind } from './storage.js';
export type { CallCount, CallCounts, StoreCalls } from './store-calls.js';

/** Counts warnings and errors without printing anything: the benchmark must stay silent. */
export class SilentLogger implements SchedulerLogger {
  warnings = 0;
  errors = 0;
  lastProblem: string | null = null;

  log(): void {}

  warn(message: string): void {
    this.warnings += 1;
    this.lastProblem = message;
  }

  error(message: string): void {
    this.errors += 1;
    this.lastProblem = message;
  }
}

/**
 * Completions as the store records them: a task counts once the engine's
 * write of `completed` has been applied (for a SQL store, committed). This
 * works alike for every store and any number of instances, and unlike a
 * listener on `events$` it does not switch on the engine's event snapshots,
 * which would slow the very path being measured.
 */
export class CompletionCounter {
  private count = 0;
  private waiter: { target: number; resolve(at: number): void } | null = null;

  get completed(): number {
    return this.count;
  }

  /** Called with every batch of updates a store applied. */
  note(updates: readonly TaskUpdate[], applied: readonly boolean[]): void {
    for (let i = 0; i < updates.length; i += 1) {
      if (applied[i] === true && updates[i]!.set.status === 'completed') this.count += 1;
    }
    if (this.waiter !== null && this.count >= this.waiter.target) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve(now());
    }
  }

  /**
   * Resolves to the monotonic time (ms) at which the `target`-th completion
   * was recorded; rejects after `timeoutMs` so that a lost task fails the run
   * instead of hanging it.
   */
  whenCompleted(target: number, timeoutMs: number): Promise<number> {
    if (this.count >= target) return Promise.resolve(now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`only ${this.count} of ${target} tasks completed within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        target,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
    });
  }
}

/**
 * A store whose applied updates are reported to `counter`, and whose
 * hot-path calls are counted by `calls` if given; every other call goes
 * straight through.
 */
function observed(
  store: TaskStore,
  counter: CompletionCounter,
  calls: StoreCalls | null,
): TaskStore {
  const updateTasks = async (updates: readonly TaskUpdate[]): Promise<boolean[]> => {
    const applied = await store.updateTasks(updates);
    counter.note(updates, applied);
    return applied;
  };
  const counted = calls === null ? null : countedMethods(store, calls, updateTasks);
  const bound = new Map<PropertyKey, unknown>();
  // A Proxy rather than a class listing every method, so that methods added to TaskStore later pass through.
  return new Proxy(store, {
    get(target, key) {
      if (counted !== null && isCounted(key)) return counted[key];
      if (key === 'updateTasks') return updateTasks;
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(key);
      if (method === undefined) bound.set(key, (method = value.bind(target)));
      return method;
    },
  });
}

/** Engine options a workload chooses; store and logger belong to the deployment. */
export type WorkloadOptions = Omit<SchedulerOptions, 'store' | 'logger'>;

/** The engine instances of one measurement, sharing one store. */
export interface Deployment {
  /** The instance work is added through. */
  readonly client: Scheduler;
  readonly instances: readonly Scheduler[];
  readonly completions: CompletionCounter;
  /** The store's hot-path calls; null on the memory store (not counted). */
  readonly calls: StoreCalls | null;
  readonly logger: SilentLogger;
  /** Registers the handler on every instance (any of them may run the task). */
  registerHandler(name: string, execute: Parameters<Scheduler['registerHandler']>[1]): void;
  start(): Promise<void>;
  /** Stops every instance and disposes of the storage. */
  stop(): Promise<void>;
  /**
   * A restart: stops every instance (gracefully) but keeps the storage, and
   * returns new, unstarted instances over new stores on the same storage.
   * This deployment is done; the new one's stop() disposes of the storage.
   * Durable stores only.
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
  if (config.instances !== 1) {
    // Several instances need a shared store and a coordinator that wakes the others (issue #5).
    throw new Error(`--instances ${config.instances}: only 1 instance is supported so far`);
  }
  return build(config, options, await provideStorage(config));
}

async function build(
  config: DeploymentConfig,
  options: WorkloadOptions,
  storage: Storage,
): Promise<Deployment> {
  const store = await storage.store();
  const completions = new CompletionCounter();
  const calls = isDurable(config.store) ? new StoreCalls() : null;
  const logger = new SilentLogger();
  const instances = Array.from(
    { length: config.instances },
    () => new Scheduler({ ...options, logger, store: observed(store, completions, calls) }),
  );
  const stopAll = () => Promise.all(instances.map((instance) => instance.stop()));
  return {
    client: instances[0]!,
    instances,
    completions,
    calls,
    logger,
    registerHandler(name, handler) {
      for (const instance of instances) instance.registerHandler(name, handler);
    },
    async start() {
      await Promise.all(instances.map((instance) => instance.start()));
    },
    async stop() {
      await stopAll();
      await storage.dispose();
    },
    async restart() {
      if (!isDurable(config.store)) throw new Error(`the ${config.store} store cannot restart`);
      await stopAll();
      return build(config, options, storage);
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
