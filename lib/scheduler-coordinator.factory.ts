import type { ModuleRef } from '@nestjs/core';
import type { Coordinator } from './coordination/coordinator.js';
import type { CoordinatorLogger } from './coordination/postgres/postgres-coordinator.js';
import type { PgConnectionConfig } from './coordination/postgres/pg-listener.js';
import type { Clock } from './core/clock.js';
import { parsePositiveDuration } from './core/duration.js';
import { SchedulerConfigurationError } from './core/errors.js';
import type {
  CoordinationOptions,
  StoreOptions,
} from './interfaces/scheduler-module-options.interface.js';
import { applicationDataSource } from './scheduler-store.factory.js';
import { DEFAULT_TABLE_PREFIX } from './store/typeorm/sql-store-options.js';
import { PostgresCoordinator } from './coordination/postgres/postgres-coordinator.js';
import { RedisCoordinator } from './coordination/redis/redis-coordinator.js';

const COORDINATION_TYPES = ['local', 'postgres', 'redis'];
/** A fire stays claimed at least this long: longer than any instance could be late for it. */
const MIN_FIRE_LOCK_MS = 60_000;

/**
 * The coordinator the module options name, or undefined for the local one.
 * `postgres` needs the store on PostgreSQL: it listens on the same database.
 */
export function createCoordinator(
  coordination: CoordinationOptions | undefined,
  store: StoreOptions | undefined,
  context: {
    clock: Clock;
    nodeId?: string;
    leaseMs: number;
    logger: CoordinatorLogger;
    moduleRef: ModuleRef;
  },
): Coordinator | undefined {
  if (coordination === undefined || coordination.type === 'local') return undefined;
  if (!COORDINATION_TYPES.includes(coordination.type)) {
    throw new SchedulerConfigurationError(
      `Unknown coordination type ${JSON.stringify((coordination as { type: unknown }).type)}; expected one of ${COORDINATION_TYPES.join(', ')}.`,
    );
  }
  const pollIntervalMs =
    coordination.pollInterval === undefined
      ? undefined
      : parsePositiveDuration(coordination.pollInterval, 'coordination.pollInterval');
  if (coordination.type === 'redis') {
    return new RedisCoordinator({
      ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
      ...(coordination.url === undefined ? {} : { url: coordination.url }),
      ...(coordination.options === undefined ? {} : { options: coordination.options }),
      ...(coordination.client === undefined ? {} : { client: coordination.client }),
      ...(coordination.keyPrefix === undefined
        ? {}
        : { keyPrefix: checkKeyPrefix(coordination.keyPrefix) }),
      sharedStore: store !== undefined && store.type !== 'memory',
      fireLockMs: Math.max(MIN_FIRE_LOCK_MS, 2 * context.leaseMs),
      clock: context.clock,
      ...(context.nodeId === undefined ? {} : { nodeId: context.nodeId }),
      logger: context.logger,
    });
  }
  return new PostgresCoordinator({
    connection: postgresConnection(store, context.moduleRef),
    // The channels are named after the tables, so that deployments sharing a database stay apart.
    tablePrefix:
      (store as { tablePrefix?: string } | undefined)?.tablePrefix ?? DEFAULT_TABLE_PREFIX,
    ...(store?.type === 'postgres' && store.schema !== undefined ? { schema: store.schema } : {}),
    clock: context.clock,
    ...(context.nodeId === undefined ? {} : { nodeId: context.nodeId }),
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    logger: context.logger,
  });
}

/** How the coordinator reaches the store's database, checked now and resolved at start. */
function postgresConnection(
  store: StoreOptions | undefined,
  moduleRef: ModuleRef,
): () => Promise<PgConnectionConfig> {
  if (store?.type === 'postgres') {
    const config: PgConnectionConfig =
      store.url !== undefined
        ? { connectionString: store.url }
        : {
            ...(store.host === undefined ? {} : { host: store.host }),
            ...(store.port === undefined ? {} : { port: store.port }),
            ...(store.username === undefined ? {} : { user: store.username }),
            ...(store.password === undefined ? {} : { password: store.password }),
            ...(store.database === undefined ? {} : { database: store.database }),
          };
    return async () => config;
  }
  if (store?.type === 'typeorm') {
    return async () => {
      const dataSource = store.dataSource ?? (await applicationDataSource(store, moduleRef));
      const options = dataSource.options as {
        type: string;
        url?: string;
        host?: string;
        port?: number;
        username?: string;
        password?: string;
        database?: string;
      };
      if (options.type !== 'postgres') {
        throw new SchedulerConfigurationError(
          `coordination { type: 'postgres' } needs the store on PostgreSQL; the TypeORM connection is ${JSON.stringify(options.type)}.`,
        );
      }
      return options.url !== undefined
        ? { connectionString: options.url }
        : {
            ...(options.host === undefined ? {} : { host: options.host }),
            ...(options.port === undefined ? {} : { port: options.port }),
            ...(options.username === undefined ? {} : { user: options.username }),
            ...(typeof options.password === 'string' ? { password: options.password } : {}),
            ...(options.database === undefined ? {} : { database: options.database }),
          };
    };
  }
  throw new SchedulerConfigurationError(
    `coordination { type: 'postgres' } needs the store on PostgreSQL (store: { type: 'postgres', … } or a PostgreSQL TypeORM connection), not ${JSON.stringify(store?.type ?? 'memory')}.`,
  );
}

function checkKeyPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_:.-]{1,64}$/.test(prefix)) {
    throw new SchedulerConfigurationError(
      `Invalid coordination.keyPrefix ${JSON.stringify(prefix)}: use 1 to 64 letters, digits, '_', ':', '.' or '-'.`,
    );
  }
  return prefix;
}
