import { base } from './api.js';
import { bumpHistory, flushChart, historyRefresher } from './chart.js';
import { FLUSH_MS, PENDING_MAX } from './constants.js';
import { renderDetail } from './detail.js';
import { setText } from './dom.js';
import { els } from './elements.js';
import { schedules } from './schedules.js';
import { pruneSnapshots, rememberSnapshot } from './snapshots.js';
import { state } from './state.js';
import { summary } from './stats.js';
import { insertNewTasks, matchesFilters, taskList, updateTaskRow } from './tasks.js';
import { reportBackground } from './toasts.js';

const live = {
  /** Newest snapshot per task id since the last flush. */
  pending: new Map(),
  timer: null,
};

function onEvent(event) {
  if (!event || typeof event !== 'object' || event.type === 'ping') return;
  const task = event.task && typeof event.task === 'object' ? event.task : null;
  if (task && typeof task.id === 'string') {
    rememberSnapshot(task);
    if (live.pending.size >= PENDING_MAX) {
      // Too much at once to show one by one: the next list answer shows where things stand.
      live.pending.clear();
      taskList.request();
    }
    live.pending.set(task.id, { task, type: event.type });
  }
  switch (event.type) {
    case 'completed':
    case 'failed':
      bumpHistory(event.type, event.at);
      break;
    case 'schedule-fired':
      schedules.request();
      break;
    case 'queue-full':
      reportBackground(
        new Error(`Queue ${event.queue ?? ''} is full: ${event.taskName ?? 'a task'} was refused.`),
      );
      break;
    default:
      break;
  }
  summary.request();
  if (live.timer === null) live.timer = setTimeout(flushLive, FLUSH_MS);
}

function flushLive() {
  live.timer = null;
  let listChanged = false;
  const inserts = [];
  for (const { task, type } of live.pending.values()) {
    const row = state.rows.get(task.id);
    if (row) {
      updateTaskRow(row, task);
      if (!matchesFilters(task)) listChanged = true;
    } else if (matchesFilters(task)) {
      listChanged = true;
      if (type === 'added' || type === 'schedule-fired') inserts.push(task);
    }
    if (state.detailId === task.id) renderDetail(task);
  }
  live.pending.clear();
  if (inserts.length > 0 && state.offset === 0) insertNewTasks(inserts);
  if (listChanged && state.offset === 0) taskList.request();
  flushChart();
  pruneSnapshots();
}

let source = null;
let reconnectDelay = 1000;
let reconnectTimer = null;
let missedEvents = false;

export function setConnection(next) {
  const labels = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    offline: 'Offline',
  };
  state.live = next === 'live';
  els.connection.dataset.state = next;
  setText(els.connection, labels[next] ?? next);
  els.connection.title =
    next === 'live' ? 'Receiving live updates' : 'Live updates paused; figures refresh by polling';
}

export function connect() {
  reconnectTimer = null;
  if (typeof EventSource !== 'function') {
    setConnection('offline');
    return;
  }
  source = new EventSource(`${base}/events`);
  source.addEventListener('open', () => {
    setConnection('live');
    reconnectDelay = 1000;
    if (missedEvents) {
      missedEvents = false;
      refreshAll();
    }
  });
  source.addEventListener('message', (message) => {
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    onEvent(data);
  });
  source.addEventListener('error', () => {
    missedEvents = true;
    if (source.readyState === EventSource.CLOSED) {
      // The browser gave up (an error status or a wrong content type): retry with backoff.
      source.close();
      source = null;
      setConnection('offline');
      reconnectTimer = setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 30_000);
    } else {
      setConnection('reconnecting');
    }
  });
}

export function disconnect() {
  if (reconnectTimer !== null) clearTimeout(reconnectTimer);
  if (source) source.close();
}

/** Reloads every figure and list, for when events may have been missed. */
export function refreshAll() {
  summary.request();
  taskList.request();
  schedules.request();
  historyRefresher.request();
}
