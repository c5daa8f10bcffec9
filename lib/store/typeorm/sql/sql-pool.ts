/**
 * Connections of a PostgreSQL or MySQL DataSource, used through its driver's
 * own pool: the store sends its SQL to the driver directly (no query builder,
 * no per-query logging on the hot path) and gets the driver's errors as they
 * are. A transaction that fails is rolled back and its connection returned;
 * one that lost a race (a deadlock, or an insert beaten to an id by another
 * instance) runs again from the start.
 */
import type { Row } from '../records/task-rows.js';

/** What one statement returned. */
export interface SqlResult {
  rows: Row[];
  /** Rows inserted, updated or deleted. */
  affected: number;
}

/** One connection, lent for the length of a piece of work. */
export interface SqlClient {
  query(sql: string, params?: readonly unknown[]): Promise<SqlResult>;
}

/** A pooled connection of one driver. */
export interface PooledConnection extends SqlClient {
  /** Gives the connection back; a broken one (after an error) is closed instead. */
  release(broken: boolean): void;
}

/** How to reach one driver's pool. */
export interface PoolAdapter {
  connect(): Promise<PooledConnection>;
  /** Statements that begin a transaction. */
  readonly begin: readonly string[];
  /** Whether an error is a lost race that a rerun of the transaction may win. */
  isTransient(error: unknown): boolean;
}

/** Thrown inside a transaction to have it rolled back and run again. */
export class RetryTransaction extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RetryTransaction';
  }
}

const MAX_RUNS = 8;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The store's access to a server database. */
export class SqlPool {
  constructor(private readonly adapter: PoolAdapter) {}

  /** Runs work on one connection, each statement committing by itself. */
  async run<T>(work: (client: SqlClient) => Promise<T>): Promise<T> {
    const connection = await this.adapter.connect();
    let broken = false;
    try {
      return await work(connection);
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      connection.release(broken);
    }
  }

  /** Runs work in one transaction, again from the start if it lost a race. */
  async transaction<T>(work: (client: SqlClient) => Promise<T>): Promise<T> {
    for (let run = 1; ; run += 1) {
      try {
        return await this.once(work);
      } catch (error) {
        const transient = error instanceof RetryTransaction || this.adapter.isTransient(error);
        if (!transient || run >= MAX_RUNS) throw error;
        await sleep(Math.random() * 5 * run);
      }
    }
  }

  private async once<T>(work: (client: SqlClient) => Promise<T>): Promise<T> {
    const connection = await this.adapter.connect();
    let broken = false;
    try {
      for (const statement of this.adapter.begin) await connection.query(statement);
      const result = await work(connection);
      await connection.query('COMMIT');
      return result;
    } catch (error) {
      broken = !(await rollback(connection));
      throw error;
    } finally {
      connection.release(broken);
    }
  }
}

/** Rolls back; resolves to false if the connection could not even do that (it is then closed). */
async function rollback(connection: SqlClient): Promise<boolean> {
  try {
    await connection.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}
