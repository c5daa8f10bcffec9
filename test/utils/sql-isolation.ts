/**
 * Isolation for tests against real databases: every store gets its own
 * PostgreSQL schema, MySQL table prefix or SQLite file, dropped afterwards,
 * so that runs (and parallel Jest workers) never see each other's rows.
 *
 * The servers default to the CI services on 127.0.0.1 (PostgreSQL user
 * postgres, MariaDB root, database `test` on both); SCHEDULER_TEST_PG_URL and
 * SCHEDULER_TEST_MYSQL_URL override them. A server that cannot be reached
 * fails the tests that need it: these suites are never skipped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type {
  DataSourceStoreOptions,
  ServerStoreOptions,
  SqliteStoreOptions,
} from '../../lib/store/typeorm/index.js';

export const POSTGRES_URL =
  process.env.SCHEDULER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env.SCHEDULER_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A name no other test uses: `t_` and 10 random characters. */
export function uniqueName(): string {
  return `t_${randomBytes(8).toString('hex').slice(0, 10)}`;
}

/** A table prefix no other test uses: the label, 8 random characters and `_` (at most 30 in all). */
export function uniquePrefix(label = 't'): string {
  return `${label.slice(0, 20)}_${randomBytes(4).toString('hex')}_`;
}

/** The store's four tables under a prefix. */
const STORE_TABLES = ['tasks', 'schedules', 'queues', 'migrations'];

/** Drops the store's tables under a prefix (PostgreSQL: in the default schema). */
export async function dropTables(dialect: 'postgres' | 'mysql', prefix: string): Promise<void> {
  if (dialect === 'postgres') {
    const tables = STORE_TABLES.map((table) => `"${prefix}${table}"`).join(', ');
    await postgresAdmin(`DROP TABLE IF EXISTS ${tables} CASCADE`);
  } else {
    await mysqlAdmin(
      `DROP TABLE IF EXISTS ${STORE_TABLES.map((t) => `\`${prefix}${t}\``).join(', ')}`,
    );
  }
}

/** Runs statements on PostgreSQL outside any store, on a short-lived connection. */
export async function postgresAdmin(...statements: string[]): Promise<pg.QueryResult[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL at ${POSTGRES_URL} is unreachable: ${String(error)}`, {
      cause: error,
    });
  }
  try {
    const results: pg.QueryResult[] = [];
    for (const statement of statements) results.push(await client.query(statement));
    return results;
  } finally {
    await client.end();
  }
}

/** Runs statements on MySQL/MariaDB outside any store, on a short-lived connection. */
export async function mysqlAdmin(...statements: string[]): Promise<unknown[]> {
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 5_000 });
  } catch (error) {
    throw new Error(`MySQL at ${MYSQL_URL} is unreachable: ${String(error)}`, { cause: error });
  }
  try {
    const results: unknown[] = [];
    for (const statement of statements) results.push((await connection.query(statement))[0]);
    return results;
  } finally {
    await connection.end();
  }
}

/** A PostgreSQL store in a schema of its own; `drop()` removes the schema and all in it. */
export function isolatedPostgres(overrides: Partial<ServerStoreOptions> = {}): {
  options: ServerStoreOptions;
  schema: string;
  drop(): Promise<void>;
} {
  const schema = uniqueName();
  return {
    schema,
    options: { type: 'postgres', url: POSTGRES_URL, schema, poolSize: 4, ...overrides },
    drop: async () => {
      await postgresAdmin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

/** A MySQL store under a table prefix of its own; `drop()` removes its tables. */
export function isolatedMysql(overrides: Partial<ServerStoreOptions> = {}): {
  options: ServerStoreOptions;
  prefix: string;
  drop(): Promise<void>;
} {
  const prefix = `${uniqueName()}_`;
  return {
    prefix,
    options: { type: 'mysql', url: MYSQL_URL, tablePrefix: prefix, poolSize: 4, ...overrides },
    drop: () => dropTables('mysql', prefix),
  };
}

/** A SQLite store in a file of its own (in a fresh temporary directory); `drop()` deletes it. */
export function isolatedSqliteFile(overrides: Partial<SqliteStoreOptions> = {}): {
  options: SqliteStoreOptions;
  file: string;
  drop(): Promise<void>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'scheduler-sqlite-'));
  const file = join(dir, 'scheduler.db');
  return {
    file,
    options: { type: 'sqlite', database: file, ...overrides },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Options of a store over an existing DataSource, with a prefix of its own. */
export function overDataSource(
  dataSource: DataSourceStoreOptions['dataSource'],
): DataSourceStoreOptions {
  return { type: 'typeorm', dataSource, tablePrefix: `${uniqueName()}_` };
}
