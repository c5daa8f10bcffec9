import { STATUSES } from './constants.js';

export const state = {
  filters: { status: '', queue: '', name: '' },
  offset: 0,
  total: 0,
  /** Rows of the current page by task id: { tr, task, cells }. */
  rows: new Map(),
  detailId: null,
  detailReturnFocus: null,
  stats: null,
  statsAt: 0,
  queues: [],
  queueRows: new Map(),
  throughput: {},
  history: null,
  scheduleRows: new Map(),
  knownQueues: new Set(),
  knownNames: new Set(),
  live: false,
};

/** Takes the filters, page and open task from the address bar; returns the task id, if any. */
export function readHash() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const status = params.get('status') ?? '';
  state.filters.status = status.split(',').every((s) => s === '' || STATUSES.includes(s))
    ? status
    : '';
  state.filters.queue = params.get('queue') ?? '';
  state.filters.name = params.get('name') ?? '';
  const offset = Number(params.get('offset') ?? 0);
  state.offset = Number.isInteger(offset) && offset > 0 ? offset : 0;
  return params.get('task');
}

export function saveHash() {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
  if (state.offset > 0) params.set('offset', String(state.offset));
  if (state.detailId) params.set('task', state.detailId);
  const hash = params.toString();
  const url = `${location.pathname}${location.search}${hash ? `#${hash}` : ''}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) {
    history.replaceState(null, '', url);
  }
}
