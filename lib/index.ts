export { SchedulerModule } from './scheduler.module.js';
export { SchedulerService, type BulkJobItem } from './scheduler.service.js';
export type { TaskReference } from './task-references.js';
export { Task } from './decorators/task.decorator.js';
export { Cron } from './decorators/cron.decorator.js';
export { Recurring } from './decorators/recurring.decorator.js';
export { Delayed } from './decorators/delayed.decorator.js';
export type {
  SchedulerModuleOptions,
  StoreOptions,
  MemoryStoreOptions,
  TypeOrmConnectionStoreOptions,
  CoordinationOptions,
  LocalCoordinationOptions,
  PostgresCoordinationOptions,
} from './interfaces/scheduler-module-options.interface.js';
export { SchedulerController } from './admin/scheduler.controller.js';
export {
  DEFAULT_ADMIN_PATH,
  DEFAULT_REDACTED_KEYS,
  type AdminOptions,
} from './admin/admin-options.js';
export type { FinishHistory } from './admin/finish-history.js';
export type {
  TaskDecoratorOptions,
  ScheduleDecoratorOptions,
  CronDecoratorOptions,
  RecurringDecoratorOptions,
  DelayedDecoratorOptions,
} from './interfaces/task-decorator-options.interface.js';

export { Scheduler } from './core/scheduler.js';
export type {
  SchedulerOptions,
  QueueConfig,
  RetryPolicyConfig,
  RetentionOptions,
} from './core/options.js';
export type { TaskHandler, TaskContext, TaskLogger, HandlerOptions } from './core/handler.js';
export type { JobOptions, BulkJob } from './core/task-factory.js';
export type {
  ScheduleOptions,
  CronJobOptions,
  RecurringJobOptions,
} from './core/schedule-factory.js';
export type { Duration } from './core/duration.js';
export type { Clock } from './core/clock.js';
export type { SchedulerLogger } from './core/logger.js';
export type { BackoffKind } from './core/retry-policy.js';
export type {
  SchedulerEvent,
  SchedulerEventType,
  TaskEvent,
  ScheduleFiredEvent,
  QueueFullEvent,
} from './core/events.js';
export {
  TASK_STATUSES,
  type TaskStatus,
  type TaskInfo,
  type AttemptInfo,
  type TaskFilter,
  type TaskList,
  type ScheduleInfo,
  type ScheduleKind,
  type QueueInfo,
  type QueueStats,
  type SchedulerStats,
  type OverlapPolicy,
  type MisfirePolicy,
  type JsonValue,
} from './core/types.js';
export {
  SchedulerError,
  type SchedulerErrorCode,
  InvalidArgumentError,
  InvalidDurationError,
  InvalidCronExpressionError,
  InvalidPayloadError,
  PayloadTooLargeError,
  InvalidQueueConfigError,
  QueueFullError,
  UnknownQueueError,
  UnknownTaskError,
  TaskNotFoundError,
  ScheduleNotFoundError,
  InvalidStateError,
  DuplicateNameError,
  SchedulerConfigurationError,
  SchedulerStoppedError,
  StoreUnavailableError,
} from './core/errors.js';
export {
  TaskTimeoutError,
  TaskCancelledError,
  SchedulerShutdownError,
  LeaseLostError,
  NonRetryableError,
} from './core/attempt-errors.js';

export { TaskStore } from './store/task-store.js';
export type {
  InsertMode,
  InsertRequest,
  InsertOutcome,
  InsertResult,
  ClaimRequest,
  ClaimResult,
  TaskPatch,
  TaskFence,
  TaskUpdate,
  LeaseRenewal,
  TaskQuery,
  TaskPage,
  TaskCount,
  PruneRule,
  SchedulePatch,
} from './store/task-store.js';
export type { TaskRecord, ScheduleRecord, AttemptRecord } from './core/types.js';
export { MemoryTaskStore } from './store/memory/memory-task-store.js';
export {
  TypeOrmTaskStore,
  createTypeOrmTaskStore,
  schedulerEntities,
  schedulerMigrations,
  DEFAULT_TABLE_PREFIX,
  type SqlStoreOptions,
  type SqlStoreCommonOptions,
  type SqliteStoreOptions,
  type ServerStoreOptions,
  type DataSourceStoreOptions,
  type SchedulerEntitiesOptions,
  type SchedulerEntityType,
} from './store/typeorm/index.js';
export { Coordinator, type CoordinatorSignals } from './coordination/coordinator.js';
export { LocalCoordinator } from './coordination/local/local-coordinator.js';
export {
  PostgresCoordinator,
  type PostgresCoordinatorOptions,
  type CoordinatorLogger,
} from './coordination/postgres/postgres-coordinator.js';
export type { PgConnectionConfig } from './coordination/postgres/pg-listener.js';
