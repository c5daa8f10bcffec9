import { SetMetadata } from '@nestjs/common';
import type { TaskDecoratorOptions } from '../interfaces/task-decorator-options.interface.js';
import { TASK_METADATA } from '../scheduler.constants.js';

/**
 * Declares a task handler: on a class, its `execute(payload, ctx)` method;
 * on a method, the method itself. The handler is registered under `name`
 * (default: the class name, or `Class.method`) and can then be added by
 * class or by name.
 *
 * @example
 * @Task({ name: 'email', queue: 'high_priority', retries: 3 })
 * export class EmailTask implements TaskHandler<Email> { execute(email: Email, ctx: TaskContext) {} }
 */
export function Task(
  nameOrOptions: string | TaskDecoratorOptions = {},
): ClassDecorator & MethodDecorator {
  const options = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions;
  return SetMetadata(TASK_METADATA, options);
}
