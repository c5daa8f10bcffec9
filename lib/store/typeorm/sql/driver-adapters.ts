/**
 * The pools under TypeORM's PostgreSQL and MySQL drivers, reached through
 * the drivers' `obtainMasterConnection()` (so that replication setups write
 * to the master), and typed here structurally: the library needs neither
 * `pg` nor `mysql2` to compile.
 */
import type { Row } from '../records/task-rows.js';
import type { PoolAdapter, PooledConnection, SqlResult } from './sql-pool.js';

/** What a checked-out connection of either driver emits when its socket dies between statements. */
interface ErrorEmitter {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  removeListener(event: 'error', listener: (error: unknown) => void): unknown;
}

interface PgClient extends ErrorEmitter {
  query(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ rows: Row[]; rowCount: number | null }>;
}

interface PgDriver {
  obtainMasterConnection(): Promise<[PgClient, (error?: unknown) => void]>;
}

interface MysqlConnection extends ErrorEmitter {
  query(
    sql: string,
    values: readonly unknown[],
    callback: (error: Error | null, result: unknown) => void,
  ): void;
  release(): void;
  destroy(): void;
}

interface MysqlDriver {
  obtainMasterConnection(): Promise<MysqlConnection>;
}

/**
 * Watches a checked-out connection for the error its driver emits when the
 * server or the network drops it between two statements. Nobody else listens
 * while the store holds it, and an 'error' event without a listener would
 * take the whole process down; instead the connection is marked lost: its
 * next statement fails with that error and it is discarded on release.
 */
function watchLoss(connection: ErrorEmitter): { lost(): unknown; stop(): void } {
  let lost: unknown = null;
  const listener = (error: unknown): void => void (lost ??= error);
  connection.on('error', listener);
  return { lost: () => lost, stop: () => void connection.removeListener('error', listener) };
}

const codeOf = (error: unknown): unknown =>
  typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;

/** The pool of a TypeORM PostgreSQL driver. */
export function postgresAdapter(driver: unknown): PoolAdapter {
  const pg = driver as PgDriver;
  return {
    begin: ['BEGIN'],
    // A deadlock, or a serialization failure if the server's default isolation is stricter.
    isTransient: (error) => codeOf(error) === '40P01' || codeOf(error) === '40001',
    async connect(): Promise<PooledConnection> {
      const [client, release] = await pg.obtainMasterConnection();
      const watch = watchLoss(client);
      return {
        async query(sql, params = []): Promise<SqlResult> {
          if (watch.lost() !== null) throw watch.lost();
          const result = await client.query(sql, params);
          return { rows: result.rows, affected: result.rowCount ?? 0 };
        },
        release: (broken) => {
          watch.stop();
          const discard = broken || watch.lost() !== null;
          release(discard ? new Error('connection discarded after an error') : undefined);
        },
      };
    },
  };
}

/** The pool of a TypeORM MySQL/MariaDB driver. */
export function mysqlAdapter(driver: unknown): PoolAdapter {
  const mysql = driver as MysqlDriver;
  return {
    // Read committed: no gap locks, so claims and inserts of other instances do not block each other.
    begin: ['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', 'START TRANSACTION'],
    isTransient: (error) => {
      const errno = (error as { errno?: unknown } | null)?.errno;
      return errno === 1213 || errno === 1020;
    },
    async connect(): Promise<PooledConnection> {
      const connection = await mysql.obtainMasterConnection();
      const watch = watchLoss(connection);
      return {
        query: (sql, params = []) =>
          new Promise<SqlResult>((resolve, reject) => {
            if (watch.lost() !== null) return reject(watch.lost());
            connection.query(sql, params, (error, result) => {
              if (error !== null) reject(error);
              else resolve(mysqlResult(result));
            });
          }),
        release: (broken) => {
          watch.stop();
          if (broken || watch.lost() !== null) connection.destroy();
          else connection.release();
        },
      };
    },
  };
}

function mysqlResult(result: unknown): SqlResult {
  if (Array.isArray(result)) return { rows: result as Row[], affected: 0 };
  return { rows: [], affected: Number((result as { affectedRows?: unknown }).affectedRows ?? 0) };
}
