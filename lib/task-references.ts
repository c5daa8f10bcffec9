import { Injectable, type Type } from '@nestjs/common';
import { UnknownTaskError } from './core/errors.js';
import type { TaskHandler } from './core/handler.js';

/** A task named by its handler class or by its task name. */
export type TaskReference<P = unknown> = string | Type<TaskHandler<P>>;

/** Maps handler classes to their task names, as the explorer registered them. */
@Injectable()
export class TaskReferences {
  private readonly byClass = new Map<Type, string>();

  register(type: Type, name: string): void {
    this.byClass.set(type, name);
  }

  /** @throws UnknownTaskError for a class that is not a registered handler. */
  nameOf(task: TaskReference<never> | unknown): string {
    if (typeof task === 'string') return task;
    const name = typeof task === 'function' ? this.byClass.get(task as Type) : undefined;
    if (name === undefined) {
      throw new UnknownTaskError(typeof task === 'function' ? `class ${task.name}` : task);
    }
    return name;
  }
}
