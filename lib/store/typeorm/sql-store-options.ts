/**
 * Options of the SQL task store, and their validation. Nothing here loads
 * TypeORM: the types are erased, so that the memory store never needs it.
 */
import type { DataSource } from 'typeorm';
import { InvalidArgumentError } from '../../core/errors.js';

/** What every SQL store accepts. */
export interface SqlStoreCommonOptions {
  /** Prefix of the store's table and index names: letters, digits and `_`, at most 30. Default `'scheduler_'`. */
  tablePrefix?: string;
  /** Creates or alters the tables from {@link schedulerEntities} at open: for development only. Default false. */
  synchronize?: boolean;
  /**
   * Runs the store's pending migrations at open, under a cross-process lock, so that many instances
   * booting at once migrate once. Default true (false when `synchronize` is set); set it to false
   * when your own pipeline runs {@link schedulerMigrations}.
   */
  migrationsRun?: boolean;
}

/** An embedded SQLite database through better-sqlite3 (a file, or `':memory:'`). */
export interface SqliteStoreOptions extends SqlStoreCommonOptions {
  type: 'sqlite';
  database: string;
  /**
   * When a commit reaches the disk (the database runs in WAL mode). `'full'` (default): every
   * commit is synced before the call resolves, so committed tasks survive a power loss as well as
   * a crash of the process. `'normal'`: commits survive the process being killed, but the latest
   * ones may be lost if the machine itself goes down; about half again as fast.
   */
  synchronous?: 'normal' | 'full';
}

/** A PostgreSQL or MySQL/MariaDB server; the store opens its own connection pool. */
export interface ServerStoreOptions extends SqlStoreCommonOptions {
  type: 'postgres' | 'mysql';
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  database?: string;
  /** PostgreSQL only: the schema of the tables (created if missing). Default: the search path's. */
  schema?: string;
  /** Connections in the pool. Default: the driver's (10). */
  poolSize?: number;
  /** Passed to the driver's pool as is. */
  extra?: Record<string, unknown>;
}

/**
 * An existing TypeORM DataSource (better-sqlite3, postgres, mysql or mariadb). The store initializes
 * it if it is not yet initialized, and never destroys it. On PostgreSQL its `schema` option places
 * the tables.
 */
export interface DataSourceStoreOptions extends SqlStoreCommonOptions {
  type: 'typeorm';
  dataSource: DataSource;
}

/** Where and how the SQL task store keeps its data. */
export type SqlStoreOptions = SqliteStoreOptions | ServerStoreOptions | DataSourceStoreOptions;

/** The SQL dialects the store speaks. */
export type SqlDialect = 'sqlite' | 'postgres' | 'mysql';

/** The default table prefix. */
export const DEFAULT_TABLE_PREFIX = 'scheduler_';

// Not empty: the tables would be called plainly `tasks`, `migrations`…, clashing with an application's.
const PREFIX_PATTERN = /^[A-Za-z0-9_]{1,30}$/;
const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The table prefix, validated: it is the only text the store puts into SQL besides its own. */
export function tablePrefixOf(options: { tablePrefix?: string } | undefined): string {
  const prefix = options?.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new InvalidArgumentError(
      'tablePrefix',
      prefix,
      'expected 1 to 30 letters, digits and underscores',
    );
  }
  return prefix;
}

/** A PostgreSQL schema name, validated like the prefix, or undefined. */
export function schemaOf(schema: unknown): string | undefined {
  if (schema === undefined || schema === null || schema === '') return undefined;
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) {
    throw new InvalidArgumentError(
      'schema',
      schema,
      'expected a letter or underscore, then letters, digits and underscores, at most 63 characters',
    );
  }
  return schema;
}

/** The dialect of a TypeORM DataSource type, or an error naming the unsupported type. */
export function dialectOf(type: unknown): SqlDialect {
  switch (type) {
    case 'better-sqlite3':
      return 'sqlite';
    case 'postgres':
      return 'postgres';
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    default:
      throw new InvalidArgumentError(
        'dataSource type',
        type,
        "expected 'better-sqlite3', 'postgres', 'mysql' or 'mariadb'",
      );
  }
}

/** Validates what can be checked before connecting; throws {@link InvalidArgumentError}. */
export function validateSqlStoreOptions(options: SqlStoreOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('store options', options, 'expected an object');
  }
  tablePrefixOf(options);
  switch (options.type) {
    case 'sqlite':
      return validateSqliteOptions(options);
    case 'postgres':
    case 'mysql':
      schemaOf(options.schema);
      return;
    case 'typeorm':
      if (options.dataSource === null || typeof options.dataSource !== 'object') {
        throw new InvalidArgumentError(
          'dataSource',
          options.dataSource,
          'expected a TypeORM DataSource',
        );
      }
      return;
    default:
      throw new InvalidArgumentError(
        'store type',
        (options as { type?: unknown }).type,
        "expected 'sqlite', 'postgres', 'mysql' or 'typeorm'",
      );
  }
}

function validateSqliteOptions(options: SqliteStoreOptions): void {
  if (typeof options.database !== 'string' || options.database === '') {
    throw new InvalidArgumentError(
      'database',
      options.database,
      'expected a file path or ":memory:"',
    );
  }
  if (options.synchronous !== undefined && !['normal', 'full'].includes(options.synchronous)) {
    throw new InvalidArgumentError(
      'synchronous',
      options.synchronous,
      "expected 'normal' or 'full'",
    );
  }
}
