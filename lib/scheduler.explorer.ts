import {
  Injectable,
  Scope,
  type DynamicModule,
  type ForwardReference,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { Module } from '@nestjs/core/injector/module.js';
import { parseDuration } from './core/duration.js';
import { DuplicateNameError, SchedulerConfigurationError, SchedulerError } from './core/errors.js';
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

/** Where @Module keeps its `imports` (Nest's MODULE_METADATA.IMPORTS). */
const MODULE_IMPORTS_METADATA = 'imports';

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
    // Schedule ids (and @Delayed task ids) are unique across handlers: a second would silently replace the first.
    const declaredBy = new Map<string, string>();
    const claim = (id: string, name: string, location: string) => {
      const other = declaredBy.get(id);
      if (other !== undefined) {
        throw new DuplicateNameError('schedule', name, `declared by ${other} and by ${location}`);
      }
      declaredBy.set(id, location);
    };
    for (const item of found) {
      const taskName = this.register(item);
      const declared = declaredSchedules(taskName, item.schedules);
      for (const definition of declared.schedules) {
        this.check(item.location, definition.kind, String(definition.rule), () =>
          this.engine.checkSchedule(definition),
        );
        const id = definition.options!.id!;
        claim(id, id, item.location);
      }
      for (const start of declared.delayed) {
        this.check(item.location, 'delay', String(start.delay), () =>
          parseDuration(start.delay, 'delay'),
        );
        const id = start.options.id!;
        claim(id, id.replace(/@startup$/, ''), item.location);
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
    const instances = new Set<unknown>();
    for (const wrapper of wrappers) {
      const type = classOf(wrapper);
      if (type === undefined) continue;
      // An alias (useExisting), or a factory returning a provider, finds the same handler again.
      if (instances.has(wrapper.instance)) continue;
      if (wrapper.instance) instances.add(wrapper.instance);
      const items = [...this.classHandler(wrapper, type), ...this.methodHandlers(wrapper, type)];
      if (items.length > 0 && (!wrapper.isDependencyTreeStatic() || wrapper.isTransient)) {
        throw new SchedulerConfigurationError(
          `${items[0]!.location} is a task handler, but ${type.name} ${scopeProblem(wrapper)}. Task handlers run outside any request: make ${type.name} a singleton (the default scope).`,
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
    const scheduleName =
      item.taskOptions === undefined ? item.schedules[0]?.options.name : undefined;
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
        `${location}: ${what} ${JSON.stringify(value)}: ${error.message}`,
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
    const importers = declaredImporters(this.modules.values(), (type) =>
      schedulerModules.some((scheduler) => scheduler.metatype === type),
    );
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

/** Why a handler's wrapper cannot be a task handler: its own scope, or the request-scoped provider it depends on. */
function scopeProblem(wrapper: InstanceWrapper): string {
  if (wrapper.isTransient) return 'is transient';
  if (wrapper.scope === Scope.REQUEST) return 'is request-scoped';
  const cause = requestScopedDependency(wrapper, new Set());
  return `depends on a request-scoped provider${cause === undefined ? '' : ` (${String(cause.name)})`}`;
}

/** The request-scoped provider deepest down the first non-static dependency chain of `wrapper`. */
function requestScopedDependency(
  wrapper: InstanceWrapper,
  seen: Set<InstanceWrapper>,
): InstanceWrapper | undefined {
  const dependencies = [
    ...(wrapper.getCtorMetadata() ?? []),
    ...(wrapper.getPropertiesMetadata() ?? []).map((property) => property.wrapper),
  ];
  for (const dependency of dependencies) {
    if (dependency === undefined || seen.has(dependency)) continue;
    seen.add(dependency);
    if (dependency.isDependencyTreeStatic()) continue;
    return dependency.scope === Scope.REQUEST
      ? dependency
      : (requestScopedDependency(dependency, seen) ?? dependency);
  }
  return undefined;
}

/**
 * Names of the modules whose own `imports` (as written in @Module, or in a
 * dynamic module they return) list a module of type `isTarget`. The modules'
 * `imports` sets cannot tell this: Nest adds every global module to them.
 */
function declaredImporters(
  modules: Iterable<Module>,
  isTarget: (type: unknown) => boolean,
): string[] {
  const names = new Set<string>();
  const seen = new Set<object>();
  const visit = (owner: string, imports: unknown) => {
    if (!Array.isArray(imports)) return;
    for (const raw of imports as unknown[]) {
      const entry = (raw as Partial<ForwardReference> | undefined)?.forwardRef?.() ?? raw;
      if (typeof entry !== 'object' && typeof entry !== 'function') continue;
      if (entry === null) continue;
      const type = typeof entry === 'function' ? entry : (entry as Partial<DynamicModule>).module;
      if (isTarget(type)) names.add(owner);
      else if (typeof entry === 'object' && type !== undefined && !seen.has(entry)) {
        seen.add(entry);
        visit(type.name, (entry as DynamicModule).imports);
      }
    }
  };
  for (const module of modules) {
    visit(module.name, Reflect.getMetadata(MODULE_IMPORTS_METADATA, module.metatype));
  }
  return [...names];
}

function hostOf(wrapper: InstanceWrapper): string {
  return wrapper.host === undefined ? '' : ` in ${wrapper.host.name}`;
}
