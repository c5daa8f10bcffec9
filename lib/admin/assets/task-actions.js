import { api, enc } from './api.js';
import { openDetail, renderDetail } from './detail.js';
import { els } from './elements.js';
import { rememberSnapshot } from './snapshots.js';
import { state } from './state.js';
import { summary } from './stats.js';
import { matchesFilters, taskList, updateTaskRow } from './tasks.js';
import { reportBackground, toast } from './toasts.js';

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
