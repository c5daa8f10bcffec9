import { api, enc } from './api.js';
import { REFRESH_MS, STATUSES } from './constants.js';
import { button, h, setText, syncRows } from './dom.js';
import { els } from './elements.js';
import { rememberQueue } from './filter-options.js';
import { decimalFormat, fmtDuration, fmtInt, fmtShortDuration } from './format.js';
import { Refresher } from './refresher.js';
import { state } from './state.js';
import { toast } from './toasts.js';

export const summary = new Refresher(loadSummary, REFRESH_MS);

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

export function renderUptime() {
  const stats = state.stats;
  if (!stats || typeof stats.uptimeMs !== 'number') return;
  setText(els.uptime, fmtDuration(stats.uptimeMs + (Date.now() - state.statsAt)));
}

function renderQueues(queues) {
  state.queues = queues;
  syncRows(els.queuesBody, state.queueRows, queues, (queue) => queue.name, {
    create: createQueueRow,
    update: updateQueueRow,
    placed: (_row, queue) => rememberQueue(queue.name),
  });
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

export function updateQueueRow(row, queue) {
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
