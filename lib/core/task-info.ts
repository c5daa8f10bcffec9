import type { AttemptRecord, ScheduleInfo, ScheduleRecord, TaskInfo, TaskRecord } from './types.js';

const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * A stored payload, parsed. The engine only stores valid JSON, but a row
 * edited by hand may not be: such a task still lists (with a null payload)
 * instead of breaking every listing it appears in; running it fails it.
 */
function readPayload(text: string): unknown {
  if (text === 'null') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The public view of a task record: Dates instead of epoch ms, the payload parsed. */
export function toTaskInfo(record: TaskRecord): TaskInfo {
  const last = record.history.at(-1);
  return {
    id: record.id,
    name: record.name,
    queue: record.queue,
    status: record.status,
    payload: readPayload(record.payload),
    scheduleId: record.scheduleId,
    createdAt: new Date(record.createdAt),
    scheduledAt: new Date(record.scheduledAt),
    startedAt: toDate(record.startedAt),
    completedAt: toDate(record.completedAt),
    durationMs: last?.durationMs ?? null,
    error: record.error,
    attempts: record.attempts,
    maxRetries: record.maxRetries,
    priority: record.priority,
    nodeId: record.nodeId,
    attemptHistory: record.history.map(toAttemptInfo),
  };
}

function toAttemptInfo(attempt: AttemptRecord): TaskInfo['attemptHistory'][number] {
  return {
    attempt: attempt.attempt,
    startedAt: new Date(attempt.startedAt),
    finishedAt: new Date(attempt.finishedAt),
    durationMs: attempt.durationMs,
    error: attempt.error,
    nodeId: attempt.nodeId,
  };
}

/** The public view of a schedule record. */
export function toScheduleInfo(record: ScheduleRecord): ScheduleInfo {
  return {
    id: record.id,
    kind: record.kind,
    expression: record.expression,
    intervalMs: record.intervalMs,
    timeZone: record.timeZone,
    taskName: record.taskName,
    queue: record.queue,
    payload: readPayload(record.payload),
    priority: record.priority,
    overlap: record.overlap,
    misfire: record.misfire,
    paused: record.paused,
    nextFireAt: toDate(record.nextFireAt),
    lastFireAt: toDate(record.lastFireAt),
    createdAt: new Date(record.createdAt),
  };
}
