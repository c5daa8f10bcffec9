import type { LoggerService } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { AdminOptions } from '../admin/admin-options.js';
import type { Duration } from '../core/duration.js';
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

/** A single instance (the default): nothing to coordinate. */
export interface LocalCoordinationOptions {
  type: 'local';
}

/**
 * Several instances sharing a PostgreSQL store: every instance may run every task,
 * each fire is created once, idle instances are woken by LISTEN/NOTIFY, and
 * leases are read on the database's clock.
 */
export interface PostgresCoordinationOptions {
  type: 'postgres';
  /** A running task's lease (default the module's `lease`, 30 s): how long a dead instance's tasks wait. */
  lease?: Duration;
  /** How often leases are renewed (default a third of the lease). */
  renewEvery?: Duration;
  /** How often idle instances look for work whose notification was lost (default 1 s). */
  pollInterval?: Duration;
}

/**
 * Several instances coordinated through Redis (ioredis): each cron or
 * recurring fire runs on one instance, cancels reach the instance running
 * the task, and time is read on Redis's clock. Meant for the memory store
 * (no shared database), where the fire lock is the only guard; with a
 * shared SQL store it saves work, and the store's unique fire ids remain
 * the guarantee.
 */
export interface RedisCoordinationOptions {
  type: 'redis';
  /** `redis://host:port/db`. */
  url?: string;
  /** An ioredis client of the application: duplicated (never closed by the scheduler). */
  client?: { duplicate(): unknown };
  /** ioredis options, when neither `url` nor `client` is given. */
  options?: Record<string, unknown>;
  /** Prefix of every key and channel (default 'scheduler:'). */
  keyPrefix?: string;
  /** With a shared SQL store: how often idle instances look for work whose announcement was lost (default 1 s). */
  pollInterval?: Duration;
  lease?: Duration;
  renewEvery?: Duration;
}

/** How instances of the application coordinate. */
export type CoordinationOptions =
  LocalCoordinationOptions | PostgresCoordinationOptions | RedisCoordinationOptions;

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
