import { api } from './api.js';
import { CANCELLABLE, PAGE_SIZE, REFRESH_MS, RETRYABLE } from './constants.js';
import { button, h, pill, setText, syncRows } from './dom.js';
import { els } from './elements.js';
import { rememberName, rememberQueue } from './filter-options.js';
import { fmtDuration, fmtInt, timeCell } from './format.js';
import { Refresher } from './refresher.js';
import { newerSnapshot } from './snapshots.js';
import { saveHash, state } from './state.js';

export const taskList = new Refresher(loadTasks, REFRESH_MS);
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

/** Drops the answer of a list request in flight: it was asked with other filters or another page. */
export function invalidateList() {
  listSeq += 1;
  // A new view: its rows are not news.
  listLoaded = false;
}

export function matchesFilters(task) {
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
  syncRows(els.tasksBody, state.rows, tasks, (task) => task.id, {
    create: createTaskRow,
    update: updateTaskRow,
    placed: (row, _task, created) => {
      if (created && animate && state.offset === 0) flashRow(row.tr);
    },
  });
  renderPager();
}

/** Shows new tasks at the top of the first page at once; the next list answer settles their order. */
export function insertNewTasks(tasks) {
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

export function updateTaskRow(row, task) {
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
