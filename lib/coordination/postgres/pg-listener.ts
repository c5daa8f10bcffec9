import { createRequire } from 'node:module';

/** The part of a `pg.Client` the coordinator uses. */
export interface PgClient {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  on(
    event: 'notification',
    listener: (message: { channel: string; payload?: string }) => void,
  ): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeAllListeners(): unknown;
}

/** How to reach the database: what `new pg.Client(config)` takes. */
export interface PgConnectionConfig {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  application_name?: string;
}

/** A new client of the `pg` driver, loaded only when PostgreSQL coordination is chosen. */
export function createPgClient(config: PgConnectionConfig): PgClient {
  const pg = createRequire(import.meta.url)('pg') as {
    Client: new (config: PgConnectionConfig) => PgClient;
  };
  return new pg.Client(config);
}
