import type { TaskStore } from '../task-store.js';

/** What each dialect implements: the store's operations; the store itself opens and closes. */
export type TaskBackend = Omit<TaskStore, 'open' | 'close'>;
