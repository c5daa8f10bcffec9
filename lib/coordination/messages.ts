import type { CoordinatorSignals } from './coordinator.js';

/** What instances tell each other, over NOTIFY or pub/sub, as JSON. */

/** New work in `q`, due at `d`, added by node `n` (which ignores its own message). */
export interface WorkMessage {
  n: string;
  q: string;
  d: number;
}

/** Node `n` is asked to abort task `t`. */
export interface CancelMessage {
  n: string;
  t: string;
}

/** The message in `payload`, or null when it is not one of ours (another program's, or garbage). */
export function parseMessage(payload: string): WorkMessage | CancelMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const message = value as Partial<WorkMessage & CancelMessage>;
  if (typeof message.n !== 'string') return null;
  if (typeof message.q === 'string' && typeof message.d === 'number') {
    return { n: message.n, q: message.q, d: message.d };
  }
  if (typeof message.t === 'string') return { n: message.n, t: message.t };
  return null;
}

const isWork = (message: WorkMessage | CancelMessage): message is WorkMessage => 'q' in message;

/**
 * Hands a message received on `channel` to this node's engine: another
 * node's work announcement, or a cancel addressed to this node. Anything
 * else (its own announcements, others' cancels, foreign payloads) is dropped.
 */
export function deliverMessage(
  channel: string,
  payload: string,
  workChannel: string,
  cancelChannel: string,
  nodeId: string,
  signals: CoordinatorSignals,
): void {
  const message = parseMessage(payload);
  if (message === null) return;
  if (channel === workChannel && isWork(message)) {
    if (message.n !== nodeId) signals.workAvailable(message.q, message.d);
  } else if (channel === cancelChannel && !isWork(message)) {
    if (message.n === nodeId) signals.cancelRequested(message.t);
  }
}
