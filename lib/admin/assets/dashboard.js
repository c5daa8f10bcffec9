/*
 * The scheduler's operator dashboard. Plain browser JavaScript without a
 * build step, served under a strict Content-Security-Policy: every value
 * shown comes from the scheduler (task names, payloads, errors, cron text),
 * so the page builds its DOM with createElement and textContent only, and
 * never puts data into markup, URLs of links or inline styles.
 */

const STATUSES = ['pending', 'running', 'retrying', 'completed', 'failed', 'cancelled'];
const CANCELLABLE = new Set(['pending', 'running', 'retrying']);
const RETRYABLE = new Set(['failed', 'cancelled']);
const PAGE_SIZE = 50;
/** Live refreshes of lists and figures run at most this often, so a burst of events cannot flood the server or the page. */
const REFRESH_MS = 750;
/** Coalesces live events into one DOM update. */
const FLUSH_MS = 100;
const HISTORY_POLL_MS = 30_000;
const SCHEDULES_POLL_MS = 15_000;
/** A safety net for what produces no event (a delayed task falling due, a node elsewhere); faster while the stream is down. */
const SUMMARY_POLL_MS = 10_000;
const OFFLINE_POLL_MS = 4_000;
/** A listed task is shown from the stream instead of a list response when the event came this close to (or after) the request. */
const SNAPSHOT_GRACE_MS = 1_000;
const SNAPSHOT_KEEP_MS = 10_000;
const SNAPSHOT_MAX = 500;
const PENDING_MAX = 2_000;

const base = resolveBase();

const $ = (id) => document.getElementById(id);

const els = {
  nodeId: $('node-id'),
  throughput: $('throughput'),
  uptime: $('uptime'),
  connection: $('connection-state'),
  stats: $('stats'),
  orphaned: $('stat-orphaned'),
  queuesBody: $('queues-body'),
  queuesNote: $('queues-note'),
  chart: $('history-chart'),
  legendCompleted: $('legend-completed'),
  legendFailed: $('legend-failed'),
  filters: $('filters'),
  filterStatus: $('filter-status'),
  filterQueue: $('filter-queue'),
  filterName: $('filter-name'),
  tasksBody: $('tasks-body'),
  tasksEmpty: $('tasks-empty'),
  pageInfo: $('page-info'),
  pagePrev: $('page-prev'),
  pageNext: $('page-next'),
  schedulesBody: $('schedules-body'),
  schedulesEmpty: $('schedules-empty'),
  schedulesNote: $('schedules-note'),
  scrim: $('scrim'),
  detail: $('task-detail'),
  detailTitle: $('detail-title'),
  detailStatus: $('detail-status'),
  detailClose: $('detail-close'),
  detailActions: $('detail-actions'),
  detailFacts: $('detail-facts'),
  detailPayload: $('detail-payload'),
  detailError: $('detail-error'),
  detailErrorBlock: $('detail-error-block'),
  detailAttempts: $('detail-attempts'),
  detailAttemptsEmpty: $('detail-attempts-empty'),
  confirm: $('confirm'),
  confirmText: $('confirm-text'),
  confirmYes: $('confirm-yes'),
  confirmNo: $('confirm-no'),
  toasts: $('toasts'),
};

const state = {
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

// ---------------------------------------------------------------------------
// HTTP

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

function resolveBase() {
  const meta = document.querySelector('meta[name="scheduler-prefix"]');
  const content = meta ? meta.getAttribute('content') || '' : '';
  // Served without the placeholder replaced (a static preview): the page's own path is the prefix.
  const prefix = content && !content.includes('%PREFIX%') ? content : location.pathname;
  // One leading slash only: '//host/…' would name another origin.
  return `/${prefix.replace(/^\/+|\/+$/g, '')}`.replace(/\/$/, '');
}

const enc = encodeURIComponent;

async function api(method, path, query) {
  const url = new URL(base + path, location.origin);
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value !== '' && value !== null && value !== undefined) {
        url.searchParams.set(key, String(value));
      }
    }
  }
  const headers = { Accept: 'application/json' };
  const init = { method, headers, cache: 'no-store', credentials: 'same-origin' };
  if (method !== 'GET') headers['X-Requested-With'] = 'XMLHttpRequest';
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    init.body = '{}';
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError('The scheduler cannot be reached.', 0);
  }
  const text = await response.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const message =
      body && typeof body.error === 'string' && body.error
        ? body.error
        : `Request failed (HTTP ${response.status}).`;
    throw new ApiError(message, response.status);
  }
  return body;
}

// ---------------------------------------------------------------------------
// DOM helpers: text only, never markup

const FORBIDDEN_ATTRIBUTE = /^(on|style$|href$|src$|srcdoc$|action$|formaction$)/i;

/** An element with text children; `attrs` may not carry handlers, styles or URLs. */
function h(tag, options = {}, ...children) {
  const el = document.createElement(tag);
  applyOptions(el, options);
  for (const child of children) append(el, child);
  return el;
}

function svg(tag, attrs = {}) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (FORBIDDEN_ATTRIBUTE.test(name)) throw new Error(`refused attribute ${name}`);
    el.setAttribute(name, String(value));
  }
  return el;
}

function applyOptions(el, { className, text, title, testid, data, attrs } = {}) {
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = String(text);
  if (title !== undefined && title !== null) el.title = String(title);
  if (testid) el.dataset.testid = testid;
  if (data) for (const [key, value] of Object.entries(data)) el.dataset[key] = String(value);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (FORBIDDEN_ATTRIBUTE.test(name)) throw new Error(`refused attribute ${name}`);
      el.setAttribute(name, String(value));
    }
  }
}

function append(parent, child) {
  if (child === null || child === undefined || child === false) return;
  parent.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
}

function setText(el, value) {
  const text = value === null || value === undefined ? '' : String(value);
  if (el.textContent !== text) el.textContent = text;
}

function button(label, { action, className = 'btn', testid, title } = {}) {
  return h('button', {
    className,
    text: label,
    testid,
    title,
    data: action ? { action } : undefined,
    attrs: { type: 'button' },
  });
}

function pill(status) {
  return h('span', { className: `pill status-${safeStatus(status)}`, text: status });
}

