export const STATUSES = ['pending', 'running', 'retrying', 'completed', 'failed', 'cancelled'];
export const CANCELLABLE = new Set(['pending', 'running', 'retrying']);
export const RETRYABLE = new Set(['failed', 'cancelled']);
export const PAGE_SIZE = 50;
/** Live refreshes of lists and figures run at most this often, so a burst of events cannot flood the server or the page. */
export const REFRESH_MS = 750;
/** Coalesces live events into one DOM update. */
export const FLUSH_MS = 100;
export const HISTORY_POLL_MS = 30_000;
export const SCHEDULES_POLL_MS = 15_000;
/** A safety net for what produces no event (a delayed task falling due, a node elsewhere); faster while the stream is down. */
export const SUMMARY_POLL_MS = 10_000;
export const OFFLINE_POLL_MS = 4_000;
/** A listed task is shown from the stream instead of a list response when the event came this close to (or after) the request. */
export const SNAPSHOT_GRACE_MS = 1_000;
export const SNAPSHOT_KEEP_MS = 10_000;
export const SNAPSHOT_MAX = 500;
export const PENDING_MAX = 2_000;
