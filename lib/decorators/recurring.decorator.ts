import type { Duration } from '../core/duration.js';
import type { RecurringDecoratorOptions } from '../interfaces/task-decorator-options.interface.js';
import { appendSchedule } from './append-metadata.js';

/**
 * Runs the decorated handler every `interval`, at a fixed rate from startup
 * (a slow run does not push later runs back).
 *
 * @example @Recurring('30s') healthCheck() {}
 */
export function Recurring(
  interval: Duration,
  options: RecurringDecoratorOptions = {},
): ClassDecorator & MethodDecorator {
  return appendSchedule({ kind: 'recurring', interval, options });
}
