import type { ScheduleRecord, TaskRecord } from '../../core/types.js';
import type { StoredTask } from './stored-task.js';

/** A stored task from a caller's record: an own copy, so later changes on either side stay apart. */
export function toStoredTask(record: TaskRecord, seq: number, counts: Int32Array): StoredTask {
  // One literal with every field: spreading, or adding fields after creation, costs an extra
  // property block per task (and object spread takes V8's slow path).
  return {
    id: record.id,
    name: record.name,
    queue: record.queue,
    status: record.status,
    payload: record.payload,
    priority: record.priority,
    scheduleId: record.scheduleId,
    createdAt: record.createdAt,
    scheduledAt: record.scheduledAt,
    startedAt: record.startedAt,
    completedAt: record.completedAt,
    error: record.error,
    attempts: record.attempts,
    retryCount: record.retryCount,
    maxRetries: record.maxRetries,
    timeoutMs: record.timeoutMs,
    nodeId: record.nodeId,
    lockedBy: record.lockedBy,
    lockedUntil: record.lockedUntil,
    history: record.history,
    seq,
    heapIndex: -1,
    laneToken: 0,
    counts,
  };
}

/**
 * A plain copy of a task record. Listed field by field (not spread) so that
 * store internals never leak and every copy has the same shape. The history
 * array is shared: it is replaced, never mutated in place.
 */
export function copyTask(task: TaskRecord): TaskRecord {
  return {
    id: task.id,
    name: task.name,
    queue: task.queue,
    status: task.status,
    payload: task.payload,
    priority: task.priority,
    scheduleId: task.scheduleId,
    createdAt: task.createdAt,
    scheduledAt: task.scheduledAt,
    startedAt: task.startedAt,
    completedAt: task.completedAt,
    error: task.error,
    attempts: task.attempts,
    retryCount: task.retryCount,
    maxRetries: task.maxRetries,
    timeoutMs: task.timeoutMs,
    nodeId: task.nodeId,
    lockedBy: task.lockedBy,
    lockedUntil: task.lockedUntil,
    history: task.history,
  };
}

/** A copy of a schedule record. */
export function copySchedule(schedule: ScheduleRecord): ScheduleRecord {
  return { ...schedule };
}
