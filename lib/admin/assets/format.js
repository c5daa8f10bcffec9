import { setText } from './dom.js';

const numberFormat = new Intl.NumberFormat();
export const decimalFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});
export const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
});
const timeOfDayFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export function fmtInt(value) {
  return typeof value === 'number' && Number.isFinite(value) ? numberFormat.format(value) : '–';
}

export function fmtCompact(value) {
  if (value >= 1_000_000) return `${decimalFormat.format(value / 1_000_000)}M`;
  if (value >= 1000) return `${decimalFormat.format(value / 1000)}k`;
  return decimalFormat.format(value);
}

export function fmtDuration(ms) {
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
export function fmtShortDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${decimalFormat.format(ms / 1000)}s`;
  return `${decimalFormat.format(ms / 60_000)}m`;
}

export function fmtInterval(ms) {
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

export function parseTime(value) {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function fmtDateTime(value) {
  const ms = parseTime(value);
  return ms === null ? '–' : dateTimeFormat.format(ms);
}

/** A time of today without its date. */
export function fmtTimeOfDay(value) {
  const ms = parseTime(value);
  if (ms === null) return '–';
  const sameDay = new Date(ms).toDateString() === new Date().toDateString();
  return (sameDay ? timeOfDayFormat : dateTimeFormat).format(ms);
}

export function fmtRelative(value, now = Date.now()) {
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
export function timeCell(el, value) {
  if (el.dataset.at === String(value ?? '')) return;
  el.dataset.at = String(value ?? '');
  el.title = value ? fmtDateTime(value) : '';
  setText(el, fmtRelative(value));
}

/** The ticker: brings every time shown by timeCell up to date. */
export function refreshRelativeTimes(now = Date.now()) {
  for (const el of document.querySelectorAll('[data-at]')) {
    if (el.dataset.at) setText(el, fmtRelative(el.dataset.at, now));
  }
}

export function fmtPayload(payload) {
  if (payload === undefined) return '(none)';
  try {
    return JSON.stringify(payload, null, 2);
  } catch {
    return String(payload);
  }
}
