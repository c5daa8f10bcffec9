import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SchedulerModuleOptions } from './interfaces/scheduler-module-options.interface.js';

/** forRoot/forRootAsync and the options token, generated; `isGlobal` defaults to true. */
export const {
  ConfigurableModuleClass: ConfigurableSchedulerModule,
  MODULE_OPTIONS_TOKEN: SCHEDULER_MODULE_OPTIONS,
  OPTIONS_TYPE: SCHEDULER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SCHEDULER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SchedulerModuleOptions>({ moduleName: 'Scheduler' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createSchedulerOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
