import { h } from './dom.js';
import { els } from './elements.js';
import { state } from './state.js';

export function rememberQueue(name) {
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

export function rememberName(name) {
  if (typeof name !== 'string' || state.knownNames.has(name) || state.knownNames.size >= 500) {
    return;
  }
  state.knownNames.add(name);
  const option = h('option');
  option.value = name;
  nameList.append(option);
}
