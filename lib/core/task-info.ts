import type { AttemptRecord, ScheduleInfo, ScheduleRecord, TaskInfo, TaskRecord } from './types.js';

const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** The public view of a task record: Dates instead of epoch ms, the payload parsed. */
export function toTaskInfo(record: TaskRecord): TaskInfo {
  const last = record.history.at(-1);
  return {
    id: record.id,
    name: record.name,
    queue: record.queue,
    status: record.status,
    payload: JSON.parse(record.payload) as unknown,
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
    payload: JSON.parse(record.payload) as unknown,
    priority: record.priority,
    overlap: record.overlap,
    misfire: record.misfire,
    paused: record.paused,
    nextFireAt: toDate(record.nextFireAt),
    lastFireAt: toDate(record.lastFireAt),
    createdAt: new Date(record.createdAt),
  };
}
