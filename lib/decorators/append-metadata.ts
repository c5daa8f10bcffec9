import { SCHEDULES_METADATA } from '../scheduler.constants.js';
import type { ScheduleMetadata } from '../interfaces/task-decorator-options.interface.js';

/**
 * A decorator that adds one schedule to its target's list, so that several
 * schedule decorators can stack on one class or method.
 */
export function appendSchedule(schedule: ScheduleMetadata): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder: object = descriptor?.value ?? target;
    const existing =
      (Reflect.getMetadata(SCHEDULES_METADATA, holder) as ScheduleMetadata[] | undefined) ?? [];
    // Decorators apply bottom-up; prepend so the list reads top-down, as written.
    Reflect.defineMetadata(SCHEDULES_METADATA, [schedule, ...existing], holder);
  };
}
