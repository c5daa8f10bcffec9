/**
 * The domain's data shapes: what a task and a schedule are, as the engine
 * and the stores hold them (records, times as epoch ms, payloads as JSON
 * text) and as the public API shows them (infos, times as Dates).
 */

/** Where a task is in its life: `pending → running → completed | failed | retrying → …; cancelled`. */
export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed' | 'retrying' | 'cancelled';

/** Every status, in life order. */
export const TASK_STATUSES: readonly TaskStatus[] = [
  'pending',
  'running',
  'retrying',
  'completed',
  'failed',
  'cancelled',
];

/** Statuses of a task that is not finished: an id in one of these cannot be added again. */
export const ACTIVE_STATUSES: readonly TaskStatus[] = ['pending', 'running', 'retrying'];

/** Statuses of a task waiting for a worker (its due time may be in the future). */
export const WAITING_STATUSES: readonly TaskStatus[] = ['pending', 'retrying'];

/** Statuses of a finished task; retention removes these. */
export const FINISHED_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

/** A value that survives a JSON round trip unchanged. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What a cron or recurring schedule does when a fire runs while its previous run is unfinished. */
export type OverlapPolicy = 'skip' | 'allow' | 'queue';

/** What a schedule does with fire times that passed while nothing could fire them. */
export type MisfirePolicy = 'skip' | 'run-once' | 'run-all';

/** The two kinds of standing schedule. */
export type ScheduleKind = 'cron' | 'recurring';

/** One finished attempt of a task, as stored. */
export interface AttemptRecord {
  attempt: number;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  error: string | null;
  nodeId: string | null;
}

/**
 * A task as stores hold it. Times are epoch ms; the payload is JSON text so
 * that every attempt gets a fresh copy and every store behaves alike.
 */
export interface TaskRecord {
  id: string;
  name: string;
  queue: string;
  status: TaskStatus;
  payload: string;
  priority: number;
  scheduleId: string | null;
  createdAt: number;
  scheduledAt: number;
  startedAt: number | null;
  completedAt: number | null;
  error: string | null;
  /** Attempts started, monotonic: together with the owner it fences state changes. */
  attempts: number;
  /** Automatic retries used since the task was added or last retried by hand. */
  retryCount: number;
  maxRetries: number;
  /** A per-task timeout; null means the handler's or the queue's. */
  timeoutMs: number | null;
  /** The node that ran (or runs) the latest attempt. */
  nodeId: string | null;
  lockedBy: string | null;
  lockedUntil: number | null;
  /** Finished attempts, oldest first, at most {@link MAX_ATTEMPT_HISTORY}; never mutated in place. */
  history: readonly AttemptRecord[];
}

/** The history of a task that has not finished an attempt yet: one shared, frozen empty list. */
export const NO_ATTEMPTS: readonly AttemptRecord[] = Object.freeze([]);

/** How many finished attempts a task keeps in its history (the newest ones). */
export const MAX_ATTEMPT_HISTORY = 50;

/** A cron or recurring schedule as stores hold it. */
export interface ScheduleRecord {
  id: string;
  kind: ScheduleKind;
  expression: string | null;
  intervalMs: number | null;
  timeZone: string | null;
  taskName: string;
  queue: string;
  payload: string;
  priority: number;
  maxRetries: number | null;
  timeoutMs: number | null;
  overlap: OverlapPolicy;
  misfire: MisfirePolicy;
  maxCatchUp: number;
  paused: boolean;
  /** Recurring schedules fire at `anchorAt + k·interval`, so run time never drifts them. */
  anchorAt: number;
  nextFireAt: number | null;
  lastFireAt: number | null;
  createdAt: number;
  /** Decorator schedules are reconciled at startup; API schedules are the user's. */
  source: 'api' | 'decorator';
}

/** One finished attempt, as the public API shows it. */
export interface AttemptInfo {
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  error: string | null;
  nodeId: string | null;
}

/** A task (one run of a handler), as the public API shows it. */
export interface TaskInfo<P = unknown> {
  id: string;
  name: string;
  queue: string;
  status: TaskStatus;
  payload: P;
  scheduleId: string | null;
  createdAt: Date;
  scheduledAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** Duration of the latest finished attempt. */
  durationMs: number | null;
  /** The latest error message, or null. */
  error: string | null;
  /** Number of attempts started. */
  attempts: number;
  maxRetries: number;
  priority: number;
  /** Node of the latest attempt; null until a run starts. */
  nodeId: string | null;
  attemptHistory: AttemptInfo[];
}

/** Filters for listing tasks. */
export interface TaskFilter {
  status?: TaskStatus | readonly TaskStatus[];
  queue?: string;
  name?: string;
  /** Page size: default 100, at most 1000. */
  limit?: number;
  offset?: number;
}

/** A page of tasks, newest first; `total` counts every match, not just this page. */
export interface TaskList {
  tasks: TaskInfo[];
  total: number;
}

/** A schedule, as the public API shows it. */
export interface ScheduleInfo {
  id: string;
  kind: ScheduleKind;
  expression: string | null;
  intervalMs: number | null;
  timeZone: string | null;
  taskName: string;
  queue: string;
  payload: unknown;
  priority: number;
  overlap: OverlapPolicy;
  misfire: MisfirePolicy;
  paused: boolean;
  nextFireAt: Date | null;
  lastFireAt: Date | null;
  createdAt: Date;
}

/** Live figures of one queue. */
export interface QueueStats {
  pending: number;
  running: number;
  retrying: number;
  completed: number;
  failed: number;
  cancelled: number;
  workers: number;
  maxSize: number;
  paused: boolean;
  /** Mean and 95th percentile of the queue's recent run durations; null before any run. */
  avgDurationMs: number | null;
  p95DurationMs: number | null;
}

/** A queue with its configuration and live figures. */
export interface QueueInfo extends QueueStats {
  name: string;
  timeoutMs: number | null;
}

/** Figures of the whole scheduler, as returned by getStats(). */
export interface SchedulerStats {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  retrying: number;
  cancelled: number;
  /** Waiting tasks whose task name has no handler in this application. */
  orphaned: number;
  total: number;
  /** Tasks finished per second over the last minute. */
  throughputPerSecond: number;
  uptimeMs: number;
  nodeId: string;
  queues: Record<string, QueueStats>;
}
