import { Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { parseDuration } from './core/duration.js';
import { SchedulerConfigurationError, SchedulerError } from './core/errors.js';
import type { TaskContext, TaskHandler } from './core/handler.js';
import type { ScheduleDefinition } from './core/schedule-factory.js';
import { Scheduler } from './core/scheduler.js';
import type {
  ScheduleMetadata,
  TaskDecoratorOptions,
} from './interfaces/task-decorator-options.interface.js';
import { SchedulerMetadataAccessor } from './scheduler-metadata.accessor.js';
import { declaredSchedules, type DelayedStart } from './scheduler.declarations.js';
import { TaskReferences } from './task-references.js';

/** A decorated class or method, found at bootstrap. */
interface Discovered {
  /** "EmailTask" or "ReportService.weekly", for messages. */
  location: string;
  origin: string;
  taskOptions: TaskDecoratorOptions | undefined;
  schedules: ScheduleMetadata[];
  handler: TaskHandler;
  /** Set for class handlers, so that the class can name its task. */
  type?: Type;
  defaultName: string;
}

/**
 * Finds decorated providers and methods across all modules, checks them,
 * and registers them with the engine. Fails startup (rather than warn) on
 * what would silently misbehave: request-scoped handlers, duplicate task
 * names, bad schedules, and a second SchedulerModule.forRoot().
 */
@Injectable()
export class SchedulerExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: SchedulerMetadataAccessor,
    private readonly modules: ModulesContainer,
    private readonly engine: Scheduler,
    private readonly references: TaskReferences,
  ) {}

  async onModuleInit(): Promise<void> {
    this.assertSingleSchedulerModule();
    const found = this.discover();
    const schedules: ScheduleDefinition[] = [];
    const delayed: DelayedStart[] = [];
    for (const item of found) {
      const taskName = this.register(item);
      const declared = declaredSchedules(taskName, item.schedules);
      for (const definition of declared.schedules) {
        this.check(item.location, definition.kind, String(definition.rule), () =>
          this.engine.checkSchedule(definition),
        );
      }
      for (const start of declared.delayed) {
        this.check(item.location, 'delay', String(start.delay), () =>
          parseDuration(start.delay, 'delay'),
        );
      }
      schedules.push(...declared.schedules);
      delayed.push(...declared.delayed);
    }
    await this.engine.reconcileSchedules(schedules);
    for (const start of delayed) {
      await this.engine.addDelayedJob(start.delay, start.taskName, start.payload, start.options);
    }
  }

  private discover(): Discovered[] {
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    const found: Discovered[] = [];
    for (const wrapper of wrappers) {
      const type = classOf(wrapper);
      if (type === undefined) continue;
      const items = [...this.classHandler(wrapper, type), ...this.methodHandlers(wrapper, type)];
      if (items.length > 0 && (!wrapper.isDependencyTreeStatic() || wrapper.isTransient)) {
        throw new SchedulerConfigurationError(
          `${items[0]!.location} is a task handler, but ${type.name} is ${wrapper.isTransient ? 'transient' : 'request-scoped'} (or depends on a request-scoped provider). Task handlers run outside any request: make ${type.name} a singleton (the default scope).`,
        );
      }
      found.push(...items);
    }
    return found;
  }

  private classHandler(wrapper: InstanceWrapper, type: Type): Discovered[] {
    const taskOptions = this.accessor.task(type);
    const schedules = this.accessor.schedules(type);
    if (taskOptions === undefined && schedules.length === 0) return [];
    const instance = wrapper.instance as Partial<TaskHandler> | undefined;
    if (wrapper.isDependencyTreeStatic() && typeof instance?.execute !== 'function') {
      throw new SchedulerConfigurationError(
        `${type.name} is decorated as a task but has no execute(payload, ctx) method; implement TaskHandler or decorate a method instead.`,
      );
    }
    return [
      {
        location: type.name,
        origin: `provider ${type.name}${hostOf(wrapper)}`,
        taskOptions,
        schedules,
        handler: instance as TaskHandler,
        type,
        defaultName: type.name,
      },
    ];
  }

  private methodHandlers(wrapper: InstanceWrapper, type: Type): Discovered[] {
    const prototype = type.prototype as Record<string, unknown>;
    const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown>;
    const found: Discovered[] = [];
    for (const method of this.scanner.getAllMethodNames(prototype)) {
      const target = prototype[method] as (...args: never[]) => unknown;
      const taskOptions = this.accessor.task(target);
      const schedules = this.accessor.schedules(target);
      if (taskOptions === undefined && schedules.length === 0) continue;
      found.push({
        location: `${type.name}.${method}`,
        origin: `method ${type.name}.${method}${hostOf(wrapper)}`,
        taskOptions,
        schedules,
        handler: {
          execute: (payload: unknown, context: TaskContext) =>
            instance[method]!.call(instance, payload, context),
        },
        defaultName: `${type.name}.${method}`,
      });
    }
    return found;
  }

  /**
   * Registers a handler. Its task name comes from @Task's `name`; without
   * @Task, from its first schedule's `name`; else it is the default.
   */
  private register(item: Discovered): string {
    const { taskOptions = {} } = item;
    const scheduleName = item.taskOptions === undefined ? item.schedules[0]?.options.name : undefined;
    const name = taskOptions.name ?? scheduleName ?? item.defaultName;
    this.check(item.location, 'task name', name, () =>
      this.engine.registerHandler(name, item.handler, taskOptions, item.origin),
    );
    if (item.type !== undefined) this.references.register(item.type, name);
    return name;
  }

  /** Runs a check; a failure names where the decorator is. Duplicate names already name both sides. */
  private check(location: string, what: string, value: string, action: () => unknown): void {
    try {
      action();
    } catch (error) {
      if (!(error instanceof SchedulerError) || error.code === 'DUPLICATE_NAME') throw error;
      throw new SchedulerConfigurationError(
        `${location}: invalid ${what} ${JSON.stringify(value)}: ${error.message}`,
        { cause: error },
      );
    }
  }

  /** Two SchedulerModule.forRoot() in one application would run every schedule twice. */
  private assertSingleSchedulerModule(): void {
    const schedulerModules = [...this.modules.values()].filter((module) =>
      module.providers.has(SchedulerExplorer),
    );
    if (schedulerModules.length <= 1) return;
    const importers = [...this.modules.values()]
      .filter((module) => schedulerModules.some((scheduler) => module.imports.has(scheduler)))
      .map((module) => module.name);
    throw new SchedulerConfigurationError(
      `SchedulerModule.forRoot() is imported ${schedulerModules.length} times (by ${importers.join(', ')}); every schedule would run once per import. Import it once, in the root module: it is global, so feature modules can inject SchedulerService without importing it.`,
    );
  }
}

/** The provider's class: its instance's constructor (factory providers too), else its metatype. */
function classOf(wrapper: InstanceWrapper): Type | undefined {
  const instance = wrapper.instance as object | null | undefined;
  const candidate = instance?.constructor ?? wrapper.metatype;
  return typeof candidate === 'function' && candidate !== Object ? (candidate as Type) : undefined;
}

function hostOf(wrapper: InstanceWrapper): string {
  return wrapper.host === undefined ? '' : ` in ${wrapper.host.name}`;
}
