/**
 * Record builders for the TaskStore contract suite. Every builder returns a
 * fresh, complete record; tests override only what they are about.
 */
import type { AttemptRecord, ScheduleRecord, TaskRecord } from '../../lib/core/types.js';
import type { InsertMode, InsertRequest } from '../../lib/store/task-store.js';

/** The suite's epoch: every time in the contract tests is an offset from it. */
export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

let taskCounter = 0;
let scheduleCounter = 0;

/** A fresh task id, unique within the test run. */
export function taskId(prefix = 'task'): string {
  taskCounter += 1;
  return `${prefix}-${taskCounter}`;
}

/** A pending task of queue 'default' named 'job', due at T0; `overrides` win. */
export function taskRecord(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id: taskId(),
    name: 'job',
    queue: 'default',
    status: 'pending',
    payload: '{}',
    priority: 0,
    scheduleId: null,
    createdAt: T0,
    scheduledAt: T0,
    startedAt: null,
    completedAt: null,
    error: null,
    attempts: 0,
    retryCount: 0,
    maxRetries: 0,
    timeoutMs: null,
    nodeId: null,
    lockedBy: null,
    lockedUntil: null,
    history: [],
    ...overrides,
  };
}

/** A finished attempt; `overrides` win. */
export function attemptRecord(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    attempt: 1,
    startedAt: T0,
    finishedAt: T0 + 10,
    durationMs: 10,
    error: null,
    nodeId: 'node-a',
    ...overrides,
  };
}

/** A recurring schedule every minute, firing task 'job'; `overrides` win. */
export function scheduleRecord(overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  scheduleCounter += 1;
  return {
    id: `schedule-${scheduleCounter}`,
    kind: 'recurring',
    expression: null,
    intervalMs: 60_000,
    timeZone: null,
    taskName: 'job',
    queue: 'default',
    payload: '{}',
    priority: 0,
    maxRetries: null,
    timeoutMs: null,
    overlap: 'skip',
    misfire: 'run-once',
    maxCatchUp: 1,
    paused: false,
    anchorAt: T0,
    nextFireAt: T0 + 60_000,
    lastFireAt: null,
    createdAt: T0,
    source: 'api',
    ...overrides,
  };
}

/** An insert request; capacity defaults to none (every queue unbounded). */
export function insertRequest(
  tasks: readonly TaskRecord[],
  mode: InsertMode = 'unless-active',
  capacity: Readonly<Record<string, number>> = {},
): InsertRequest {
  return { tasks, mode, capacity };
}
