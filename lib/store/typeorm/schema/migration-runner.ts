/**
 * Runs the store's pending migrations at open, exactly once however many
 * processes open at the same moment: each takes a cross-process lock, then
 * reads the migration history inside it, so that the ones that waited find
 * the work done.
 */
import type { DataSource, QueryRunner } from 'typeorm';
import type { SqlNames } from '../sql-names.js';
import { beginExclusive, sqliteConnectionOf, whenIdle } from '../sqlite/sqlite-database.js';
import { createTableStatements } from './ddl.js';
import { applyMigration, STORE_MIGRATIONS, type StoreMigration } from './migrations.js';
import { MIGRATIONS_TABLE } from './table-specs.js';

/** How long a MySQL instance waits for another's migration before giving up, in seconds. */
const MYSQL_LOCK_TIMEOUT_S = 120;
/** The first key of the PostgreSQL advisory lock: the scheduler's; the second is the prefix's. */
const PG_LOCK_CLASS = 0x5c4ed;

/** What {@link prepareStoreSchema} does inside its lock. */
export interface SchemaWork {
  /** Run the pending migrations. */
  migrate: boolean;
  /** TypeORM's synchronize, run after the migrations (outside the lock on SQLite). */
  synchronize: (() => Promise<void>) | null;
}

/**
 * Brings the store's tables up to date on `dataSource` under a cross-process lock: creates the
 * PostgreSQL schema if missing, runs the pending migrations, then synchronizes if asked.
 */
export async function prepareStoreSchema(
  dataSource: DataSource,
  names: SqlNames,
  work: SchemaWork,
): Promise<void> {
  const queryRunner = dataSource.createQueryRunner('master');
  try {
    await queryRunner.connect();
    switch (names.dialect) {
      case 'postgres':
        return await migratePostgres(queryRunner, names, work);
      case 'mysql':
        return await migrateMysql(queryRunner, names, work);
      case 'sqlite':
        if (work.migrate) await migrateSqlite(queryRunner, names);
        // Synchronize runs its own transaction on this one connection: it cannot be inside ours.
        return await work.synchronize?.();
    }
  } finally {
    await queryRunner.release();
  }
}

/** The lock's name: one per schema and prefix. */
function lockKey(names: SqlNames): string {
  return `nestjs-scheduler:${names.schema ?? ''}:${names.prefix}`;
}

async function migratePostgres(
  queryRunner: QueryRunner,
  names: SqlNames,
  work: SchemaWork,
): Promise<void> {
  const key = [PG_LOCK_CLASS, lockKey(names)];
  // A session lock on this one connection: released below, or by the server if the process dies.
  await queryRunner.query('SELECT pg_advisory_lock($1, hashtext($2))', key);
  try {
    if (names.schema !== undefined) await createSchema(queryRunner, names.schema, names);
    const migrations = work.migrate ? await pendingMigrations(queryRunner, names) : [];
    for (const migration of migrations) {
      // PostgreSQL DDL is transactional: a migration applies whole or not at all.
      await queryRunner.startTransaction();
      try {
        await applyMigration(queryRunner, migration, names.prefix);
        await queryRunner.commitTransaction();
      } catch (error) {
        await queryRunner.rollbackTransaction();
        throw error;
      }
    }
    await work.synchronize?.();
  } finally {
    await queryRunner.query('SELECT pg_advisory_unlock($1, hashtext($2))', key);
  }
}

/** Creates a missing schema; one that exists needs no right to create schemas. */
async function createSchema(
  queryRunner: QueryRunner,
  schema: string,
  names: SqlNames,
): Promise<void> {
  const found = (await queryRunner.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
    schema,
  ])) as unknown[];
  if (found.length === 0) {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${names.quote(schema)}`);
  }
}

async function migrateMysql(
  queryRunner: QueryRunner,
  names: SqlNames,
  work: SchemaWork,
): Promise<void> {
  // Lock names are server-wide and at most 64 characters: hash the database and the key.
  const lockName = `CONCAT('nsched:', SHA1(CONCAT(IFNULL(DATABASE(), ''), ':', ?)))`;
  const rows = (await queryRunner.query(`SELECT GET_LOCK(${lockName}, ?) AS got`, [
    lockKey(names),
    MYSQL_LOCK_TIMEOUT_S,
  ])) as { got: unknown }[];
  if (Number(rows[0]?.got) !== 1) {
    throw new Error(
      `Timed out after ${MYSQL_LOCK_TIMEOUT_S}s waiting for another instance to migrate ` +
        `the scheduler tables ${names.tasks}`,
    );
  }
  try {
    // MySQL commits DDL as it goes: no transaction to wrap it in.
    const migrations = work.migrate ? await pendingMigrations(queryRunner, names) : [];
    for (const migration of migrations) await applyMigration(queryRunner, migration, names.prefix);
    await work.synchronize?.();
  } finally {
    await queryRunner.query(`SELECT RELEASE_LOCK(${lockName})`, [lockKey(names)]);
  }
}

async function migrateSqlite(queryRunner: QueryRunner, names: SqlNames): Promise<void> {
  const db = sqliteConnectionOf(queryRunner.connection.driver);
  // The exclusive transaction is the lock; the migrations run inside it and commit with it.
  // With nothing to migrate it never yields to the event loop while holding the lock.
  await whenIdle(db);
  await beginExclusive(db);
  try {
    for (const statement of createTableStatements(MIGRATIONS_TABLE, names)) {
      db.prepare(statement).run();
    }
    const applied = db.prepare(`SELECT version FROM ${names.migrations}`).all() as {
      version: unknown;
    }[];
    for (const migration of pending(applied)) {
      await applyMigration(queryRunner, migration, names.prefix);
    }
    db.prepare('COMMIT').run();
  } catch (error) {
    if (db.inTransaction) db.prepare('ROLLBACK').run();
    throw error;
  }
}

/** Creates the history table if needed and returns the migrations it does not list. */
async function pendingMigrations(
  queryRunner: QueryRunner,
  names: SqlNames,
): Promise<StoreMigration[]> {
  for (const statement of createTableStatements(MIGRATIONS_TABLE, names)) {
    await queryRunner.query(statement);
  }
  return pending(await queryRunner.query(`SELECT version FROM ${names.migrations}`));
}

function pending(applied: readonly { version: unknown }[]): StoreMigration[] {
  const done = new Set(applied.map((row) => Number(row.version)));
  return STORE_MIGRATIONS.filter((migration) => !done.has(migration.version));
}
