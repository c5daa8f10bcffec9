/*
 * The scheduler's operator dashboard. Plain browser JavaScript modules
 * without a build step, served under a strict Content-Security-Policy: every
 * value shown comes from the scheduler (task names, payloads, errors, cron
 * text), so the page builds its DOM with createElement and textContent only
 * (see dom.js), and never puts data into markup, URLs of links or inline
 * styles.
 */
import { historyRefresher } from './chart.js';
import {
  HISTORY_POLL_MS,
  OFFLINE_POLL_MS,
  SCHEDULES_POLL_MS,
  SUMMARY_POLL_MS,
} from './constants.js';
import { openDetail } from './detail.js';
import { syncFilterControls } from './filters.js';
import { refreshRelativeTimes } from './format.js';
import { connect, disconnect, refreshAll, setConnection } from './live.js';
import { schedules } from './schedules.js';
import { readHash, state } from './state.js';
import { renderUptime, summary } from './stats.js';
import './task-actions.js';
import { taskList } from './tasks.js';

function tick() {
  refreshRelativeTimes();
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

window.addEventListener('beforeunload', disconnect);

const initialTask = readHash();
syncFilterControls();
setConnection('connecting');
connect();
refreshAll();
if (initialTask) openDetail(initialTask);
