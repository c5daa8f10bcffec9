import type { TaskPatch } from '../store/task-store.js';
import type { AttemptOutcome } from './active-attempt.js';
import { NonRetryableError } from './attempt-errors.js';
import { errorMessage } from './logger.js';
import { retryDelay, type RetryPolicy } from './retry-policy.js';
import type { AttemptRecord, TaskRecord } from './types.js';

/** Error recorded for an attempt cut short by a graceful shutdown. */
export const INTERRUPTED_BY_SHUTDOWN = 'interrupted by shutdown';

/** The state change that follows an attempt, and the event that announces it. */
export interface AttemptTransition {
  set: TaskPatch;
  attempt: AttemptRecord;
  event: 'completed' | 'failed' | 'retrying' | null;
}

/** What the decision needs to know about a finished attempt. */
export interface FinishedAttempt {
  record: TaskRecord;
  startedAt: number;
  finishedAt: number;
  nodeId: string;
  outcome: AttemptOutcome;
  policy: RetryPolicy;
  /** The handler's own verdict on retrying `error`; true when it has none. */
  shouldRetry(error: unknown): boolean;
  random(): number;
}

/**
 * Decides what an attempt's outcome does to its task: the one place where
 * retry, backoff and final failure are decided, so every store behaves
 * alike. Returns null when there is nothing to write (a cancel already
 * wrote the task's state).
 */
export function decideTransition(finished: FinishedAttempt): AttemptTransition | null {
  const { record, outcome, finishedAt: now } = finished;
  // Patches are written out in full rather than spread from a common base: this runs once per task.
  switch (outcome.kind) {
    case 'cancelled':
      return null;
    case 'succeeded':
      return {
        set: {
          status: 'completed',
          completedAt: now,
          error: null,
          lockedBy: null,
          lockedUntil: null,
        },
        attempt: attemptRecord(finished, null),
        event: 'completed',
      };
    case 'interrupted':
      return {
        set: {
          status: 'pending',
          scheduledAt: now,
          error: INTERRUPTED_BY_SHUTDOWN,
          lockedBy: null,
          lockedUntil: null,
        },
        attempt: attemptRecord(finished, INTERRUPTED_BY_SHUTDOWN),
        event: null,
      };
    case 'failed':
    case 'timed-out': {
      const message = errorMessage(outcome.error);
      const attempt = attemptRecord(finished, message);
      if (!mayRetry(finished, outcome.error)) {
        return {
          set: {
            status: 'failed',
            completedAt: now,
            error: message,
            lockedBy: null,
            lockedUntil: null,
          },
          attempt,
          event: 'failed',
        };
      }
      const retry = record.retryCount + 1;
      const delay = retryDelay(finished.policy, retry, finished.random);
      return {
        set: {
          status: 'retrying',
          scheduledAt: now + delay,
          retryCount: retry,
          error: message,
          lockedBy: null,
          lockedUntil: null,
        },
        attempt,
        event: 'retrying',
      };
    }
  }
}

function mayRetry(finished: FinishedAttempt, error: unknown): boolean {
  if (error instanceof NonRetryableError) return false;
  if (finished.record.retryCount >= finished.record.maxRetries) return false;
  return finished.shouldRetry(error);
}

function attemptRecord(finished: FinishedAttempt, error: string | null): AttemptRecord {
  return {
    attempt: finished.record.attempts,
    startedAt: finished.startedAt,
    finishedAt: finished.finishedAt,
    durationMs: finished.finishedAt - finished.startedAt,
    error,
    nodeId: finished.nodeId,
  };
}
