import { TASK_STATUSES, type TaskFilter, type TaskStatus } from '../core/types.js';
import { badRequest } from './admin-http-error.js';

/** The largest page the API returns. */
export const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 50;
const MAX_TEXT_LENGTH = 200;
const KNOWN = new Set(['status', 'queue', 'name', 'limit', 'offset']);

/** A query string as the HTTP platforms parse it: values may repeat (arrays) or nest (objects). */
export type RawQuery = Record<string, unknown>;

/**
 * Turns the query of `GET /tasks` into a TaskFilter, or throws a 400 that
 * names the offending parameter and what it accepts.
 */
export function parseTaskQuery(query: RawQuery): TaskFilter {
  for (const key of Object.keys(query)) {
    if (!KNOWN.has(key)) {
      throw badRequest(`Unknown query parameter ${JSON.stringify(key)}.`, key, [...KNOWN]);
    }
  }
  const filter: TaskFilter = {
    limit: integer(query, 'limit', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE,
    offset: integer(query, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0,
  };
  const statuses = statusList(query);
  if (statuses !== undefined) filter.status = statuses;
  const queue = text(query, 'queue');
  if (queue !== undefined) filter.queue = queue;
  const name = text(query, 'name');
  if (name !== undefined) filter.name = name;
  return filter;
}

/** One value of a parameter: repeated or nested parameters are refused. */
function single(query: RawQuery, field: string): string | undefined {
  const value = query[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw badRequest(`Query parameter ${field} must be given once, as plain text.`, field);
  }
  return value;
}

function text(query: RawQuery, field: string): string | undefined {
  const value = single(query, field);
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_TEXT_LENGTH) {
    throw badRequest(
      `Query parameter ${field} is longer than ${MAX_TEXT_LENGTH} characters.`,
      field,
    );
  }
  return value;
}

function integer(query: RawQuery, field: string, min: number, max: number): number | undefined {
  const value = single(query, field);
  if (value === undefined || value === '') return undefined;
  const number = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw badRequest(
      `Query parameter ${field} must be a whole number from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any size' : max}.`,
      field,
      [`${min}..${max === Number.MAX_SAFE_INTEGER ? '' : max}`],
    );
  }
  return number;
}

function statusList(query: RawQuery): TaskStatus[] | undefined {
  const value = single(query, 'status');
  if (value === undefined || value === '') return undefined;
  const statuses = value.split(',').map((part) => part.trim());
  for (const status of statuses) {
    if (!TASK_STATUSES.includes(status as TaskStatus)) {
      throw badRequest(`Unknown status ${JSON.stringify(status.slice(0, 40))}.`, 'status', [
        ...TASK_STATUSES,
      ]);
    }
  }
  return statuses as TaskStatus[];
}
