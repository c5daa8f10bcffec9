import { api, enc } from './api.js';
import { REFRESH_MS } from './constants.js';
import { button, h, setText, syncRows } from './dom.js';
import { els } from './elements.js';
import { rememberName } from './filter-options.js';
import { fmtDateTime, fmtInterval, timeCell } from './format.js';
import { Refresher } from './refresher.js';
import { state } from './state.js';
import { taskList } from './tasks.js';
import { confirmAction, toast } from './toasts.js';

export const schedules = new Refresher(loadSchedules, REFRESH_MS);

async function loadSchedules() {
  const result = await api('GET', '/schedules');
  renderSchedules(Array.isArray(result.schedules) ? result.schedules : []);
}

function renderSchedules(list) {
  syncRows(els.schedulesBody, state.scheduleRows, list, (schedule) => schedule.id, {
    create: createScheduleRow,
    update: updateScheduleRow,
    placed: (_row, schedule) => rememberName(schedule.taskName),
  });
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
