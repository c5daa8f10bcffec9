import type { TaskQuery } from '../store/task-store.js';
import { InvalidArgumentError } from './errors.js';
import { TASK_STATUSES, type TaskFilter, type TaskStatus } from './types.js';
import { assertInteger, assertName } from './validation.js';

const MAX_PAGE = 1000;
const MAX_OFFSET = 1_000_000_000;

/** Checks a public filter and turns it into a store query. */
export function toQuery(filter: TaskFilter): TaskQuery {
  if (typeof filter !== 'object' || filter === null) {
    throw new InvalidArgumentError('filter', filter, 'pass an object');
  }
  const query: TaskQuery = {
    limit: assertInteger('limit', filter.limit ?? 100, 1, MAX_PAGE),
    offset: assertInteger('offset', filter.offset ?? 0, 0, MAX_OFFSET),
  };
  if (filter.status !== undefined) {
    const statuses: readonly unknown[] = Array.isArray(filter.status)
      ? filter.status
      : [filter.status];
    for (const status of statuses) {
      if (!TASK_STATUSES.includes(status as TaskStatus)) {
        throw new InvalidArgumentError('status', status, `use one of ${TASK_STATUSES.join(', ')}`);
      }
    }
    query.statuses = statuses as TaskStatus[];
  }
  if (filter.queue !== undefined) query.queue = assertName('queue', filter.queue);
  if (filter.name !== undefined) query.name = assertName('name', filter.name);
  return query;
}
