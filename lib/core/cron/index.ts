/** Cron expressions with time zones and DST handling, for the engine. */
export { CronExpression } from './cron-expression.js';
