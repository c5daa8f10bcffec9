/**
 * The durable task store over TypeORM: SQLite (better-sqlite3), PostgreSQL,
 * and MySQL/MariaDB. TypeORM provides the connection (pool) and the
 * migrations' home; the hot paths send hand-written SQL straight to the
 * driver, every value bound, nothing but the validated table prefix and
 * schema ever written into the SQL text.
 */
import type { DataSource } from 'typeorm';
import { SchedulerConfigurationError } from '../../core/errors.js';
import type { ScheduleRecord, TaskRecord } from '../../core/types.js';
import type {
  ClaimRequest,
  ClaimResult,
  InsertRequest,
  InsertResult,
  LeaseRenewal,
  PruneRule,
  SchedulePatch,
  TaskCount,
  TaskPage,
  TaskQuery,
  TaskStore,
  TaskUpdate,
} from '../task-store.js';
import type { TaskBackend } from './backend.js';
import { loadTypeOrm, openDataSource, type TypeOrmModule } from './data-source.js';
import { MysqlBackend } from './mysql/mysql-backend.js';
import { PostgresBackend } from './postgres/postgres-backend.js';
import { prepareStoreSchema } from './schema/migration-runner.js';
import { mysqlAdapter, postgresAdapter } from './sql/driver-adapters.js';
import { SqlPool } from './sql/sql-pool.js';
import { sqlNames, type SqlNames } from './sql-names.js';
import {
  dialectOf,
  schemaOf,
  tablePrefixOf,
  validateSqlStoreOptions,
  type SqlStoreOptions,
} from './sql-store-options.js';
import { SqliteBackend } from './sqlite/sqlite-backend.js';
import { sqliteConnectionOf } from './sqlite/sqlite-database.js';

/** A {@link TaskStore} in a SQL database through TypeORM; see {@link SqlStoreOptions}. */
export class TypeOrmTaskStore implements TaskStore {
  private readonly prefix: string;
  private backend: TaskBackend | null = null;
  private source: DataSource | null = null;
  private ownsSource = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private opening: Promise<void> | null = null;

  /**
   * @param options where the data lives; checked here (an InvalidArgumentError names a bad value).
   * @param typeorm the TypeORM module, if the caller loaded it already.
   */
  constructor(
    private readonly options: SqlStoreOptions,
    private readonly typeorm?: TypeOrmModule,
  ) {
    validateSqlStoreOptions(options);
    this.prefix = tablePrefixOf(options);
  }

  /** The DataSource in use while the store is open. */
  get dataSource(): DataSource | null {
    return this.source;
  }

  /**
   * Connects (or initializes the given DataSource if it is not yet), runs pending migrations under
   * a cross-process lock, synchronizes if asked, and prepares statements.
   */
  open(): Promise<void> {
    if (this.backend !== null) return Promise.resolve();
    // Two calls at once share one opening.
    this.opening ??= this.openOnce().finally(() => (this.opening = null));
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    const source = await this.connect();
    try {
      const names = this.namesFor(source);
      const synchronize = this.options.synchronize === true;
      await prepareStoreSchema(source, names, {
        migrate: this.options.migrationsRun ?? !synchronize,
        synchronize: synchronize ? () => this.synchronize(source) : null,
      });
      this.backend = backendFor(source, names);
    } catch (error) {
      if (this.ownsSource) await source.destroy();
      this.source = null;
      throw error;
    }
  }

  /** Waits for the calls under way, then closes the connection it opened (never a given DataSource). */
  async close(): Promise<void> {
    const source = this.source;
    this.backend = null;
    this.source = null;
    await Promise.allSettled([...this.inFlight]);
    if (this.ownsSource && source?.isInitialized === true) await source.destroy();
  }

  insertTasks(requests: readonly InsertRequest[]): Promise<InsertResult[]> {
    return this.call((backend) => backend.insertTasks(requests));
  }

  claimDue(request: ClaimRequest): Promise<ClaimResult> {
    return this.call((backend) => backend.claimDue(request));
  }

  updateTasks(updates: readonly TaskUpdate[]): Promise<boolean[]> {
    return this.call((backend) => backend.updateTasks(updates));
  }

