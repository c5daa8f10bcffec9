import type { Duration } from '../core/duration.js';
import type { DelayedDecoratorOptions } from '../interfaces/task-decorator-options.interface.js';
import { appendSchedule } from './append-metadata.js';

/**
 * Runs the decorated handler once, `delay` after the application starts.
 *
 * @example @Delayed('5m') warmUp() {}
 */
export function Delayed(
  delay: Duration,
  options: DelayedDecoratorOptions = {},
): ClassDecorator & MethodDecorator {
  return appendSchedule({ kind: 'delayed', delay, options });
}
