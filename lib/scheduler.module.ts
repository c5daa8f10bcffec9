import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { adminModuleParts } from './admin/admin.providers.js';
import { SchedulerMetadataAccessor } from './scheduler-metadata.accessor.js';
import { SchedulerExplorer } from './scheduler.explorer.js';
import {
  ConfigurableSchedulerModule,
  type SCHEDULER_ASYNC_OPTIONS_TYPE,
  type SCHEDULER_OPTIONS_TYPE,
} from './scheduler.module-definition.js';
import { schedulerEngineProvider } from './scheduler.providers.js';
import { SchedulerService } from './scheduler.service.js';
import { TaskReferences } from './task-references.js';

/**
 * Adds the scheduler to an application: import it once, in the root module,
 * with `SchedulerModule.forRoot(options)` or `forRootAsync({ imports,
 * inject, useFactory })`. It is global by default (`isGlobal: false` to
 * opt out), so any provider can inject SchedulerService.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    schedulerEngineProvider,
    SchedulerService,
    SchedulerExplorer,
    SchedulerMetadataAccessor,
    TaskReferences,
  ],
  exports: [SchedulerService],
})
export class SchedulerModule extends ConfigurableSchedulerModule {
  /** Every option has a default, so `SchedulerModule.forRoot()` is enough to start. */
  static override forRoot(options: typeof SCHEDULER_OPTIONS_TYPE = {}): DynamicModule {
    const module = super.forRoot(options);
    return options.admin === undefined || options.admin === false ? module : withAdmin(module);
  }

  /**
   * Options from a factory (ConfigService, say). The admin routes are always
   * declared, since the factory's answer is not known yet; while `admin` is
   * off they answer 404, as if absent.
   */
  static override forRootAsync(options: typeof SCHEDULER_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withAdmin(super.forRootAsync(options));
  }
}

function withAdmin(module: DynamicModule): DynamicModule {
  const admin = adminModuleParts();
  return {
    ...module,
    controllers: [...(module.controllers ?? []), ...admin.controllers],
    providers: [...(module.providers ?? []), ...admin.providers],
  };
}
