import type { SqlDialect } from './sql-store-options.js';

/**
 * The quoted names of the store's tables and indexes in one dialect. The
 * prefix and schema are validated before they get here (letters, digits and
 * underscores only), so quoting them cannot change the SQL around them.
 */
export interface SqlNames {
  readonly dialect: SqlDialect;
  readonly prefix: string;
  /** PostgreSQL schema, if one was set. */
  readonly schema: string | undefined;
  readonly tasks: string;
  readonly schedules: string;
  readonly queues: string;
  readonly migrations: string;
  /** The bare (unquoted, unqualified) name of a table: `prefix + table`. */
  bare(table: 'tasks' | 'schedules' | 'queues' | 'migrations'): string;
  /** A quoted index name: `prefix + 'tasks_' + name` (index names are per schema in PostgreSQL). */
  index(table: 'tasks' | 'schedules' | 'queues' | 'migrations', name: string): string;
  /** Quotes one identifier. */
  quote(identifier: string): string;
}

/** The names of one store's tables. */
export function sqlNames(dialect: SqlDialect, prefix: string, schema?: string): SqlNames {
  const quote = dialect === 'mysql' ? (id: string) => `\`${id}\`` : (id: string) => `"${id}"`;
  const qualify = (name: string): string =>
    schema === undefined || dialect !== 'postgres'
      ? quote(name)
      : `${quote(schema)}.${quote(name)}`;
  const bare = (table: string): string => `${prefix}${table}`;
  return {
    dialect,
    prefix,
    schema: dialect === 'postgres' ? schema : undefined,
    tasks: qualify(bare('tasks')),
    schedules: qualify(bare('schedules')),
    queues: qualify(bare('queues')),
    migrations: qualify(bare('migrations')),
    bare,
    index: (table, name) => quote(`${prefix}${table}_${name}`),
    quote,
  };
}
