/**
 * DDL of the store's tables for each dialect, written from the table specs.
 * Statements use IF NOT EXISTS so that a MySQL migration (whose DDL commits
 * as it goes) can be run again after failing half way.
 */
import type { SqlNames } from '../sql-names.js';
import type { SqlDialect } from '../sql-store-options.js';
import type { ColumnKind, IndexSpec, TableSpec } from './table-specs.js';

const TYPES: Readonly<Record<SqlDialect, Readonly<Record<ColumnKind, string>>>> = {
  postgres: {
    id: 'varchar(200)',
    name: 'varchar(100)',
    short: 'varchar(16)',
    text: 'text',
    payload: 'text',
    mediumtext: 'text',
    bigint: 'bigint',
    int: 'integer',
    smallint: 'smallint',
    bool: 'boolean',
    seq: 'bigserial',
  },
  mysql: {
    id: 'varchar(200)',
    name: 'varchar(100)',
    short: 'varchar(16)',
    text: 'text',
    payload: 'longtext',
    mediumtext: 'mediumtext',
    bigint: 'bigint',
    int: 'int',
    smallint: 'smallint',
    bool: 'tinyint(1)',
    seq: 'bigint',
  },
  sqlite: {
    id: 'varchar(200)',
    name: 'varchar(100)',
    short: 'varchar(16)',
    text: 'text',
    payload: 'text',
    mediumtext: 'text',
    bigint: 'bigint',
    int: 'integer',
    smallint: 'smallint',
    bool: 'boolean',
    seq: 'integer',
  },
};

/** The statements that create one table and its indexes. */
export function createTableStatements(spec: TableSpec, names: SqlNames): string[] {
  const { dialect, quote } = names;
  const columns = spec.columns.map((column) => {
    const type = TYPES[dialect][column.kind];
    const increment = dialect === 'mysql' && column.kind === 'seq' ? ' AUTO_INCREMENT' : '';
    return `${quote(column.name)} ${type} ${column.nullable === true ? 'NULL' : 'NOT NULL'}${increment}`;
  });
  const indexes = spec.indexes.filter((index) => index.only?.includes(dialect) ?? true);
  if (dialect === 'mysql') {
    // MySQL wants the key of an AUTO_INCREMENT column in the CREATE TABLE itself.
    const keys = indexes.map(
      (index) =>
        `${index.unique === true ? 'UNIQUE KEY' : 'KEY'} ${names.index(spec.table, index.name)} ` +
        `(${indexColumns(index, names)})`,
    );
    const body = [...columns, `PRIMARY KEY (${quote(spec.primary)})`, ...keys].join(',\n  ');
    return [
      `CREATE TABLE IF NOT EXISTS ${names[spec.table]} (\n  ${body}\n) ` +
        'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    ];
  }
  const primary = `CONSTRAINT ${names.index(spec.table, 'pkey')} PRIMARY KEY (${quote(spec.primary)})`;
  const create = `CREATE TABLE IF NOT EXISTS ${names[spec.table]} (\n  ${[...columns, primary].join(',\n  ')}\n)`;
  return [create, ...indexes.map((index) => createIndex(spec, index, names))];
}

/** The statement that drops one table (its indexes go with it). */
export function dropTableStatement(spec: TableSpec, names: SqlNames): string {
  return `DROP TABLE IF EXISTS ${names[spec.table]}`;
}

/** An index of PostgreSQL (created in its table's schema) or SQLite. */
function createIndex(spec: TableSpec, index: IndexSpec, names: SqlNames): string {
  const unique = index.unique === true ? 'UNIQUE ' : '';
  const where = indexWhere(index);
  return (
    `CREATE ${unique}INDEX IF NOT EXISTS ${names.index(spec.table, index.name)} ON ` +
    `${names[spec.table]} (${indexColumns(index, names)})${where === undefined ? '' : ` WHERE ${where}`}`
  );
}

/** The predicate of a partial index (PostgreSQL, SQLite), if it is one. */
export function indexWhere(index: IndexSpec): string | undefined {
  if (index.phase !== undefined) return `phase = ${index.phase}`;
  if (index.notNull !== undefined) return `${index.notNull} IS NOT NULL`;
  return undefined;
}

function indexColumns(index: IndexSpec, names: SqlNames): string {
  const columns =
    names.dialect === 'mysql' && index.phase !== undefined
      ? ['phase', ...index.columns]
      : index.columns;
  return columns
    .map(
      (name) => `${names.quote(name)}${index.descending?.includes(name) === true ? ' DESC' : ''}`,
    )
    .join(', ');
}
