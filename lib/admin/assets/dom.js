/*
 * Every value shown comes from the scheduler (task names, payloads, errors,
 * cron text), so the page builds its DOM with these helpers only: text goes
 * in as text, and attributes that could run code or load a URL are refused.
 */
import { STATUSES } from './constants.js';

const FORBIDDEN_ATTRIBUTE = /^(on|style$|href$|src$|srcdoc$|action$|formaction$)/i;

/** An element with text children; `attrs` may not carry handlers, styles or URLs. */
export function h(tag, options = {}, ...children) {
  const el = document.createElement(tag);
  applyOptions(el, options);
  for (const child of children) append(el, child);
  return el;
}

export function svg(tag, attrs = {}) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (FORBIDDEN_ATTRIBUTE.test(name)) throw new Error(`refused attribute ${name}`);
    el.setAttribute(name, String(value));
  }
  return el;
}

function applyOptions(el, { className, text, title, testid, data, attrs } = {}) {
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = String(text);
  if (title !== undefined && title !== null) el.title = String(title);
  if (testid) el.dataset.testid = testid;
  if (data) for (const [key, value] of Object.entries(data)) el.dataset[key] = String(value);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (FORBIDDEN_ATTRIBUTE.test(name)) throw new Error(`refused attribute ${name}`);
      el.setAttribute(name, String(value));
    }
  }
}

function append(parent, child) {
  if (child === null || child === undefined || child === false) return;
  parent.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
}

export function setText(el, value) {
  const text = value === null || value === undefined ? '' : String(value);
  if (el.textContent !== text) el.textContent = text;
}

export function button(label, { action, className = 'btn', testid, title } = {}) {
  return h('button', {
    className,
    text: label,
    testid,
    title,
    data: action ? { action } : undefined,
    attrs: { type: 'button' },
  });
}

export function pill(status) {
  return h('span', { className: `pill status-${safeStatus(status)}`, text: status });
}

export function safeStatus(status) {
  return STATUSES.includes(status) ? status : 'unknown';
}

/**
 * Makes `tbody` show one row per item, in order, reusing the rows kept in
 * `rows` (key → row with a `tr`) so that a refresh does not rebuild the
 * table: a new key gets `create(key)`, every row gets `update(row, item)`,
 * and rows whose key is no longer listed are removed. `placed(row, item,
 * created)` runs once each row is in place.
 */
export function syncRows(tbody, rows, items, keyOf, { create, update, placed }) {
  const seen = new Set();
  items.forEach((item, index) => {
    const key = keyOf(item);
    seen.add(key);
    let row = rows.get(key);
    const created = !row;
    if (created) {
      row = create(key);
      rows.set(key, row);
    }
    update(row, item);
    placeRow(tbody, row.tr, index);
    placed?.(row, item, created);
  });
  for (const [key, row] of rows) {
    if (!seen.has(key)) {
      row.tr.remove();
      rows.delete(key);
    }
  }
}

function placeRow(tbody, tr, index) {
  if (tbody.children[index] !== tr) tbody.insertBefore(tr, tbody.children[index] ?? null);
}
