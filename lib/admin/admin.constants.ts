/** DI token of the resolved admin options. */
export const SCHEDULER_ADMIN_OPTIONS = Symbol('nestjs-scheduler:admin-options');