  renewLeases(
    owner: string,
    leases: readonly LeaseRenewal[],
    now: number,
    leaseMs: number,
  ): Promise<boolean[]> {
    return this.call((backend) => backend.renewLeases(owner, leases, now, leaseMs));
  }

  findExpiredLeases(now: number, limit: number): Promise<TaskRecord[]> {
    return this.call((backend) => backend.findExpiredLeases(now, limit));
  }

  getTask(id: string): Promise<TaskRecord | null> {
    return this.call((backend) => backend.getTask(id));
  }

  listTasks(query: TaskQuery): Promise<TaskPage> {
    return this.call((backend) => backend.listTasks(query));
  }

  countTasks(): Promise<TaskCount[]> {
    return this.call((backend) => backend.countTasks());
  }

  prune(rule: PruneRule): Promise<number> {
    return this.call((backend) => backend.prune(rule));
  }

  saveSchedule(schedule: ScheduleRecord): Promise<void> {
    return this.call((backend) => backend.saveSchedule(schedule));
  }

  updateSchedule(id: string, patch: SchedulePatch): Promise<boolean> {
    return this.call((backend) => backend.updateSchedule(id, patch));
  }

  deleteSchedule(id: string): Promise<boolean> {
    return this.call((backend) => backend.deleteSchedule(id));
  }

  listSchedules(): Promise<ScheduleRecord[]> {
    return this.call((backend) => backend.listSchedules());
  }

  /** Runs an operation, counted as under way until it settles, so that close() can wait for it. */
  private call<T>(operation: (backend: TaskBackend) => Promise<T>): Promise<T> {
    const backend = this.backend;
    if (backend === null) return Promise.reject(new Error('The SQL task store is not open'));
    const promise = operation(backend);
    this.inFlight.add(promise);
    const settled = (): void => void this.inFlight.delete(promise);
    promise.then(settled, settled);
    return promise;
  }

  private async connect(): Promise<DataSource> {
    if (this.options.type === 'typeorm') {
      const source = this.options.dataSource;
      dialectOf(source.options.type);
      if (!source.isInitialized) await source.initialize();
      this.source = source;
      this.ownsSource = false;
      return source;
    }
    const typeorm = this.typeorm ?? (await loadTypeOrm());
    const source = await openDataSource(typeorm, this.options, this.prefix);
    this.source = source;
    this.ownsSource = true;
    return source;
  }

  private namesFor(source: DataSource): SqlNames {
    const dialect = dialectOf(source.options.type);
    const schema =
      dialect === 'postgres' ? (source.options as { schema?: unknown }).schema : undefined;
    return sqlNames(dialect, this.prefix, schemaOf(schema));
  }

  /** TypeORM's synchronize, which needs the store's entities registered in the DataSource. */
  private async synchronize(source: DataSource): Promise<void> {
    if (!source.hasMetadata(`${this.prefix}tasks`)) {
      throw new SchedulerConfigurationError(
        `synchronize needs the scheduler's entities in the DataSource: add ` +
          `schedulerEntities({ tablePrefix: '${this.prefix}', type: '${String(source.options.type)}' }) ` +
          `to its entities`,
      );
    }
    await source.synchronize();
  }
}

function backendFor(source: DataSource, names: SqlNames): TaskBackend {
  switch (names.dialect) {
    case 'sqlite':
      return new SqliteBackend(sqliteConnectionOf(source.driver), names);
    case 'postgres':
      return new PostgresBackend(new SqlPool(postgresAdapter(source.driver)), names);
    case 'mysql':
      return new MysqlBackend(new SqlPool(mysqlAdapter(source.driver)), names);
  }
}

/**
 * Creates an unopened SQL task store, loading TypeORM (an optional peer) first so that a missing
 * package is reported here, with what to install. Drivers load when the store opens.
 */
export async function createTypeOrmTaskStore(options: SqlStoreOptions): Promise<TaskStore> {
  validateSqlStoreOptions(options);
  const typeorm = options.type === 'typeorm' ? undefined : await loadTypeOrm();
  return new TypeOrmTaskStore(options, typeorm);
}
