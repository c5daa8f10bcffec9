import { Logger, type LoggerService, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SchedulerConfigurationError } from './core/errors.js';
import type { SchedulerLogger } from './core/logger.js';
import { Scheduler } from './core/scheduler.js';
import type { SchedulerModuleOptions } from './interfaces/scheduler-module-options.interface.js';
import { createStore } from './scheduler-store.factory.js';
import { SCHEDULER_MODULE_OPTIONS } from './scheduler.module-definition.js';

/** Builds the engine from the module options. */
export function createSchedulerEngine(
  options: SchedulerModuleOptions,
  moduleRef: ModuleRef,
): Scheduler {
  const { store, coordination, logger, admin: _admin, ...engineOptions } = options;
  if (coordination !== undefined && coordination.type !== 'local') {
    throw new SchedulerConfigurationError(
      `Unknown coordination type ${JSON.stringify((coordination as { type: unknown }).type)}; this release supports { type: 'local' }.`,
    );
  }
  return new Scheduler({
    ...engineOptions,
    store: createStore(store ?? { type: 'memory' }, moduleRef),
    logger: toEngineLogger(logger),
  });
}

const silent: SchedulerLogger = { log() {}, warn() {}, error() {} };

function toEngineLogger(logger: LoggerService | false | undefined): SchedulerLogger {
  if (logger === false) return silent;
  const target = logger ?? new Logger('Scheduler');
  return {
    log: (message) => target.log(message),
    warn: (message) => target.warn(message),
    error: (message, trace) =>
      trace === undefined ? target.error(message) : target.error(message, trace),
    debug: (message) => target.debug?.(message),
  };
}

/** The engine, built once per application from the module options. */
export const schedulerEngineProvider: Provider = {
  provide: Scheduler,
  useFactory: createSchedulerEngine,
  inject: [SCHEDULER_MODULE_OPTIONS, ModuleRef],
};
