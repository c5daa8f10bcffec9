import { ApiError } from './api.js';
import { h, setText } from './dom.js';
import { els } from './elements.js';
import { state } from './state.js';

const toastsShown = new Map();

export function toast(message, kind = 'error') {
  const text = String(message);
  const existing = toastsShown.get(text);
  if (existing) {
    clearTimeout(existing.timer);
    existing.timer = setTimeout(() => dismiss(existing.el, text), lifetime(kind));
    return;
  }
  const el = h(
    'div',
    {
      className: `toast toast-${kind}`,
      testid: 'toast',
      attrs: { role: kind === 'error' ? 'alert' : 'status' },
    },
    h('span', { className: 'toast-text', text }),
  );
  const close = h('button', {
    className: 'toast-close',
    text: '×',
    attrs: { type: 'button', 'aria-label': 'Dismiss' },
  });
  close.addEventListener('click', () => dismiss(el, text));
  el.append(close);
  els.toasts.append(el);
  const entry = { el, timer: setTimeout(() => dismiss(el, text), lifetime(kind)) };
  toastsShown.set(text, entry);
  while (els.toasts.children.length > 4) {
    const oldest = els.toasts.firstElementChild;
    const key = oldest.querySelector('.toast-text').textContent;
    dismiss(oldest, key);
  }
}

function lifetime(kind) {
  return kind === 'error' ? 8000 : 4000;
}

function dismiss(el, key) {
  const entry = toastsShown.get(key);
  if (entry && entry.el === el) {
    clearTimeout(entry.timer);
    toastsShown.delete(key);
  }
  el.remove();
}

const backgroundErrors = new Map();

/** Errors of polling: shown once in a while rather than on every poll. */
export function reportBackground(error) {
  // While the stream is down too, the connection badge already says so.
  if (error instanceof ApiError && error.status === 0 && !state.live) return;
  const message = error instanceof Error ? error.message : String(error);
  const last = backgroundErrors.get(message) ?? 0;
  if (Date.now() - last < 15_000) return;
  backgroundErrors.set(message, Date.now());
  toast(message, 'error');
}

let confirmResolve = null;

export function confirmAction(message, yesLabel) {
  if (confirmResolve) confirmResolve(false);
  setText(els.confirmText, message);
  setText(els.confirmYes, yesLabel);
  els.confirm.hidden = false;
  const returnFocus = document.activeElement;
  els.confirmNo.focus();
  return new Promise((resolve) => {
    confirmResolve = (answer) => {
      confirmResolve = null;
      els.confirm.hidden = true;
      if (returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus();
      resolve(answer);
    };
  });
}

/** Answers an open confirm box with no; false when none is open. */
export function cancelConfirm() {
  if (!confirmResolve) return false;
  confirmResolve(false);
  return true;
}

els.confirmYes.addEventListener('click', () => confirmResolve?.(true));
els.confirmNo.addEventListener('click', () => confirmResolve?.(false));
els.confirm.addEventListener('click', (event) => {
  if (event.target === els.confirm) confirmResolve?.(false);
});
