import { api } from './api.js';
import { svg, setText } from './dom.js';
import { els } from './elements.js';
import { fmtCompact, fmtInt, parseTime, timeFormat } from './format.js';
import { Refresher } from './refresher.js';
import { state } from './state.js';
import { updateQueueRow } from './stats.js';

export const historyRefresher = new Refresher(loadHistory, 5_000);
let chartWidth = 600;
const CHART_HEIGHT = 180;
/** Live counts since the last drawing: drawn once per batch of events. */
let chartDirty = false;

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

/** Counts a live completion or failure in its minute, moving the window on when a new minute starts. */
export function bumpHistory(type, at) {
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
  chartDirty = true;
}

/** Draws what bumpHistory counted since the last call, if anything. */
export function flushChart() {
  if (!chartDirty) return;
  chartDirty = false;
  renderChart();
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
