import type { TaskStore } from '../store/task-store.js';
import { SchedulerError, StoreUnavailableError } from './errors.js';
import type { StoreHealth } from './store-health.js';

type StoreMethod = keyof TaskStore;

const METHODS: readonly StoreMethod[] = [
  'open',
  'close',
  'insertTasks',
  'claimDue',
  'updateTasks',
  'renewLeases',
  'findExpiredLeases',
  'getTask',
  'listTasks',
  'countTasks',
  'prune',
  'saveSchedule',
  'updateSchedule',
  'deleteSchedule',
  'listSchedules',
];

/**
 * The store as the engine sees it: a driver's failure becomes a typed
 * StoreUnavailableError naming the operation (the driver's error is its
 * cause), and every call reports to the store's health. Typed errors a
 * store raises on purpose (a bad table prefix) pass through unchanged.
 */
export function guardStore(store: TaskStore, health: StoreHealth): TaskStore {
  const guarded = {} as Record<StoreMethod, (...args: unknown[]) => Promise<unknown>>;
  for (const method of METHODS) {
    const call = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
    guarded[method] = (...args) =>
      call(...args).then(
        (result) => {
          if (health.failing) health.succeeded();
          return result;
        },
        (error: unknown) => {
          if (error instanceof SchedulerError) throw error;
          health.failed(method, error);
          throw new StoreUnavailableError(method, error);
        },
      );
  }
  return guarded as unknown as TaskStore;
}
