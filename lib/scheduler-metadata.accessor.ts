import { Injectable, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type {
  ScheduleMetadata,
  TaskDecoratorOptions,
} from './interfaces/task-decorator-options.interface.js';
import { SCHEDULES_METADATA, TASK_METADATA } from './scheduler.constants.js';

/** Reads what the decorators wrote; the only place that knows the metadata keys' shapes. */
@Injectable()
export class SchedulerMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** @Task options on a class or method, if decorated. */
  task(target: Type | ((...args: never[]) => unknown)): TaskDecoratorOptions | undefined {
    return this.reflector.get<TaskDecoratorOptions | undefined>(TASK_METADATA, target);
  }

  /** The schedule decorators on a class or method, top to bottom. */
  schedules(target: Type | ((...args: never[]) => unknown)): ScheduleMetadata[] {
    return this.reflector.get<ScheduleMetadata[] | undefined>(SCHEDULES_METADATA, target) ?? [];
  }
}
