/**
 * The storage behind a benchmark deployment (`--store`). Every deployment
 * gets a fresh, isolated place: the memory store a new object, SQLite a file
 * in a temporary directory of its own, PostgreSQL a schema of its own, MySQL
 * a table prefix of its own; dispose() removes it. A durable store can be
 * opened again over the same storage, as a restarted process would (W4's
 * restart recovery); PostgreSQL storage also from other processes, whose
 * instances share it (`--instances`).
 *
 * The SQL stores run with the library's defaults (pool size, SQLite
 * synchronous level), except where the command line says otherwise. Their
 * modules (and the drivers) load only when a SQL store is chosen, so that a
 * memory run's heap holds what it held before they existed.
 */
import { MemoryTaskStore } from '../../lib/store/memory/memory-task-store.js';
import type { TaskStore } from '../../lib/store/task-store.js';
import type { ServerStoreOptions, SqlStoreOptions } from '../../lib/store/typeorm/index.js';

/** Stores the benchmark can run on. */
export const STORE_KINDS = ['memory', 'sqlite', 'postgres', 'mysql'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** SQLite's `synchronous` levels (`--sqlite-sync`): `full` syncs every commit to disk. */
export const SQLITE_SYNC_LEVELS = ['normal', 'full'] as const;
export type SqliteSync = (typeof SQLITE_SYNC_LEVELS)[number];

/** The SQLite store's level when none is given (see SqliteStoreOptions.synchronous). */
const SQLITE_DEFAULT_SYNC: SqliteSync = 'full';

/** The parameters of a run that choose the storage. */
export interface StoreConfig {
  store: StoreKind;
  /** SQLite only; unset: the store's default. */
  sqliteSync?: SqliteSync;
}

/** Whether the store keeps its tasks outside the process (and so survives a restart). */
export function isDurable(kind: StoreKind): boolean {
  return kind !== 'memory';
}

/** The store as the results name it, e.g. `sqlite (synchronous full, the default)`. */
export function describeStore(config: StoreConfig): string {
  if (config.store !== 'sqlite') return config.store;
  const level = config.sqliteSync ?? SQLITE_DEFAULT_SYNC;
  return `sqlite (synchronous ${level}${config.sqliteSync === undefined ? ', the default' : ''})`;
}

/** One deployment's storage. */
export interface Storage {
  /** A new, unopened store over the storage; the Scheduler opens and closes it. */
  store(): Promise<TaskStore>;
  /** Removes the storage (once, however often called); every store over it must be closed first. */
  dispose(): Promise<void>;
  /**
   * How a store over the same storage is opened in another process
   * (PostgreSQL, whose instances can coordinate); null for the others.
   */
  readonly shared: ServerStoreOptions | null;
}

/** Fresh, empty storage of the configured kind. */
export async function provideStorage(config: StoreConfig): Promise<Storage> {
  if (config.store === 'memory') return memoryStorage();
  const isolation = await import('../utils/sql-isolation.js');
  switch (config.store) {
    case 'sqlite':
      return sqlStorage(isolation.isolatedSqliteFile({ synchronous: config.sqliteSync }), null);
    // The test helpers' pool of 4 suits parallel Jest workers; the bench measures the default (10).
    case 'postgres': {
      const isolated = isolation.isolatedPostgres({ poolSize: undefined });
      return sqlStorage(isolated, isolated.options);
    }
    case 'mysql':
      return sqlStorage(isolation.isolatedMysql({ poolSize: undefined }), null);
  }
}

/** The memory store lives in the process: there is nothing to reopen after a restart. */
function memoryStorage(): Storage {
  let handedOut = false;
  return {
    store: async () => {
      if (handedOut) throw new Error('the memory store does not survive a restart');
      handedOut = true;
      return new MemoryTaskStore();
    },
    dispose: async () => {},
    shared: null,
  };
}

function sqlStorage(
  isolated: { options: SqlStoreOptions; drop(): Promise<void> },
  shared: ServerStoreOptions | null,
): Storage {
  let dropped: Promise<void> | undefined;
  return {
    store: async () => {
      const { createTypeOrmTaskStore } = await import('../../lib/store/typeorm/index.js');
      return createTypeOrmTaskStore(isolated.options);
    },
    dispose: () => (dropped ??= isolated.drop()),
    shared,
  };
}
