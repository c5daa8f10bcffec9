import type { CronDecoratorOptions } from '../interfaces/task-decorator-options.interface.js';
import { appendSchedule } from './append-metadata.js';

/**
 * Runs the decorated handler (a class with `execute`, or a method) on a
 * cron schedule: 5 fields, or 6 with seconds first; names (MON, JAN),
 * ranges, lists, steps and @hourly/@daily/@weekly/@monthly/@yearly.
 *
 * @example @Cron('0 9 * * 1', { timeZone: 'Asia/Shanghai' }) weekly() {}
 */
export function Cron(
  expression: string,
  options: CronDecoratorOptions = {},
): ClassDecorator & MethodDecorator {
  return appendSchedule({ kind: 'cron', expression, options });
}
