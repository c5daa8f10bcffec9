/**
 * Loading TypeORM (an optional peer) and building the DataSource of a store
 * that opens its own connection.
 */
import type { DataSource, DataSourceOptions } from 'typeorm';
import { SchedulerConfigurationError } from '../../core/errors.js';
import { schedulerEntities } from './schema/entities.js';
import { configureSqlite, type SqliteDatabase } from './sqlite/sqlite-database.js';
import type { ServerStoreOptions, SqliteStoreOptions } from './sql-store-options.js';

/** The TypeORM module. */
export type TypeOrmModule = typeof import('typeorm');

/** Imports TypeORM, or fails with an error that says what to install. */
export async function loadTypeOrm(): Promise<TypeOrmModule> {
  try {
    return await import('typeorm');
  } catch (error) {
    throw new SchedulerConfigurationError(
      'The SQL task store needs the optional package "typeorm" and a driver ' +
        '("better-sqlite3", "pg" or "mysql2"): install them.',
      { cause: error },
    );
  }
}

/**
 * A new, initialized DataSource for a store's own connection. For `synchronize` on a MariaDB
 * server it is made a `mariadb` one: TypeORM's `mysql` driver misreads MariaDB's column defaults
 * and would alter the tables on every start.
 */
export async function openDataSource(
  typeorm: TypeOrmModule,
  options: SqliteStoreOptions | ServerStoreOptions,
  tablePrefix: string,
): Promise<DataSource> {
  const source = new typeorm.DataSource(dataSourceOptions(options, tablePrefix, 'mysql'));
  await source.initialize();
  if (options.type !== 'mysql' || options.synchronize !== true) return source;
  const rows = (await source.query('SELECT VERSION() AS version')) as { version: unknown }[];
  if (!/mariadb/i.test(String(rows[0]?.version))) return source;
  await source.destroy();
  const mariadb = new typeorm.DataSource(dataSourceOptions(options, tablePrefix, 'mariadb'));
  await mariadb.initialize();
  return mariadb;
}

function dataSourceOptions(
  options: SqliteStoreOptions | ServerStoreOptions,
  tablePrefix: string,
  mysqlType: 'mysql' | 'mariadb',
): DataSourceOptions {
  if (options.type === 'sqlite') return sqliteOptions(options, tablePrefix);
  const connection = definedOnly({
    url: options.url,
    host: options.host,
    port: options.port,
    username: options.username,
    password: options.password,
    database: options.database,
    poolSize: options.poolSize,
    extra: options.extra,
  });
  if (options.type === 'postgres') {
    return {
      type: 'postgres',
      ...connection,
      // So that pg_stat_activity (and an operator ending sessions) can tell the scheduler's
      // connections apart; a name given in the URL, `extra` or PGAPPNAME still wins.
      extra: { fallback_application_name: 'nestjs-scheduler', ...options.extra },
      ...definedOnly({ schema: options.schema }),
      entities: schedulerEntities({ tablePrefix, type: 'postgres' }),
      logging: false,
    };
  }
  return {
    type: mysqlType,
    ...connection,
    // Four-byte UTF-8 on the wire, so that any text round-trips.
    charset: 'utf8mb4',
    entities: schedulerEntities({ tablePrefix, type: mysqlType }),
    logging: false,
  };
}

function sqliteOptions(options: SqliteStoreOptions, tablePrefix: string): DataSourceOptions {
  const synchronous = options.synchronous ?? 'full';
  return {
    type: 'better-sqlite3',
    database: options.database,
    entities: schedulerEntities({ tablePrefix, type: 'better-sqlite3' }),
    prepareDatabase: (db: SqliteDatabase) => configureSqlite(db, synchronous),
    logging: false,
  };
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
