/**
 * Where a workload runs: the store behind the engine and the number of
 * engine instances are parameters of the run (`--store`, `--instances`), so
 * that a workload is written once against a {@link Deployment} and later
 * runs unchanged on SQLite, PostgreSQL or several instances.
 */
import type { SchedulerLogger } from '../../lib/core/logger.js';
import type { SchedulerOptions } from '../../lib/core/options.js';
import { Scheduler } from '../../lib/core/scheduler.js';
import { MemoryTaskStore } from '../../lib/store/memory/memory-task-store.js';
import type { TaskStore, TaskUpdate } from '../../lib/store/task-store.js';
import { now } from './stats.js';

/** Stores the benchmark can run on; SQL stores join this list as they land. */
export const STORE_KINDS = ['memory'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** A fresh, empty store and how to dispose of it after a run. */
interface ProvidedStore {
  store: TaskStore;
  dispose(): Promise<void>;
}

/**
 * One fresh store per deployment. A SQL store would create a fresh database
 * (or table prefix) here and drop it in dispose(); several instances of one
 * deployment share it.
 */
async function provideStore(kind: StoreKind): Promise<ProvidedStore> {
  switch (kind) {
    case 'memory':
      return { store: new MemoryTaskStore(), dispose: async () => {} };
  }
}

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

/** A store whose applied updates are reported to `counter`; every other call goes straight through. */
function observed(store: TaskStore, counter: CompletionCounter): TaskStore {
  const updateTasks = async (updates: readonly TaskUpdate[]): Promise<boolean[]> => {
    const applied = await store.updateTasks(updates);
    counter.note(updates, applied);
    return applied;
  };
  const bound = new Map<PropertyKey, unknown>();
  // A Proxy rather than a class listing every method, so that methods added to TaskStore later pass through.
  return new Proxy(store, {
    get(target, key) {
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
  readonly logger: SilentLogger;
  /** Registers the handler on every instance (any of them may run the task). */
  registerHandler(name: string, execute: Parameters<Scheduler['registerHandler']>[1]): void;
  start(): Promise<void>;
  /** Stops every instance and disposes of the store. */
  stop(): Promise<void>;
}

/** The parameters of a benchmark run that shape deployments. */
export interface DeploymentConfig {
  store: StoreKind;
  instances: number;
}

/** Builds a deployment of `config.instances` engines over one fresh `config.store`. */
export async function deploy(
  config: DeploymentConfig,
  options: WorkloadOptions,
): Promise<Deployment> {
  if (config.instances !== 1) {
    // Several instances need a shared store and a coordinator that wakes the others (issue #5).
    throw new Error(`--instances ${config.instances}: only 1 instance is supported so far`);
  }
  const provided = await provideStore(config.store);
  const completions = new CompletionCounter();
  const logger = new SilentLogger();
  const instances = Array.from(
    { length: config.instances },
    () => new Scheduler({ ...options, logger, store: observed(provided.store, completions) }),
  );
  return {
    client: instances[0]!,
    instances,
    completions,
    logger,
    registerHandler(name, handler) {
      for (const instance of instances) instance.registerHandler(name, handler);
    },
    async start() {
      await Promise.all(instances.map((instance) => instance.start()));
    },
    async stop() {
      await Promise.all(instances.map((instance) => instance.stop()));
      await provided.dispose();
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
