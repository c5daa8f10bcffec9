export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

function resolveBase() {
  const meta = document.querySelector('meta[name="scheduler-prefix"]');
  const content = meta ? meta.getAttribute('content') || '' : '';
  // Served without the placeholder replaced (a static preview): the page's own path is the prefix.
  const prefix = content && !content.includes('%PREFIX%') ? content : location.pathname;
  // One leading slash only: '//host/…' would name another origin.
  return `/${prefix.replace(/^\/+|\/+$/g, '')}`.replace(/\/$/, '');
}

export const base = resolveBase();

export const enc = encodeURIComponent;

export async function api(method, path, query) {
  const url = new URL(base + path, location.origin);
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value !== '' && value !== null && value !== undefined) {
        url.searchParams.set(key, String(value));
      }
    }
  }
  const headers = { Accept: 'application/json' };
  const init = { method, headers, cache: 'no-store', credentials: 'same-origin' };
  if (method !== 'GET') headers['X-Requested-With'] = 'XMLHttpRequest';
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    init.body = '{}';
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError('The scheduler cannot be reached.', 0);
  }
  const text = await response.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const message =
      body && typeof body.error === 'string' && body.error
        ? body.error
        : `Request failed (HTTP ${response.status}).`;
    throw new ApiError(message, response.status);
  }
  return body;
}
