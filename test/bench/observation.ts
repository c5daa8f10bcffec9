/**
 * What a benchmark observes of an engine instance without slowing it down:
 * the warnings and errors it logged, the completions its store recorded and
 * (on a durable store) the store's hot-path calls. Shared by the instances
 * of the main process (deployment.ts) and those in other processes
 * (instance-worker.ts), which report the same figures back.
 */
import type { SchedulerLogger } from '../../lib/core/logger.js';
import type { TaskStore, TaskUpdate } from '../../lib/store/task-store.js';
import { now } from './stats.js';
import { countedMethods, isCounted, type StoreCalls } from './store-calls.js';

/** A logger's counts, as an instance in another process reports them. */
export interface LoggedProblems {
  warnings: number;
  errors: number;
  lastProblem: string | null;
}

/** Counts warnings and errors without printing anything: the benchmark must stay silent. */
export class SilentLogger implements SchedulerLogger, LoggedProblems {
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

  /** Adds what another instance's logger counted. */
  absorb(other: LoggedProblems): void {
    this.warnings += other.warnings;
    this.errors += other.errors;
    this.lastProblem = other.lastProblem ?? this.lastProblem;
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
  private waiter: {
    target: number;
    resolve(at: number): void;
    reject(reason: Error): void;
  } | null = null;
  private failure: Error | null = null;

  /** `changed`: told the new count whenever completions were recorded. */
  constructor(private readonly changed?: (count: number) => void) {}

  get completed(): number {
    return this.count;
  }

  /** Called with every batch of updates a store applied. */
  note(updates: readonly TaskUpdate[], applied: readonly boolean[]): void {
    let completed = 0;
    for (let i = 0; i < updates.length; i += 1) {
      if (applied[i] === true && updates[i]!.set.status === 'completed') completed += 1;
    }
    if (completed > 0) this.add(completed);
  }

  /** Counts completions recorded elsewhere (by an instance in another process). */
  add(completed: number): void {
    this.count += completed;
    this.changed?.(this.count);
    if (this.waiter !== null && this.count >= this.waiter.target) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve(now());
    }
  }

  /** The completions being waited for will not all come (an instance is gone): the wait fails now. */
  fail(reason: Error): void {
    this.failure ??= reason;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.reject(reason);
  }

  /**
   * Resolves to the monotonic time (ms) at which the `target`-th completion
   * was recorded; rejects after `timeoutMs` so that a lost task fails the run
   * instead of hanging it.
   */
  whenCompleted(target: number, timeoutMs: number): Promise<number> {
    if (this.count >= target) return Promise.resolve(now());
    if (this.failure !== null) return Promise.reject(this.failure);
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
        reject: (reason) => {
          clearTimeout(timer);
          reject(reason);
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
export function observed(
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
