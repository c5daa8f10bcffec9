import type { LoggerService } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { AdminOptions } from '../admin/admin-options.js';
import type { SchedulerOptions } from '../core/options.js';
import type {
  ServerStoreOptions,
  SqliteStoreOptions,
  SqlStoreCommonOptions,
} from '../store/typeorm/sql-store-options.js';

/** In-process: fastest, and nothing survives a restart. */
export interface MemoryStoreOptions {
  type: 'memory';
}

/**
 * The application's own TypeORM connection: a DataSource, or the name of a
 * TypeOrmModule connection in the same application (default: its default
 * connection). The scheduler adds its tables there and opens no connection.
 */
export interface TypeOrmConnectionStoreOptions extends SqlStoreCommonOptions {
  type: 'typeorm';
  dataSource?: DataSource;
  /** The `name` given to TypeOrmModule.forRoot; used when `dataSource` is absent. */
  connection?: string;
}

/**
 * Where tasks and schedules are kept: in memory, or durably in SQLite,
 * PostgreSQL or MySQL/MariaDB. The SQL stores load TypeORM and their driver
 * only when chosen.
 */
export type StoreOptions =
  MemoryStoreOptions | SqliteStoreOptions | ServerStoreOptions | TypeOrmConnectionStoreOptions;

/** How instances of the application coordinate. More modes come with later releases. */
export type CoordinationOptions = { type: 'local' };

/** Options of SchedulerModule.forRoot / forRootAsync. */
export interface SchedulerModuleOptions extends Omit<
  SchedulerOptions,
  'store' | 'coordinator' | 'logger'
> {
  /** Default `{ type: 'memory' }`: nothing survives a restart; see StoreOptions for the durable stores. */
  store?: StoreOptions;
  /** Default `{ type: 'local' }`: a single instance. */
  coordination?: CoordinationOptions;
  /** Where the scheduler logs (default: Nest's Logger with the context 'Scheduler'); false for silence. */
  logger?: LoggerService | false;
  /**
   * The admin API and dashboard under `admin.path` (default 'admin/scheduler'):
   * true, or options. Off by default. Only loopback callers are answered
   * unless `guards` or `allowRemote` say otherwise.
   */
  admin?: boolean | AdminOptions;
}
