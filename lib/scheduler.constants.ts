/** Metadata key of @Task on a class or method. */
export const TASK_METADATA = 'nestjs-scheduler:task';

/** Metadata key of the schedules (@Cron, @Recurring, @Delayed) on a class or method. */
export const SCHEDULES_METADATA = 'nestjs-scheduler:schedules';
