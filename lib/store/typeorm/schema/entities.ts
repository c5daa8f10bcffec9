/**
 * The store's tables as TypeORM entity schemas, for `synchronize` and for an
 * application that registers them in its own DataSource. They describe the
 * same tables as the migrations do (a test checks that TypeORM finds nothing
 * to change after migrating), so both ways can be mixed safely.
 */
import { createRequire } from 'node:module';
import type { EntitySchema, EntitySchemaColumnOptions, EntitySchemaIndexOptions } from 'typeorm';
import { SchedulerConfigurationError } from '../../../core/errors.js';
import { dialectOf, tablePrefixOf, type SqlDialect } from '../sql-store-options.js';
import { indexWhere } from './ddl.js';
import { ALL_TABLES, type ColumnSpec, type IndexSpec, type TableSpec } from './table-specs.js';

/** The TypeORM DataSource types the entities can be built for. */
export type SchedulerEntityType = 'postgres' | 'mysql' | 'mariadb' | 'better-sqlite3';

/** Options of {@link schedulerEntities}. */
export interface SchedulerEntitiesOptions {
  /** The store's table prefix. Default `'scheduler_'`. */
  tablePrefix?: string;
  /**
   * The DataSource type they are for (column types differ: payloads are LONGTEXT on MySQL).
   * Default `'postgres'`.
   */
  type?: SchedulerEntityType;
}

/**
 * The entity schemas of the store's tables, for `synchronize` or an application's own DataSource
 * (such as TypeOrmModule.forRoot's `entities`). Loads TypeORM (an optional peer) on first call.
 */
export function schedulerEntities(options: SchedulerEntitiesOptions = {}): EntitySchema[] {
  const prefix = tablePrefixOf(options);
  const dialect = dialectOf(options.type ?? 'postgres');
  const typeorm = requireTypeOrm();
  return ALL_TABLES.map(
    (spec) =>
      new typeorm.EntitySchema({
        name: `${prefix}${spec.table}`,
        tableName: `${prefix}${spec.table}`,
        columns: Object.fromEntries(
          spec.columns.map((column) => [column.name, columnOptions(spec, column, dialect, prefix)]),
        ),
        indices: spec.indexes
          .filter((index) => index.only?.includes(dialect) ?? true)
          .map((index) => indexOptions(spec, index, dialect, prefix)),
      }),
  );
}

/** Entities are listed in DataSource options, synchronously: TypeORM is required here, not imported. */
function requireTypeOrm(): typeof import('typeorm') {
  try {
    return createRequire(import.meta.url)('typeorm') as typeof import('typeorm');
  } catch (error) {
    throw new SchedulerConfigurationError(
      'The scheduler entities need the optional package "typeorm": install it.',
      { cause: error },
    );
  }
}

function columnOptions(
  spec: TableSpec,
  column: ColumnSpec,
  dialect: SqlDialect,
  prefix: string,
): EntitySchemaColumnOptions {
  const options: EntitySchemaColumnOptions = {
    ...columnType(column, dialect),
    nullable: column.nullable === true,
  };
  if (column.name === spec.primary) {
    Object.assign(options, { primary: true });
    if (dialect !== 'mysql') {
      Object.assign(options, { primaryKeyConstraintName: `${prefix}${spec.table}_pkey` });
    }
  }
  // Ids and names compare exactly (case and all) on MySQL too, as they do elsewhere.
  if (dialect === 'mysql' && isText(column)) {
    Object.assign(options, { charset: 'utf8mb4', collation: 'utf8mb4_bin' });
  }
  return options;
}

const isText = (column: ColumnSpec): boolean =>
  ['id', 'name', 'short', 'text', 'payload', 'mediumtext'].includes(column.kind);

function columnType(column: ColumnSpec, dialect: SqlDialect): EntitySchemaColumnOptions {
  switch (column.kind) {
    case 'id':
      return { type: 'varchar', length: 200 };
    case 'name':
      return { type: 'varchar', length: 100 };
    case 'short':
      return { type: 'varchar', length: 16 };
    case 'text':
      return { type: 'text' };
    case 'payload':
      return { type: dialect === 'mysql' ? 'longtext' : 'text' };
    case 'mediumtext':
      return { type: dialect === 'mysql' ? 'mediumtext' : 'text' };
    case 'bigint':
      return { type: 'bigint' };
    case 'int':
      return { type: dialect === 'mysql' ? 'int' : 'integer' };
    case 'smallint':
      return { type: 'smallint' };
    case 'bool':
      return { type: 'boolean' };
    case 'seq':
      // SQLite numbers tasks itself (AUTOINCREMENT needs an INTEGER PRIMARY KEY there).
      return dialect === 'sqlite'
        ? { type: 'integer' }
        : { type: 'bigint', generated: 'increment' };
  }
}

function indexOptions(
  spec: TableSpec,
  index: IndexSpec,
  dialect: SqlDialect,
  prefix: string,
): EntitySchemaIndexOptions {
  const mysqlPhase = dialect === 'mysql' && index.phase !== undefined;
  const where = dialect === 'mysql' ? undefined : indexWhere(index);
  return {
    name: `${prefix}${spec.table}_${index.name}`,
    columns: mysqlPhase ? ['phase', ...index.columns] : [...index.columns],
    unique: index.unique === true,
    ...(where === undefined ? {} : { where }),
  };
}
