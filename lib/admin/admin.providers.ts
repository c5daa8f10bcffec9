import type { Provider, Type } from '@nestjs/common';
import type { SchedulerModuleOptions } from '../interfaces/scheduler-module-options.interface.js';
import { SCHEDULER_MODULE_OPTIONS } from '../scheduler.module-definition.js';
import { AdminActivity } from './admin-activity.js';
import { resolveAdminOptions } from './admin-options.js';
import { SCHEDULER_ADMIN_OPTIONS } from './admin.constants.js';
import { DashboardAssets } from './dashboard-assets.js';
import { createSchedulerController, mountController } from './scheduler.controller.js';

/** What SchedulerModule adds to mount the admin API and dashboard. */
export interface AdminModuleParts {
  controllers: Type<unknown>[];
  providers: Provider[];
}

/**
 * The admin API's controller and providers for one module registration.
 * The options (and so the path) may come from forRootAsync's factory: the
 * controller's path is set when they are resolved, which is before the
 * application registers its routes.
 */
export function adminModuleParts(): AdminModuleParts {
  const controller = createSchedulerController();
  return {
    controllers: [controller],
    providers: [
      {
        provide: SCHEDULER_ADMIN_OPTIONS,
        useFactory: (options: SchedulerModuleOptions) => {
          const admin = resolveAdminOptions(options.admin);
          mountController(controller, admin.path);
          return admin;
        },
        inject: [SCHEDULER_MODULE_OPTIONS],
      },
      // No AdminAccessGuard or MutationGuard here: @UseGuards builds the instances the routes use,
      // and a provider would be a second instance, running onModuleInit (and its warning) twice.
      AdminActivity,
      { provide: DashboardAssets, useValue: new DashboardAssets() },
    ],
  };
}
