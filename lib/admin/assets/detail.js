import { api, enc } from './api.js';
import { CANCELLABLE, RETRYABLE } from './constants.js';
import { button, h, pill, safeStatus, setText } from './dom.js';
import { els } from './elements.js';
import {
  fmtDateTime,
  fmtDuration,
  fmtInt,
  fmtPayload,
  fmtRelative,
  fmtTimeOfDay,
} from './format.js';
import { newerSnapshot } from './snapshots.js';
import { saveHash, state } from './state.js';
import { cancelConfirm, toast } from './toasts.js';

let detailSeq = 0;
let detailShown = '';

export async function openDetail(id) {
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

export function closeDetail() {
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

export function renderDetail(task) {
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

els.detailClose.addEventListener('click', closeDetail);
els.scrim.addEventListener('click', closeDetail);

document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  if (!cancelConfirm() && state.detailId) closeDetail();
});
