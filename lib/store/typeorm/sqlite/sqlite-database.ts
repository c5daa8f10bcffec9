/**
 * The parts of a better-sqlite3 connection the store uses, typed here so
 * that the library needs neither the package nor its type definitions.
 */

/** A prepared better-sqlite3 statement. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** A better-sqlite3 database connection. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  readonly inTransaction: boolean;
  readonly memory: boolean;
}

/** The connection under a TypeORM better-sqlite3 DataSource's driver. */
export function sqliteConnectionOf(driver: unknown): SqliteDatabase {
  const connection = (driver as { databaseConnection?: SqliteDatabase }).databaseConnection;
  if (connection === undefined) throw new Error('The better-sqlite3 DataSource is not connected');
  return connection;
}

/** Settings of a connection the store opened itself. */
export function configureSqlite(db: SqliteDatabase, synchronous: 'normal' | 'full'): void {
  // WAL lets readers run beside the writer and makes a commit one append to the log. FULL syncs
  // the log at each commit; NORMAL only at checkpoints, so a commit survives a crash of the
  // process but power loss may take the last ones.
  if (!db.memory) db.pragma('journal_mode = WAL');
  db.pragma(synchronous === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const isBusy = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  /^SQLITE_(BUSY|LOCKED)/.test(String((error as { code?: unknown }).code));

/**
 * Begins an exclusive transaction, waiting for other connections without blocking the event loop:
 * better-sqlite3's busy timeout sleeps synchronously, which would stall a holder of the lock in this
 * same process (another store opening on the same file) and end in SQLITE_BUSY.
 */
export async function beginExclusive(db: SqliteDatabase, timeoutMs = 30_000): Promise<void> {
  const busyTimeout = Number(db.pragma('busy_timeout', { simple: true }));
  const deadline = Date.now() + timeoutMs;
  db.pragma('busy_timeout = 0');
  try {
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      try {
        db.prepare('BEGIN EXCLUSIVE').run();
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() > deadline) throw error;
      }
      await sleep(delay + Math.random() * delay);
    }
  } finally {
    db.pragma(`busy_timeout = ${Number.isFinite(busyTimeout) ? busyTimeout : 5000}`);
  }
}

/**
 * Waits until the connection has no open transaction: a DataSource shared with the application may
 * be inside one of the application's transactions, which the store's writes must not join.
 */
export async function whenIdle(db: SqliteDatabase): Promise<void> {
  for (let delay = 1; db.inTransaction; delay = Math.min(delay * 2, 20)) await sleep(delay);
}