function safeStatus(status) {
  return STATUSES.includes(status) ? status : 'unknown';
}

// ---------------------------------------------------------------------------
// Formatting

const numberFormat = new Intl.NumberFormat();
const decimalFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const timeOfDayFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

function fmtInt(value) {
  return typeof value === 'number' && Number.isFinite(value) ? numberFormat.format(value) : '–';
}

function fmtDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${decimalFormat.format(ms / 1000)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m ${totalSeconds % 60}s`;
  const hours = Math.floor(totalSeconds / 3600);
  if (hours < 48) return `${hours}h ${Math.floor((totalSeconds % 3600) / 60)}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A duration in a narrow column: "230ms", "1.2s", "3m". */
function fmtShortDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${decimalFormat.format(ms / 1000)}s`;
  return `${decimalFormat.format(ms / 60_000)}m`;
}

function fmtInterval(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  const units = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) return `every ${ms / size} ${unit}`;
  }
  return `every ${fmtDuration(ms)}`;
}

function parseTime(value) {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function fmtDateTime(value) {
  const ms = parseTime(value);
  return ms === null ? '–' : dateTimeFormat.format(ms);
}

/** A time of today without its date. */
function fmtTimeOfDay(value) {
  const ms = parseTime(value);
  if (ms === null) return '–';
  const sameDay = new Date(ms).toDateString() === new Date().toDateString();
  return (sameDay ? timeOfDayFormat : dateTimeFormat).format(ms);
}

function fmtRelative(value, now = Date.now()) {
  const ms = parseTime(value);
  if (ms === null) return '–';
  const diff = ms - now;
  const abs = Math.abs(diff);
  if (abs < 1500) return diff > 0 ? 'now' : 'just now';
  let text;
  if (abs < 60_000) text = `${Math.round(abs / 1000)}s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)}m`;
  else if (abs < 86_400_000) text = `${Math.round(abs / 3_600_000)}h`;
  else if (abs < 30 * 86_400_000) text = `${Math.round(abs / 86_400_000)}d`;
  else return dateTimeFormat.format(ms);
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/** A time shown relative to now and kept current by the ticker; the absolute time is its tooltip. */
function timeCell(el, value) {
  if (el.dataset.at === String(value ?? '')) return;
  el.dataset.at = String(value ?? '');
  el.title = value ? fmtDateTime(value) : '';
  setText(el, fmtRelative(value));
}

function fmtPayload(payload) {
  if (payload === undefined) return '(none)';
  try {
    return JSON.stringify(payload, null, 2);
  } catch {
    return String(payload);
  }
}

// ---------------------------------------------------------------------------
// Toasts and confirm

const toastsShown = new Map();

function toast(message, kind = 'error') {
  const text = String(message);
  const existing = toastsShown.get(text);
  if (existing) {
    clearTimeout(existing.timer);
    existing.timer = setTimeout(() => dismiss(existing.el, text), lifetime(kind));
    return;
  }
  const el = h(
    'div',
    {
      className: `toast toast-${kind}`,
      testid: 'toast',
      attrs: { role: kind === 'error' ? 'alert' : 'status' },
    },
    h('span', { className: 'toast-text', text }),
  );
  const close = h('button', {
    className: 'toast-close',
    text: '×',
    attrs: { type: 'button', 'aria-label': 'Dismiss' },
  });
  close.addEventListener('click', () => dismiss(el, text));
  el.append(close);
  els.toasts.append(el);
  const entry = { el, timer: setTimeout(() => dismiss(el, text), lifetime(kind)) };
  toastsShown.set(text, entry);
  while (els.toasts.children.length > 4) {
    const oldest = els.toasts.firstElementChild;
    const key = oldest.querySelector('.toast-text').textContent;
    dismiss(oldest, key);
  }
}

function lifetime(kind) {
  return kind === 'error' ? 8000 : 4000;
}

function dismiss(el, key) {
  const entry = toastsShown.get(key);
  if (entry && entry.el === el) {
    clearTimeout(entry.timer);
    toastsShown.delete(key);
  }
  el.remove();
}

const backgroundErrors = new Map();

/** Errors of polling: shown once in a while rather than on every poll. */
function reportBackground(error) {
  // While the stream is down too, the connection badge already says so.
  if (error instanceof ApiError && error.status === 0 && !state.live) return;
  const message = error instanceof Error ? error.message : String(error);
  const last = backgroundErrors.get(message) ?? 0;
  if (Date.now() - last < 15_000) return;
  backgroundErrors.set(message, Date.now());
  toast(message, 'error');
}

let confirmResolve = null;

function confirmAction(message, yesLabel) {
  if (confirmResolve) confirmResolve(false);
  setText(els.confirmText, message);
  setText(els.confirmYes, yesLabel);
  els.confirm.hidden = false;
  const returnFocus = document.activeElement;
  els.confirmNo.focus();
  return new Promise((resolve) => {
    confirmResolve = (answer) => {
      confirmResolve = null;
      els.confirm.hidden = true;
      if (returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus();
      resolve(answer);
    };
  });
}

els.confirmYes.addEventListener('click', () => confirmResolve?.(true));
els.confirmNo.addEventListener('click', () => confirmResolve?.(false));
els.confirm.addEventListener('click', (event) => {
  if (event.target === els.confirm) confirmResolve?.(false);
});

// ---------------------------------------------------------------------------
// Refreshers: one request at a time, at most once per interval, never dropped

class Refresher {
  constructor(run, minIntervalMs) {
    this.run = run;
    this.minIntervalMs = minIntervalMs;
    this.running = false;
    this.again = false;
    this.urgent = false;
    this.timer = null;
    this.lastStart = 0;
  }

  /** Runs soon: now if the last run is old enough, otherwise when it is. */
  request() {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastStart + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => this.start(), wait);
  }

  /** Runs now (or right after the run in flight), for answers to the operator's own actions. */
  async now() {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running) {
      this.again = true;
      this.urgent = true;
      return;
    }
    await this.start();
  }

  async start() {
    this.timer = null;
    this.running = true;
    this.again = false;
    this.urgent = false;
    this.lastStart = Date.now();
    try {
      await this.run();
    } catch (error) {
      reportBackground(error);
    } finally {
      this.running = false;
      if (this.again && this.urgent) void this.start();
      else if (this.again) this.request();
    }
  }
}

// ---------------------------------------------------------------------------
// Stats and queues

const summary = new Refresher(loadSummary, REFRESH_MS);

async function loadSummary() {
  const [stats, queues] = await Promise.all([api('GET', '/stats'), api('GET', '/queues')]);
  renderStats(stats);
  renderQueues(queues.queues ?? []);
}

function renderStats(stats) {
  state.stats = stats;
  state.statsAt = Date.now();
  for (const status of [...STATUSES, 'total']) {
    const el = els.stats.querySelector(`[data-testid="stat-${status}"]`);
    if (el) setText(el, fmtInt(stats[status]));
  }
  if (stats.orphaned > 0) {
    els.orphaned.hidden = false;
    setText(els.orphaned, `${fmtInt(stats.orphaned)} without a handler`);
  } else {
    els.orphaned.hidden = true;
  }
  setText(els.nodeId, stats.nodeId ?? '');
  setText(
    els.throughput,
    typeof stats.throughputPerSecond === 'number'
      ? `${decimalFormat.format(stats.throughputPerSecond)}/s`
      : '–',
  );
  renderUptime();
}

function renderUptime() {
  const stats = state.stats;
  if (!stats || typeof stats.uptimeMs !== 'number') return;
  setText(els.uptime, fmtDuration(stats.uptimeMs + (Date.now() - state.statsAt)));
}

function renderQueues(queues) {
  state.queues = queues;
  const seen = new Set();
  queues.forEach((queue, index) => {
    seen.add(queue.name);
    let row = state.queueRows.get(queue.name);
    if (!row) {
      row = createQueueRow(queue.name);
      state.queueRows.set(queue.name, row);
    }
    updateQueueRow(row, queue);
    placeRow(els.queuesBody, row.tr, index);
    rememberQueue(queue.name);
  });
  for (const [name, row] of state.queueRows) {
    if (!seen.has(name)) {
      row.tr.remove();
      state.queueRows.delete(name);
    }
  }
  const paused = queues.filter((queue) => queue.paused).length;
  setText(
    els.queuesNote,
    `${queues.length} ${queues.length === 1 ? 'queue' : 'queues'}${paused ? `, ${paused} paused` : ''}`,
  );
}

function createQueueRow(name) {
  const nameCell = h('td', { className: 'queue-name' });
  const nameText = h('span', { text: name });
  const paused = h('span', { className: 'pill state-paused', text: 'paused' });
  nameCell.append(nameText, paused);
  const fill = h('span', { className: 'depth-fill' });
  const depthText = h('span', { className: 'depth-text num' });
  const depthCell = h(
    'td',
    {},
    h('div', { className: 'depth' }, h('span', { className: 'depth-bar' }, fill), depthText),
  );
  const cells = {
    running: h('td', { className: 'right num' }),
    rate: h('td', { className: 'right num' }),
    durations: h('td', { className: 'right num' }),
    completed: h('td', { className: 'right num' }),
    failed: h('td', { className: 'right num' }),
  };
  const toggle = button('Pause', { action: 'toggle-queue' });
  const tr = h(
    'tr',
    { testid: 'queue-row', data: { queue: name } },
    nameCell,
    depthCell,
    cells.running,
    cells.rate,
    cells.durations,
    cells.completed,
    cells.failed,
    h('td', { className: 'cell-actions' }, toggle),
  );
  return { tr, name, paused, fill, depthText, cells, toggle, queue: null };
}

function updateQueueRow(row, queue) {
  row.queue = queue;
  row.tr.dataset.paused = String(Boolean(queue.paused));
  row.paused.hidden = !queue.paused;
  const waiting = (queue.pending ?? 0) + (queue.retrying ?? 0);
  const ratio = queue.maxSize > 0 ? Math.min(1, waiting / queue.maxSize) : 0;
  // CSSOM width is allowed by style-src 'self'; a style attribute would not be.
  row.fill.style.width = `${Math.max(ratio > 0 ? 2 : 0, ratio * 100)}%`;
  row.fill.classList.toggle('is-high', ratio >= 0.7 && ratio < 0.95);
  row.fill.classList.toggle('is-full', ratio >= 0.95);
  setText(row.depthText, `${fmtInt(waiting)} / ${fmtInt(queue.maxSize)}`);
  row.depthText.title = `${fmtInt(queue.pending)} pending, ${fmtInt(queue.retrying)} retrying`;
  setText(row.cells.running, `${fmtInt(queue.running)} / ${fmtInt(queue.workers)}`);
  row.cells.running.title = 'Running / workers';
  const rate = state.throughput[queue.name];
  setText(row.cells.rate, typeof rate === 'number' ? decimalFormat.format(rate) : '–');
  setText(
    row.cells.durations,
    queue.avgDurationMs === null || queue.avgDurationMs === undefined
      ? '–'
      : `${fmtShortDuration(queue.avgDurationMs)} / ${fmtShortDuration(queue.p95DurationMs)}`,
  );
  row.cells.durations.title =
    typeof queue.timeoutMs === 'number' ? `Timeout ${fmtDuration(queue.timeoutMs)}` : 'No timeout';
  setText(row.cells.completed, fmtInt(queue.completed));
  setText(row.cells.failed, fmtInt(queue.failed));
  if (!row.toggle.disabled) {
    setText(row.toggle, queue.paused ? 'Resume' : 'Pause');
    row.toggle.className = queue.paused ? 'btn btn-primary' : 'btn';
  }
  row.toggle.dataset.testid = queue.paused ? 'queue-resume' : 'queue-pause';
}

function placeRow(tbody, tr, index) {
  if (tbody.children[index] !== tr) tbody.insertBefore(tr, tbody.children[index] ?? null);
}

els.queuesBody.addEventListener('click', async (event) => {
  const target = event.target instanceof Element ? event.target.closest('button') : null;
  if (!target || target.dataset.action !== 'toggle-queue') return;
  const tr = target.closest('tr');
  const row = tr ? state.queueRows.get(tr.dataset.queue) : undefined;
  if (!row || !row.queue) return;
  const pause = !row.queue.paused;
  target.disabled = true;
  try {
    await api('POST', `/queues/${enc(row.name)}/${pause ? 'pause' : 'resume'}`);
    toast(`Queue ${row.name} ${pause ? 'paused' : 'resumed'}.`, 'ok');
  } catch (error) {
    toast(error.message);
  } finally {
    target.disabled = false;
  }
  await summary.now();
});

function rememberQueue(name) {
  if (typeof name !== 'string' || state.knownQueues.has(name)) return;
  state.knownQueues.add(name);
  const names = [...state.knownQueues].sort();
  const option = h('option', { text: name });
  option.value = name;
  const index = names.indexOf(name);
  // The first option is "All queues".
  els.filterQueue.insertBefore(option, els.filterQueue.options[index + 1] ?? null);
}

const nameList = h('datalist', { attrs: { id: 'task-names' } });
document.body.append(nameList);
els.filterName.setAttribute('list', 'task-names');

function rememberName(name) {
  if (typeof name !== 'string' || state.knownNames.has(name) || state.knownNames.size >= 500) {
    return;
  }
  state.knownNames.add(name);
  const option = h('option');
  option.value = name;
  nameList.append(option);
}

// ---------------------------------------------------------------------------
// History chart

const historyRefresher = new Refresher(loadHistory, 5_000);
let chartWidth = 600;
const CHART_HEIGHT = 180;

async function loadHistory() {
  const history = await api('GET', '/history');
  state.history = history;
  state.throughput = history.throughput ?? {};
  for (const row of state.queueRows.values()) if (row.queue) updateQueueRow(row, row.queue);
  renderChart();
}

function renderChart() {
  const history = state.history;
  const chart = els.chart;
  chart.replaceChildren();
  chart.setAttribute('viewBox', `0 0 ${chartWidth} ${CHART_HEIGHT}`);
  if (!history || !Array.isArray(history.buckets)) return;
  const buckets = history.buckets;
  const bucketMs = history.bucketMs || 60_000;
  let peak = 0;
  let completed = 0;
  let failed = 0;
  for (const bucket of buckets) {
    peak = Math.max(peak, (bucket.completed || 0) + (bucket.failed || 0));
    completed += bucket.completed || 0;
    failed += bucket.failed || 0;
  }
  setText(els.legendCompleted, fmtInt(completed));
  setText(els.legendFailed, fmtInt(failed));
  const top = niceCeiling(peak);
  const left = 34;
  const plotTop = 8;
  const plotBottom = CHART_HEIGHT - 4;
  const plotHeight = plotBottom - plotTop;
  const plotWidth = chartWidth - left;
  for (const fraction of [0, 0.5, 1]) {
    const y = plotBottom - fraction * plotHeight;
    chart.append(svg('line', { class: 'grid-line', x1: left, x2: chartWidth, y1: y, y2: y }));
    const label = svg('text', {
      class: 'grid-label',
      x: left - 6,
      y: y + 3,
      'text-anchor': 'end',
    });
    label.textContent = fmtCompact(top * fraction);
    chart.append(label);
  }
  const slot = plotWidth / Math.max(1, buckets.length);
  const barWidth = Math.max(1, slot * 0.72);
  const scale = top > 0 ? plotHeight / top : 0;
  buckets.forEach((bucket, index) => {
    const x = left + index * slot + (slot - barWidth) / 2;
    const done = bucket.completed || 0;
    const lost = bucket.failed || 0;
    const group = svg('g');
    const hit = svg('rect', {
      class: 'bar-hit',
      x: left + index * slot,
      y: plotTop,
      width: slot,
      height: plotHeight,
    });
    group.append(hit);
    const doneHeight = done * scale;
    const lostHeight = lost * scale;
    if (done > 0) {
      group.append(
        svg('rect', {
          class: 'bar-completed',
          x,
          y: plotBottom - doneHeight,
          width: barWidth,
          height: Math.max(1, doneHeight),
          rx: Math.min(2, barWidth / 2),
        }),
      );
    }
    if (lost > 0) {
      group.append(
        svg('rect', {
          class: 'bar-failed',
          x,
          y: plotBottom - doneHeight - Math.max(1, lostHeight),
          width: barWidth,
          height: Math.max(1, lostHeight),
          rx: Math.min(2, barWidth / 2),
        }),
      );
    }
    const at = parseTime(bucket.at);
    const title = svg('title');
    const from = at === null ? '' : timeFormat.format(at);
    const to = at === null ? '' : timeFormat.format(at + bucketMs);
    title.textContent = `${from}–${to}: ${fmtInt(done)} completed, ${fmtInt(lost)} failed`;
    group.append(title);
    chart.append(group);
  });
}

function niceCeiling(value) {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

function fmtCompact(value) {
  if (value >= 1_000_000) return `${decimalFormat.format(value / 1_000_000)}M`;
  if (value >= 1000) return `${decimalFormat.format(value / 1000)}k`;
  return decimalFormat.format(value);
}

/** Counts a live completion or failure in its minute, moving the window on when a new minute starts. */
function bumpHistory(type, at) {
  const history = state.history;
  if (!history || !Array.isArray(history.buckets) || history.buckets.length === 0) return;
  const bucketMs = history.bucketMs || 60_000;
  const time = parseTime(at) ?? Date.now();
  const buckets = history.buckets;
  const first = parseTime(buckets[0].at);
  if (first === null) return;
  let index = Math.floor((time - first) / bucketMs);
  if (index < 0) return;
  while (index >= buckets.length) {
    const last = parseTime(buckets[buckets.length - 1].at) ?? first;
    buckets.push({ at: new Date(last + bucketMs).toISOString(), completed: 0, failed: 0 });
    buckets.shift();
    index -= 1;
  }
  const bucket = buckets[index];
  bucket[type] = (bucket[type] || 0) + 1;
  live.chartDirty = true;
}

if (typeof ResizeObserver === 'function') {
  new ResizeObserver(() => {
    const width = Math.round(els.chart.getBoundingClientRect().width);
    if (width > 0 && width !== chartWidth) {
      chartWidth = width;
      renderChart();
    }
  }).observe(els.chart);
}

// ---------------------------------------------------------------------------
// Tasks

const taskList = new Refresher(loadTasks, REFRESH_MS);
const NO_TASKS = els.tasksEmpty.textContent;
let listSeq = 0;
let listLoaded = false;

function filterQuery() {
  return {
    status: state.filters.status,
    queue: state.filters.queue,
    name: state.filters.name,
  };
}

async function loadTasks() {
  const seq = ++listSeq;
  const startedAt = Date.now();
  let result;
  try {
    result = await api('GET', '/tasks', {
      ...filterQuery(),
      limit: PAGE_SIZE,
      offset: state.offset,
    });
  } catch (error) {
    if (seq !== listSeq) return;
    if (error.status === 400) {
      // Rows of the previous filters would pass for answers to these ones.
      renderTasks([], 0);
      setText(els.tasksEmpty, error.message);
    }
    throw error;
  }
  if (seq !== listSeq) return;
  setText(els.tasksEmpty, NO_TASKS);
  const tasks = Array.isArray(result.tasks) ? result.tasks : [];
  const total = typeof result.total === 'number' ? result.total : tasks.length;
  if (tasks.length === 0 && state.offset > 0 && total > 0) {
    // The page emptied under us (tasks pruned or filtered away): show the last one that has tasks.
    state.offset = Math.max(0, Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE);
    saveHash();
    taskList.request();
    return;
  }
  renderTasks(
    tasks.map((task) => newerSnapshot(task, startedAt)),
    total,
  );
}

function matchesFilters(task) {
  const { status, queue, name } = state.filters;
  if (status && !status.split(',').includes(task.status)) return false;
  if (queue && task.queue !== queue) return false;
  if (name && task.name !== name) return false;
  return true;
}

function renderTasks(tasks, total) {
  const animate = listLoaded;
  listLoaded = true;
  state.total = total;
  const seen = new Set();
  tasks.forEach((task, index) => {
    seen.add(task.id);
    let row = state.rows.get(task.id);
    const fresh = !row;
    if (!row) {
      row = createTaskRow(task.id);
      state.rows.set(task.id, row);
    }
    updateTaskRow(row, task);
    placeRow(els.tasksBody, row.tr, index);
    if (fresh && animate && state.offset === 0) flashRow(row.tr);
  });
  for (const [id, row] of state.rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      state.rows.delete(id);
    }
  }
  renderPager();
}

function flashRow(tr) {
  tr.classList.add('is-new');
  setTimeout(() => tr.classList.remove('is-new'), 1300);
}

function renderPager() {
  const count = state.rows.size;
  els.tasksEmpty.hidden = count > 0;
  setText(
    els.pageInfo,
    count === 0
      ? `0 of ${fmtInt(state.total)}`
      : `${fmtInt(state.offset + 1)}–${fmtInt(state.offset + count)} of ${fmtInt(state.total)}`,
  );
  els.pagePrev.disabled = state.offset === 0;
  els.pageNext.disabled = state.offset + PAGE_SIZE >= state.total;
}

function createTaskRow(id) {
  const statusCell = h('td');
  const name = h('span', { className: 'task-name' });
  const idText = h('span', { className: 'task-id', text: id, title: id });
  const taskCell = h('td', {}, h('div', { className: 'cell-task' }, name, idText));
  const queue = h('td');
  const attempts = h('td', { className: 'right num' });
  const created = h('td', { className: 'num' });
  const duration = h('td', { className: 'right num' });
  const error = h('td', { className: 'cell-error' });
  const cancel = button('Cancel', {
    action: 'cancel',
    className: 'btn btn-danger',
    testid: 'cancel-button',
  });
  const retry = button('Retry', {
    action: 'retry',
    className: 'btn btn-primary',
    testid: 'retry-button',
  });
  const tr = h(
    'tr',
    { testid: 'task-row', data: { taskId: id }, attrs: { tabindex: '0' } },
    statusCell,
    taskCell,
    queue,
    attempts,
    created,
    duration,
    error,
    h('td', { className: 'cell-actions' }, cancel, retry),
  );
  return {
    tr,
    task: null,
    cells: { statusCell, name, queue, attempts, created, duration, error },
    cancel,
    retry,
  };
}

function updateTaskRow(row, task) {
  const previous = row.task;
  row.task = task;
  rememberName(task.name);
  rememberQueue(task.queue);
  const { cells } = row;
  row.tr.dataset.status = task.status;
  if (!previous || previous.status !== task.status)
    cells.statusCell.replaceChildren(pill(task.status));
  setText(cells.name, task.name);
  cells.name.title = task.name;
  setText(cells.queue, task.queue);
  setText(cells.attempts, fmtInt(task.attempts));
  cells.attempts.title = `Up to ${fmtInt(task.maxRetries)} automatic retries`;
  timeCell(cells.created, task.createdAt);
  setText(cells.duration, task.status === 'running' ? '…' : fmtDuration(task.durationMs));
  setText(cells.error, task.error ? firstLine(task.error) : '');
  cells.error.title = task.error ?? '';
  row.cancel.hidden = !CANCELLABLE.has(task.status);
  row.retry.hidden = !RETRYABLE.has(task.status);
  row.tr.classList.toggle('is-selected', state.detailId === task.id);
}

function firstLine(text) {
  const line = String(text).split('\n', 1)[0];
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

els.tasksBody.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  const tr = target.closest('tr[data-task-id]');
  if (!tr) return;
  const id = tr.dataset.taskId;
  const action = target.closest('button[data-action]');
  if (action) {
    runTaskAction(action.dataset.action, id, action);
    return;
  }
  openDetail(id);
});

els.tasksBody.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const target = event.target instanceof Element ? event.target : null;
  if (!target || target.tagName !== 'TR' || !target.dataset.taskId) return;
  event.preventDefault();
  openDetail(target.dataset.taskId);
});

async function runTaskAction(action, id, control) {
  control.disabled = true;
  try {
    if (action === 'cancel') {
      await api('DELETE', `/tasks/${enc(id)}`);
      toast('Task cancelled.', 'ok');
    } else if (action === 'retry') {
      const result = await api('POST', `/tasks/${enc(id)}/retry`);
      toast(result && result.status === 'retrying' ? 'Retry scheduled.' : 'Task re-queued.', 'ok');
    }
  } catch (error) {
    toast(error.message);
  } finally {
    control.disabled = false;
  }
  // Without waiting for the stream: the answer shows even while it reconnects.
  await refreshTask(id);
  summary.request();
}

async function refreshTask(id) {
  try {
    const task = await api('GET', `/tasks/${enc(id)}`);
    applySnapshot(task);
  } catch (error) {
    if (error.status !== 404) reportBackground(error);
  }
}

/** Shows a task's newest known state wherever it is on screen. */
function applySnapshot(task) {
  rememberSnapshot(task);
  const row = state.rows.get(task.id);
  if (row) updateTaskRow(row, task);
  if (state.detailId === task.id) renderDetail(task);
  if (row && !matchesFilters(task)) taskList.request();
}

// Filters, paging and the address bar

function readHash() {
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

function saveHash() {
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

function syncFilterControls() {
  const status = state.filters.status;
  if (![...els.filterStatus.options].some((option) => option.value === status)) {
    const option = h('option', { text: status.split(',').join(', ') });
    option.value = status;
    els.filterStatus.append(option);
  }
  els.filterStatus.value = status;
  if (state.filters.queue) rememberQueue(state.filters.queue);
  els.filterQueue.value = state.filters.queue;
  els.filterName.value = state.filters.name;
  for (const card of els.stats.querySelectorAll('.stat')) {
    card.setAttribute('aria-pressed', String(status !== '' && card.dataset.filter === status));
  }
}

/** Drops the answer of a list request in flight: it was asked with other filters or another page. */
function invalidateList() {
  listSeq += 1;
  // A new view: its rows are not news.
  listLoaded = false;
}

function applyFilters() {
  invalidateList();
  state.offset = 0;
  syncFilterControls();
  saveHash();
  taskList.now();
}

els.filterStatus.addEventListener('change', () => {
  state.filters.status = els.filterStatus.value;
  applyFilters();
});

els.filterQueue.addEventListener('change', () => {
  state.filters.queue = els.filterQueue.value;
  applyFilters();
});

let nameTimer = null;
els.filterName.addEventListener('input', () => {
  clearTimeout(nameTimer);
  nameTimer = setTimeout(() => {
    const name = els.filterName.value.trim();
    if (name === state.filters.name) return;
    state.filters.name = name;
    applyFilters();
  }, 250);
});

els.filters.addEventListener('submit', (event) => event.preventDefault());

els.stats.addEventListener('click', (event) => {
  const card = event.target instanceof Element ? event.target.closest('.stat') : null;
  if (!card) return;
  state.filters.status = card.dataset.filter ?? '';
  applyFilters();
});

els.pagePrev.addEventListener('click', () => {
  state.offset = Math.max(0, state.offset - PAGE_SIZE);
  invalidateList();
  saveHash();
  taskList.now();
});

els.pageNext.addEventListener('click', () => {
  if (state.offset + PAGE_SIZE >= state.total) return;
  state.offset += PAGE_SIZE;
  invalidateList();
  saveHash();
  taskList.now();
});

window.addEventListener('hashchange', () => {
  const task = readHash();
  syncFilterControls();
  invalidateList();
  taskList.now();
  if (task && task !== state.detailId) openDetail(task);
  else if (!task && state.detailId) closeDetail();
});

// ---------------------------------------------------------------------------
// Task detail

let detailSeq = 0;

async function openDetail(id) {
  const seq = ++detailSeq;
  if (!state.detailId) {
    state.detailReturnFocus = document.activeElement;
  }
  state.detailId = id;
  saveHash();
  markSelected();
  els.detail.hidden = false;
  els.scrim.hidden = false;
  const known = state.rows.get(id)?.task;
  if (known) renderDetail(known);
  else renderDetailLoading(id);
  els.detailClose.focus();
  try {
    const startedAt = Date.now();
    const task = await api('GET', `/tasks/${enc(id)}`);
    if (seq !== detailSeq || state.detailId !== id) return;
    renderDetail(newerSnapshot(task, startedAt));
  } catch (error) {
    if (seq !== detailSeq) return;
    toast(error.message);
    if (error.status === 404) closeDetail();
  }
}

function closeDetail() {
  detailSeq += 1;
  state.detailId = null;
  els.detail.hidden = true;
  els.scrim.hidden = true;
  saveHash();
  markSelected();
  const returnFocus = state.detailReturnFocus;
  state.detailReturnFocus = null;
  if (returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus();
}

function markSelected() {
  for (const [id, row] of state.rows) {
    row.tr.classList.toggle('is-selected', id === state.detailId);
  }
}

function renderDetailLoading(id) {
  detailShown = '';
  delete els.detail.dataset.taskId;
  delete els.detail.dataset.status;
  setText(els.detailTitle, id);
  els.detailStatus.hidden = true;
  els.detailActions.replaceChildren();
  els.detailFacts.replaceChildren();
  setText(els.detailPayload, 'Loading…');
  els.detailErrorBlock.hidden = true;
  els.detailAttempts.replaceChildren();
  els.detailAttemptsEmpty.hidden = true;
}

let detailShown = '';

function renderDetail(task) {
  // Live events repeat what is shown; re-rendering would drop the operator's text selection.
  const shown = JSON.stringify(task);
  if (shown === detailShown && els.detail.dataset.taskId === task.id) return;
  detailShown = shown;
  setText(els.detailTitle, task.name);
  els.detailTitle.title = task.name;
  els.detailStatus.hidden = false;
  els.detailStatus.className = `pill status-${safeStatus(task.status)}`;
  setText(els.detailStatus, task.status);
  els.detail.dataset.taskId = task.id;
  els.detail.dataset.status = task.status;

  const actions = [];
  if (CANCELLABLE.has(task.status)) {
    actions.push(
      button('Cancel task', {
        action: 'cancel',
        className: 'btn btn-danger',
        testid: 'cancel-button',
      }),
    );
  }
  if (RETRYABLE.has(task.status)) {
    actions.push(
      button('Retry task', {
        action: 'retry',
        className: 'btn btn-primary',
        testid: 'retry-button',
      }),
    );
  }
  if (navigator.clipboard) actions.push(button('Copy id', { action: 'copy-id' }));
  els.detailActions.replaceChildren(...actions);

  const facts = [
    ['ID', h('span', { className: 'mono', text: task.id })],
    ['Status', task.status],
    ['Queue', task.queue],
    ['Priority', fmtInt(task.priority)],
    ['Attempts', `${fmtInt(task.attempts)} (up to ${fmtInt(task.maxRetries)} automatic retries)`],
    ['Schedule', task.scheduleId ? h('span', { className: 'mono', text: task.scheduleId }) : '–'],
    ['Node', task.nodeId ? h('span', { className: 'mono', text: task.nodeId }) : '–'],
    ['Created', timeFact(task.createdAt)],
    ['Scheduled', timeFact(task.scheduledAt)],
    ['Started', timeFact(task.startedAt)],
    ['Completed', timeFact(task.completedAt)],
    ['Duration', fmtDuration(task.durationMs)],
  ];
  els.detailFacts.replaceChildren(
    ...facts.flatMap(([label, value]) => [h('dt', { text: label }), h('dd', {}, value)]),
  );

  setText(els.detailPayload, fmtPayload(task.payload));
  els.detailErrorBlock.hidden = !task.error;
  setText(els.detailError, task.error ?? '');

  const attempts = Array.isArray(task.attemptHistory) ? task.attemptHistory : [];
  const rows = attempts.map((attempt) =>
    h(
      'tr',
      { testid: 'attempt-row', data: { attempt: attempt.attempt } },
      h('td', { className: 'right num', text: fmtInt(attempt.attempt) }),
      h('td', {
        className: 'num',
        text: fmtTimeOfDay(attempt.startedAt),
        title: fmtDateTime(attempt.startedAt),
      }),
      h('td', {
        className: 'num',
        text: fmtTimeOfDay(attempt.finishedAt),
        title: fmtDateTime(attempt.finishedAt),
      }),
      h('td', { className: 'right num', text: fmtDuration(attempt.durationMs) }),
      h('td', { className: 'mono', text: attempt.nodeId ?? '–' }),
      h(
        'td',
        {},
        attempt.error
          ? h('span', { className: 'attempt-error', text: attempt.error })
          : h('span', { className: 'attempt-ok', text: 'succeeded' }),
      ),
    ),
  );
  if (task.status === 'running') {
    rows.push(
      h(
        'tr',
        { testid: 'attempt-current' },
        h('td', { className: 'right num', text: fmtInt(task.attempts) }),
        h('td', { className: 'num', text: fmtTimeOfDay(task.startedAt) }),
        h('td', { className: 'muted', text: 'running…' }),
        h('td', { className: 'right num', text: '–' }),
        h('td', { className: 'mono', text: task.nodeId ?? '–' }),
        h('td', {}, pill('running')),
      ),
    );
  }
  els.detailAttempts.replaceChildren(...rows);
  els.detailAttemptsEmpty.hidden = rows.length > 0;
}

function timeFact(value) {
  if (!value) return '–';
  return `${fmtDateTime(value)} (${fmtRelative(value)})`;
}

els.detailActions.addEventListener('click', async (event) => {
  const target = event.target instanceof Element ? event.target.closest('button') : null;
  const id = state.detailId;
  if (!target || !id) return;
  if (target.dataset.action === 'copy-id') {
    try {
      await navigator.clipboard.writeText(id);
      toast('Task id copied.', 'ok');
    } catch {
      toast('The clipboard is not available here.');
    }
    return;
  }
  runTaskAction(target.dataset.action, id, target);
});

els.detailClose.addEventListener('click', closeDetail);
els.scrim.addEventListener('click', closeDetail);

document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  if (confirmResolve) confirmResolve(false);
  else if (state.detailId) closeDetail();
});

// ---------------------------------------------------------------------------
// Schedules

const schedules = new Refresher(loadSchedules, REFRESH_MS);

async function loadSchedules() {
  const result = await api('GET', '/schedules');
  renderSchedules(Array.isArray(result.schedules) ? result.schedules : []);
}

function renderSchedules(list) {
  const seen = new Set();
  list.forEach((schedule, index) => {
    seen.add(schedule.id);
    let row = state.scheduleRows.get(schedule.id);
    if (!row) {
      row = createScheduleRow(schedule.id);
      state.scheduleRows.set(schedule.id, row);
    }
    updateScheduleRow(row, schedule);
    placeRow(els.schedulesBody, row.tr, index);
    rememberName(schedule.taskName);
  });
  for (const [id, row] of state.scheduleRows) {
    if (!seen.has(id)) {
      row.tr.remove();
      state.scheduleRows.delete(id);
    }
  }
  els.schedulesEmpty.hidden = list.length > 0;
  const paused = list.filter((schedule) => schedule.paused).length;
  setText(
    els.schedulesNote,
    `${list.length} ${list.length === 1 ? 'schedule' : 'schedules'}${paused ? `, ${paused} paused` : ''}`,
  );
}

function createScheduleRow(id) {
  const name = h('span', { className: 'task-name' });
  const idText = h('span', { className: 'task-id', text: id, title: id });
  const kind = h('span', { className: 'kind' });
  const when = h('span', { className: 'mono' });
  const zone = h('span', { className: 'muted' });
  const cells = {
    queue: h('td'),
    next: h('td', { className: 'num' }),
    last: h('td', { className: 'num' }),
    state: h('td'),
  };
  const toggle = button('Pause', { action: 'toggle' });
  const trigger = button('Run now', { action: 'trigger', testid: 'schedule-trigger' });
  const remove = button('Delete', {
    action: 'delete',
    className: 'btn btn-danger',
    testid: 'schedule-delete',
  });
  const tr = h(
    'tr',
    { testid: 'schedule-row', data: { scheduleId: id } },
    h('td', {}, h('div', { className: 'cell-task' }, name, idText)),
    h('td', {}, kind, when, zone),
    cells.queue,
    cells.next,
    cells.last,
    cells.state,
    h('td', { className: 'cell-actions' }, toggle, trigger, remove),
  );
  return { tr, id, name, kind, when, zone, cells, toggle, schedule: null };
}

function updateScheduleRow(row, schedule) {
  row.schedule = schedule;
  row.tr.dataset.paused = String(Boolean(schedule.paused));
  setText(row.name, schedule.taskName);
  row.name.title = schedule.taskName;
  setText(row.kind, schedule.kind);
  if (schedule.kind === 'cron') setText(row.when, schedule.expression ?? '');
  else if (schedule.kind === 'recurring') setText(row.when, fmtInterval(schedule.intervalMs));
  else setText(row.when, schedule.expression ?? 'once');
  setText(row.zone, schedule.timeZone ? ` ${schedule.timeZone}` : '');
  row.tr.title = `Overlap: ${schedule.overlap ?? '–'}, misfire: ${schedule.misfire ?? '–'}, priority ${schedule.priority ?? 0}`;
  setText(row.cells.queue, schedule.queue);
  if (schedule.paused) {
    delete row.cells.next.dataset.at;
    row.cells.next.title = schedule.nextFireAt ? fmtDateTime(schedule.nextFireAt) : '';
    setText(row.cells.next, '–');
  } else {
    timeCell(row.cells.next, schedule.nextFireAt);
  }
  timeCell(row.cells.last, schedule.lastFireAt);
  const statePill = h('span', {
    className: `pill ${schedule.paused ? 'state-paused' : 'state-active'}`,
    text: schedule.paused ? 'paused' : 'active',
  });
  if (row.cells.state.textContent !== statePill.textContent) {
    row.cells.state.replaceChildren(statePill);
  }
  if (!row.toggle.disabled) {
    setText(row.toggle, schedule.paused ? 'Resume' : 'Pause');
    row.toggle.className = schedule.paused ? 'btn btn-primary' : 'btn';
  }
  row.toggle.dataset.testid = schedule.paused ? 'schedule-resume' : 'schedule-pause';
}

els.schedulesBody.addEventListener('click', async (event) => {
  const target = event.target instanceof Element ? event.target.closest('button') : null;
  const tr = target ? target.closest('tr') : null;
  const row = tr ? state.scheduleRows.get(tr.dataset.scheduleId) : undefined;
  if (!target || !row || !row.schedule) return;
  const { id, schedule } = row;
  const path = `/schedules/${enc(id)}`;
  const action = target.dataset.action;
  if (action === 'delete') {
    const yes = await confirmAction(
      `Delete the schedule of “${schedule.taskName}” (${id})? It will not fire again.`,
      'Delete',
    );
    if (!yes) return;
  }
  target.disabled = true;
  try {
    if (action === 'toggle') {
      const pause = !schedule.paused;
      await api('POST', `${path}/${pause ? 'pause' : 'resume'}`);
      toast(`Schedule ${pause ? 'paused' : 'resumed'}.`, 'ok');
    } else if (action === 'trigger') {
      await api('POST', `${path}/trigger`);
      toast(`Fired ${schedule.taskName} once.`, 'ok');
      taskList.request();
    } else if (action === 'delete') {
      await api('DELETE', path);
      toast('Schedule deleted.', 'ok');
    }
  } catch (error) {
    toast(error.message);
  } finally {
    target.disabled = false;
  }
  await schedules.now();
});

// ---------------------------------------------------------------------------
// Live updates

const live = {
  /** Newest snapshot per task id since the last flush. */
  pending: new Map(),
  timer: null,
  chartDirty: false,
};

/** Snapshots from the stream, by arrival time, so that a list answer older than them does not undo them. */
const snapshots = new Map();

function rememberSnapshot(task) {
  snapshots.delete(task.id);
  snapshots.set(task.id, { task, at: Date.now() });
  if (snapshots.size > SNAPSHOT_MAX) snapshots.delete(snapshots.keys().next().value);
}

function newerSnapshot(task, requestedAt) {
  const known = snapshots.get(task.id);
  return known && known.at >= requestedAt - SNAPSHOT_GRACE_MS ? known.task : task;
}

function pruneSnapshots() {
  const cutoff = Date.now() - SNAPSHOT_KEEP_MS;
  for (const [id, entry] of snapshots) {
    if (entry.at >= cutoff) break;
    snapshots.delete(id);
  }
}

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
  if (live.chartDirty) {
    live.chartDirty = false;
    renderChart();
  }
  pruneSnapshots();
}

/** Shows new tasks at the top of the first page at once; the next list answer settles their order. */
function insertNewTasks(tasks) {
  const newest = tasks.slice(-PAGE_SIZE).reverse();
  for (const task of newest) {
    if (state.rows.has(task.id)) continue;
    const row = createTaskRow(task.id);
    state.rows.set(task.id, row);
    updateTaskRow(row, task);
    els.tasksBody.insertBefore(row.tr, els.tasksBody.firstChild);
    flashRow(row.tr);
    state.total += 1;
  }
  while (state.rows.size > PAGE_SIZE) {
    const last = els.tasksBody.lastElementChild;
    if (!last) break;
    state.rows.delete(last.dataset.taskId);
    last.remove();
  }
  renderPager();
}

let source = null;
let reconnectDelay = 1000;
let reconnectTimer = null;
let missedEvents = false;

function setConnection(next) {
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

function connect() {
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

function refreshAll() {
  summary.request();
  taskList.request();
  schedules.request();
  historyRefresher.request();
}

// ---------------------------------------------------------------------------
// Clocks

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-at]')) {
    if (el.dataset.at) setText(el, fmtRelative(el.dataset.at, now));
  }
  renderUptime();
}

setInterval(tick, 1000);
setInterval(() => historyRefresher.request(), HISTORY_POLL_MS);
setInterval(() => schedules.request(), SCHEDULES_POLL_MS);
setInterval(() => summary.request(), SUMMARY_POLL_MS);
setInterval(() => {
  if (state.live || document.hidden) return;
  summary.request();
  if (state.offset === 0) taskList.request();
}, OFFLINE_POLL_MS);

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) refreshAll();
});

window.addEventListener('beforeunload', () => {
  if (reconnectTimer !== null) clearTimeout(reconnectTimer);
  if (source) source.close();
});

// ---------------------------------------------------------------------------
// Start

const initialTask = readHash();
syncFilterControls();
setConnection('connecting');
connect();
refreshAll();
if (initialTask) openDetail(initialTask);
