/**
 * The store's migrations, as real TypeORM migrations: `open()` runs them
 * itself (see migration-runner.ts), and {@link schedulerMigrations} hands
 * them to an application's own migration pipeline or the TypeORM CLI.
 * Either way each one records itself in `{prefix}migrations`, so that the
 * other way sees it as done.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlNames, type SqlNames } from '../sql-names.js';
import { dialectOf, schemaOf, tablePrefixOf } from '../sql-store-options.js';
import { createTableStatements, dropTableStatement } from './ddl.js';
import { ALL_TABLES, MIGRATIONS_TABLE } from './table-specs.js';

/** One step of the store's schema. */
export interface StoreMigration {
  readonly version: number;
  /** TypeORM wants a 13-digit timestamp at the end of a migration's name. */
  readonly timestamp: number;
  readonly title: string;
  up(run: (sql: string) => Promise<unknown>, names: SqlNames): Promise<void>;
  down(run: (sql: string) => Promise<unknown>, names: SqlNames): Promise<void>;
}

/** Version 1: every table and index. */
const V1: StoreMigration = {
  version: 1,
  timestamp: 1767225600000,
  title: 'SchedulerSchemaV1',
  async up(run, names) {
    for (const spec of ALL_TABLES) {
      for (const statement of createTableStatements(spec, names)) await run(statement);
    }
  },
  async down(run, names) {
    for (const spec of [...ALL_TABLES].reverse()) await run(dropTableStatement(spec, names));
  },
};

/** Every migration, oldest first. */
export const STORE_MIGRATIONS: readonly StoreMigration[] = [V1];

/** The name a migration goes by in TypeORM's history: unique per table prefix. */
export function migrationName(migration: StoreMigration, prefix: string): string {
  return `${migration.title}_${prefix}${migration.timestamp}`;
}

/**
 * The store's migrations for an application's own TypeORM migration pipeline (or the CLI), for
 * the tables of `tablePrefix`; run them with `migrationsRun: false` in the store's options. They
 * adapt to the DataSource they run on (better-sqlite3, postgres, mysql or mariadb; on PostgreSQL,
 * its `schema` option places the tables).
 */
export function schedulerMigrations(
  options: { tablePrefix?: string } = {},
): (new () => MigrationInterface)[] {
  const prefix = tablePrefixOf(options);
  return STORE_MIGRATIONS.map((migration) => migrationClass(migration, prefix));
}

function migrationClass(migration: StoreMigration, prefix: string): new () => MigrationInterface {
  const name = migrationName(migration, prefix);
  return class SchedulerMigration implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await applyMigration(queryRunner, migration, prefix);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await revertMigration(queryRunner, migration, prefix);
    }
  };
}

/** The names of the store's tables as seen through a query runner's DataSource. */
export function namesOf(queryRunner: QueryRunner, prefix: string): SqlNames {
  const options = queryRunner.connection.options as { type: unknown; schema?: unknown };
  const dialect = dialectOf(options.type);
  return sqlNames(dialect, prefix, dialect === 'postgres' ? schemaOf(options.schema) : undefined);
}

/** Runs one migration's DDL and records it in `{prefix}migrations` (the caller decides about transactions). */
export async function applyMigration(
  queryRunner: QueryRunner,
  migration: StoreMigration,
  prefix: string,
): Promise<void> {
  const names = namesOf(queryRunner, prefix);
  const run = (sql: string): Promise<unknown> => queryRunner.query(sql);
  for (const statement of createTableStatements(MIGRATIONS_TABLE, names)) await run(statement);
  await migration.up(run, names);
  const params = [migration.version, migrationName(migration, prefix), Date.now()];
  await queryRunner.query(recordSql(names), params);
}

async function revertMigration(
  queryRunner: QueryRunner,
  migration: StoreMigration,
  prefix: string,
): Promise<void> {
  const names = namesOf(queryRunner, prefix);
  await migration.down((sql) => queryRunner.query(sql), names);
  // Version 1 drops the history table itself; a later one takes back its own record.
  if (migration.version > 1) {
    const placeholder = names.dialect === 'postgres' ? '$1' : '?';
    await queryRunner.query(`DELETE FROM ${names.migrations} WHERE version = ${placeholder}`, [
      migration.version,
    ]);
  }
}

/** Records a migration; a record that exists already (a rerun) is kept. */
function recordSql(names: SqlNames): string {
  const columns = `${names.migrations} (version, name, applied_at)`;
  switch (names.dialect) {
    case 'postgres':
      return `INSERT INTO ${columns} VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING`;
    case 'mysql':
      return `INSERT IGNORE INTO ${columns} VALUES (?, ?, ?)`;
    case 'sqlite':
      return `INSERT OR IGNORE INTO ${columns} VALUES (?, ?, ?)`;
  }
}
