import { Logger, type LoggerService, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { systemClock } from './core/clock.js';
import { parsePositiveDuration } from './core/duration.js';
import type { SchedulerOptions } from './core/options.js';
import type { SchedulerLogger } from './core/logger.js';
import { Scheduler } from './core/scheduler.js';
import type {
  CoordinationOptions,
  SchedulerModuleOptions,
} from './interfaces/scheduler-module-options.interface.js';
import { createCoordinator } from './scheduler-coordinator.factory.js';
import { createStore } from './scheduler-store.factory.js';
import { SCHEDULER_MODULE_OPTIONS } from './scheduler.module-definition.js';

/** Builds the engine from the module options. */
export function createSchedulerEngine(
  options: SchedulerModuleOptions,
  moduleRef: ModuleRef,
): Scheduler {
  const { store, coordination, logger, admin: _admin, ...engineOptions } = options;
  const engineLogger = toEngineLogger(logger);
  const lease = leaseOf(coordination);
  const coordinator = createCoordinator(coordination, store, {
    clock: engineOptions.clock ?? systemClock,
    leaseMs: parsePositiveDuration(lease.lease ?? engineOptions.lease ?? '30s', 'lease'),
    ...(engineOptions.nodeId === undefined ? {} : { nodeId: engineOptions.nodeId }),
    logger: engineLogger,
    moduleRef,
  });
  return new Scheduler({
    ...engineOptions,
    ...lease,
    store: createStore(store ?? { type: 'memory' }, moduleRef),
    ...(coordinator === undefined ? {} : { coordinator }),
    logger: engineLogger,
  });
}

/** The coordination's lease settings, which take the place of the module's. */
function leaseOf(
  coordination: CoordinationOptions | undefined,
): Pick<SchedulerOptions, 'lease' | 'renewEvery'> {
  if (coordination === undefined || coordination.type === 'local') return {};
  return {
    ...(coordination.lease === undefined ? {} : { lease: coordination.lease }),
    ...(coordination.renewEvery === undefined ? {} : { renewEvery: coordination.renewEvery }),
  };
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
