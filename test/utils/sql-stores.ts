/**
 * Isolated SQL stores for tests that look beneath the TaskStore interface:
 * each comes with a way to run raw SQL on its tables and to drop them.
 */
import Database from 'better-sqlite3';
import { TypeOrmTaskStore, type SqlStoreOptions } from '../../lib/store/typeorm/index.js';
import {
  isolatedMysql,
  isolatedPostgres,
  isolatedSqliteFile,
  mysqlAdmin,
  postgresAdmin,
} from './sql-isolation.js';

export type SqlKind = 'sqlite' | 'postgres' | 'mysql';
export const SQL_KINDS: readonly SqlKind[] = ['sqlite', 'postgres', 'mysql'];

/** Storage of its own for one kind of database, not yet opened by any store. */
export interface IsolatedSql {
  kind: SqlKind;
  options: SqlStoreOptions;
  /** The quoted name of one of the store's tables. */
  table(name: 'tasks' | 'schedules' | 'queues' | 'migrations'): string;
  /** Runs one statement outside the store and returns its rows. */
  raw(sql: string): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

/** Fresh storage of one kind; `prefix` replaces the default table prefix. */
export function isolatedSql(kind: SqlKind, prefix = 'scheduler_'): IsolatedSql {
  switch (kind) {
    case 'sqlite': {
      const db = isolatedSqliteFile({ tablePrefix: prefix });
      return {
        kind,
        options: db.options,
        table: (name) => `"${prefix}${name}"`,
        raw: async (sql) => {
          const connection = new Database(db.file);
          try {
            const statement = connection.prepare(sql);
            return statement.reader
              ? (statement.all() as Record<string, unknown>[])
              : (statement.run(), []);
          } finally {
            connection.close();
          }
        },
        drop: db.drop,
      };
    }
    case 'postgres': {
      const db = isolatedPostgres({ tablePrefix: prefix });
      return {
        kind,
        options: db.options,
        table: (name) => `"${db.schema}"."${prefix}${name}"`,
        raw: async (sql) => (await postgresAdmin(sql))[0]!.rows,
        drop: db.drop,
      };
    }
    case 'mysql': {
      const db = isolatedMysql();
      const mysqlPrefix = db.prefix;
      return {
        kind,
        options: db.options,
        table: (name) => `\`${mysqlPrefix}${name}\``,
        raw: async (sql) => {
          const [result] = await mysqlAdmin(sql);
          return Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
        },
        drop: db.drop,
      };
    }
  }
}

/** Opens a store on isolated storage; the caller closes it and drops the storage. */
export async function openIsolated(
  kind: SqlKind,
): Promise<{ sql: IsolatedSql; store: TypeOrmTaskStore }> {
  const sql = isolatedSql(kind);
  const store = new TypeOrmTaskStore(sql.options);
  await store.open();
  return { sql, store };
}
