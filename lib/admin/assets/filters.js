import { PAGE_SIZE } from './constants.js';
import { closeDetail, openDetail } from './detail.js';
import { h } from './dom.js';
import { els } from './elements.js';
import { rememberQueue } from './filter-options.js';
import { readHash, saveHash, state } from './state.js';
import { invalidateList, taskList } from './tasks.js';

export function syncFilterControls() {
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
