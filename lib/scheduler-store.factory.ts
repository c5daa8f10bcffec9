import type { ModuleRef } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { SchedulerConfigurationError } from './core/errors.js';
import type {
  StoreOptions,
  TypeOrmConnectionStoreOptions,
} from './interfaces/scheduler-module-options.interface.js';
import { DeferredTaskStore } from './store/deferred-task-store.js';
import { MemoryTaskStore } from './store/memory/memory-task-store.js';
import type { TaskStore } from './store/task-store.js';
import {
  validateSqlStoreOptions,
  type SqlStoreOptions,
} from './store/typeorm/sql-store-options.js';

const STORE_TYPES = ['memory', 'sqlite', 'postgres', 'mysql', 'typeorm'];

/**
 * The store the module options name. Options are checked at once, so that a
 * typo fails while the application is created; a SQL store's code and
 * connection are loaded when the engine starts (the application's TypeORM
 * connection exists by then).
 */
export function createStore(options: StoreOptions, moduleRef: ModuleRef): TaskStore {
  if (options.type === 'memory') return new MemoryTaskStore();
  if (!STORE_TYPES.includes(options.type)) {
    throw new SchedulerConfigurationError(
      `Unknown store type ${JSON.stringify((options as { type: unknown }).type)}; expected one of ${STORE_TYPES.join(', ')}.`,
    );
  }
  if (options.type === 'typeorm' && options.dataSource === undefined) {
    if (options.connection !== undefined && typeof options.connection !== 'string') {
      throw new SchedulerConfigurationError(
        `store.connection must be the name of a TypeOrmModule connection, not ${JSON.stringify(options.connection)}.`,
      );
    }
  } else {
    validateSqlStoreOptions(options as SqlStoreOptions);
  }
  return new DeferredTaskStore(async () => {
    const sql = await import('./store/typeorm/index.js');
    const resolved: SqlStoreOptions =
      options.type === 'typeorm'
        ? {
            ...options,
            dataSource: options.dataSource ?? (await applicationDataSource(options, moduleRef)),
          }
        : options;
    return sql.createTypeOrmTaskStore(resolved);
  });
}

/** The DataSource TypeOrmModule registered under the connection's name. */
export async function applicationDataSource(
  options: TypeOrmConnectionStoreOptions,
  moduleRef: ModuleRef,
): Promise<DataSource> {
  const name = options.connection ?? 'default';
  let getDataSourceToken: (name?: string) => unknown;
  try {
    ({ getDataSourceToken } = await import('@nestjs/typeorm'));
  } catch (cause) {
    throw new SchedulerConfigurationError(
      "store { type: 'typeorm' } without a dataSource uses a TypeOrmModule connection, but @nestjs/typeorm is not installed.",
      { cause },
    );
  }
  try {
    return moduleRef.get<DataSource>(getDataSourceToken(name) as string, { strict: false });
  } catch (cause) {
    throw new SchedulerConfigurationError(
      `store { type: 'typeorm' } names the TypeORM connection ${JSON.stringify(name)}, which this application does not have: ` +
        `import TypeOrmModule.forRoot(${name === 'default' ? '' : `{ name: ${JSON.stringify(name)}, … }`}) or pass store.dataSource.`,
      { cause },
    );
  }
}
