import type { LoggerService } from '@nestjs/common';
import type { SchedulerOptions } from '../core/options.js';

/** Where tasks and schedules are kept. More stores come with later releases. */
export type StoreOptions = { type: 'memory' };

/** How instances of the application coordinate. More modes come with later releases. */
export type CoordinationOptions = { type: 'local' };

/** Options of SchedulerModule.forRoot / forRootAsync. */
export interface SchedulerModuleOptions extends Omit<
  SchedulerOptions,
  'store' | 'coordinator' | 'logger'
> {
  /** Default `{ type: 'memory' }`: nothing survives a restart. */
  store?: StoreOptions;
  /** Default `{ type: 'local' }`: a single instance. */
  coordination?: CoordinationOptions;
  /** Where the scheduler logs (default: Nest's Logger with the context 'Scheduler'); false for silence. */
  logger?: LoggerService | false;
}
