/**
 * The SQL task store. Nothing here imports TypeORM or a driver at load time
 * (they are optional peers): TypeORM is imported when a store is created,
 * required when entities are built, and the drivers load with the DataSource.
 */
export { TypeOrmTaskStore, createTypeOrmTaskStore } from './typeorm-task-store.js';
export {
  DEFAULT_TABLE_PREFIX,
  type SqlStoreOptions,
  type SqlStoreCommonOptions,
  type SqliteStoreOptions,
  type ServerStoreOptions,
  type DataSourceStoreOptions,
} from './sql-store-options.js';
export {
  schedulerEntities,
  type SchedulerEntitiesOptions,
  type SchedulerEntityType,
} from './schema/entities.js';
export { schedulerMigrations } from './schema/migrations.js';
