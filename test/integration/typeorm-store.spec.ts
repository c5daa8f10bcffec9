/**
 * The SQL store beyond what the contract suite can see through the
 * interface: migrations under concurrent opens, the entities matching the
 * migrations, synchronize, shared DataSources, the table prefix, large and
 * corrupt payloads, races between instances, and a throughput figure.
 * Every server must be reachable: nothing here is skipped.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { InvalidArgumentError } from '../../lib/core/errors.js';
import { MAX_ATTEMPT_HISTORY, type AttemptRecord, type TaskRecord } from '../../lib/core/types.js';
import {
  TypeOrmTaskStore,
  createTypeOrmTaskStore,
  schedulerEntities,
  schedulerMigrations,
  type SqlStoreOptions,
} from '../../lib/store/typeorm/index.js';
import type { TaskStore } from '../../lib/store/task-store.js';
import { T0, attemptRecord, insertRequest, taskRecord } from '../contract/fixtures.js';
import {
  MYSQL_URL,
  POSTGRES_URL,
  isolatedPostgres,
  isolatedSqliteFile,
  mysqlAdmin,
  uniqueName,
} from '../utils/sql-isolation.js';
import { SQL_KINDS, isolatedSql, openIsolated, type IsolatedSql } from '../utils/sql-stores.js';
import { measureThroughput } from './typeorm-throughput.js';

/** Things to release after each test, last first. */
const cleanups: (() => Promise<unknown>)[] = [];
const later = (cleanup: () => Promise<unknown>): void => void cleanups.push(cleanup);

afterEach(async () => {
  // Every cleanup runs, even after one fails, so that nothing leaks into the next test.
  const failures: unknown[] = [];
  while (cleanups.length > 0)
    await cleanups.pop()!().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
});

async function opened(
  kind: (typeof SQL_KINDS)[number],
): Promise<{ sql: IsolatedSql; store: TypeOrmTaskStore }> {
  const result = await openIsolated(kind);
  later(() => result.sql.drop());
  later(() => result.store.close());
  return result;
}

const names = new Set(['job']);

describe('migrations', () => {
  for (const kind of SQL_KINDS) {
    it(`run once when ten stores open one empty ${kind} database at the same moment`, async () => {
      const sql = isolatedSql(kind);
      later(() => sql.drop());
      const stores = Array.from({ length: 10 }, () => new TypeOrmTaskStore(sql.options));
      later(() => Promise.all(stores.map((store) => store.close())));
      await Promise.all(stores.map((store) => store.open()));
      expect(await sql.raw(`SELECT version FROM ${sql.table('migrations')}`)).toEqual([
        { version: 1 },
      ]);
      // Every store sees one set of tables: what one inserts, the others read.
      await stores[0]!.insertTasks([insertRequest([taskRecord({ id: 'shared' })])]);
      for (const store of stores) expect((await store.getTask('shared'))?.id).toBe('shared');
    });
  }

  for (const kind of SQL_KINDS) {
    it(`describe on ${kind} exactly the tables the entities describe, so synchronize changes nothing`, async () => {
      const { sql } = await opened(kind);
      const source = new DataSource(await entitiesSource(sql));
      await source.initialize();
      later(() => source.destroy());
      const pending = await source.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    });
  }

  it('are real TypeORM migrations that an application can run in its own pipeline', async () => {
    const db = isolatedSqliteFile();
    later(() => db.drop());
    const tablePrefix = `${uniqueName()}_`;
    const source = new DataSource({
      type: 'better-sqlite3',
      database: db.file,
      migrations: schedulerMigrations({ tablePrefix }),
    });
    await source.initialize();
    later(() => source.destroy());
    expect((await source.runMigrations()).map((migration) => migration.name)).toEqual([
      `SchedulerSchemaV1_${tablePrefix}1767225600000`,
    ]);
    const store = new TypeOrmTaskStore({
      type: 'typeorm',
      dataSource: source,
      tablePrefix,
      migrationsRun: false,
    });
    await store.open();
    await store.insertTasks([insertRequest([taskRecord({ id: 'migrated' })])]);
    expect((await store.getTask('migrated'))?.id).toBe('migrated');
    // The store's own runner sees the migration as done and changes nothing.
    const again = new TypeOrmTaskStore({ type: 'typeorm', dataSource: source, tablePrefix });
    await again.open();
    expect(await again.getTask('migrated')).not.toBeNull();
    await source.undoLastMigration();
    // better-sqlite3 makes its errors in the realm that first loaded it, which under Jest may be
    // another test file's: compare the message, not the class.
    await expect(store.getTask('migrated')).rejects.toHaveProperty(
      'message',
      expect.stringMatching(/no such table/),
    );
  });
});

/** A DataSource over the same database with only the scheduler's entities. */
async function entitiesSource(
  sql: IsolatedSql,
): Promise<ConstructorParameters<typeof DataSource>[0]> {
  const options = sql.options as Extract<
    SqlStoreOptions,
    { type: 'sqlite' | 'postgres' | 'mysql' }
  >;
  const tablePrefix = options.tablePrefix;
  if (options.type === 'sqlite') {
    return {
      type: 'better-sqlite3',
      database: options.database,
      entities: schedulerEntities({ tablePrefix, type: 'better-sqlite3' }),
    };
  }
  if (options.type === 'postgres') {
    return {
      type: 'postgres',
      url: POSTGRES_URL,
      schema: options.schema,
      entities: schedulerEntities({ tablePrefix, type: 'postgres' }),
    };
  }
  // TypeORM reads MariaDB's catalog right only through its 'mariadb' driver type.
  const [rows] = await mysqlAdmin('SELECT VERSION() AS v');
  const type = /mariadb/i.test(String((rows as { v: string }[])[0]!.v)) ? 'mariadb' : 'mysql';
  return { type, url: MYSQL_URL, entities: schedulerEntities({ tablePrefix, type }) };
}

describe('synchronize', () => {
  for (const kind of SQL_KINDS) {
    it(`creates working tables on ${kind} from the entities, without migrations`, async () => {
      const sql = isolatedSql(kind);
      later(() => sql.drop());
      const store = new TypeOrmTaskStore({ ...sql.options, synchronize: true } as SqlStoreOptions);
      later(() => store.close());
      await store.open();
      expect(await sql.raw(`SELECT version FROM ${sql.table('migrations')}`)).toEqual([]);
      await store.insertTasks([insertRequest([taskRecord({ id: 'synced' })])]);
      const claimed = await store.claimDue({
        queue: 'default',
        limit: 5,
        now: T0,
        owner: 'n',
        leaseMs: 1_000,
        names,
      });
      expect(claimed.tasks.map((task) => task.id)).toEqual(['synced']);
    });
  }

  it('refuses a DataSource that lacks the entities, saying what to add', async () => {
    const source = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    later(async () => source.isInitialized && (await source.destroy()));
    const store = new TypeOrmTaskStore({ type: 'typeorm', dataSource: source, synchronize: true });
    await expect(store.open()).rejects.toThrow(/schedulerEntities\(\{ tablePrefix: 'scheduler_'/);
  });
});

describe('an existing DataSource', () => {
  it('is used as it is and never destroyed by the store (SQLite)', async () => {
    const source = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await source.initialize();
    later(() => source.destroy());
    await useAndClose({ type: 'typeorm', dataSource: source });
    expect(source.isInitialized).toBe(true);
    expect(await source.query(`SELECT COUNT(*) AS n FROM "scheduler_tasks"`)).toEqual([{ n: 1 }]);
  });

  it('is initialized if it is not yet, and never destroyed by the store (PostgreSQL)', async () => {
    const db = isolatedPostgres();
    later(() => db.drop());
    const source = new DataSource({ type: 'postgres', url: POSTGRES_URL, schema: db.schema });
    later(() => source.destroy());
    await useAndClose({ type: 'typeorm', dataSource: source });
    expect(source.isInitialized).toBe(true);
    expect(
      await source.query(`SELECT COUNT(*)::int AS n FROM "${db.schema}"."scheduler_tasks"`),
    ).toEqual([{ n: 1 }]);
  });
});

async function useAndClose(options: SqlStoreOptions): Promise<void> {
  const store = await createTypeOrmTaskStore(options);
  await store.open();
  await store.insertTasks([insertRequest([taskRecord({ id: 'in-shared-source' })])]);
  expect((await store.getTask('in-shared-source'))?.id).toBe('in-shared-source');
  await store.close();
}

describe('SQLite durability settings', () => {
  const pragmas = async (options: Partial<SqlStoreOptions>) => {
    const db = isolatedSqliteFile(options as never);
    later(db.drop);
    const store = new TypeOrmTaskStore(db.options);
    await store.open();
    later(() => store.close());
    const query = (sql: string) =>
      store.dataSource!.query(sql) as Promise<Record<string, unknown>[]>;
    return {
      journal: (await query('PRAGMA journal_mode'))[0]!.journal_mode,
      synchronous: (await query('PRAGMA synchronous'))[0]!.synchronous,
    };
  };

  it('runs in WAL mode and syncs every commit (synchronous FULL) by default', async () => {
    expect(await pragmas({})).toEqual({ journal: 'wal', synchronous: 2 });
  });

  it("syncs at checkpoints only with synchronous: 'normal'", async () => {
    expect(await pragmas({ synchronous: 'normal' })).toEqual({ journal: 'wal', synchronous: 1 });
  });
});

describe('table prefix', () => {
  it('names every table and index', async () => {
    const sql = isolatedSql('sqlite', 'custom_');
    later(() => sql.drop());
    const store = new TypeOrmTaskStore(sql.options);
    later(() => store.close());
    await store.open();
    const objects = await sql.raw(
      `SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`,
    );
    expect(objects.length).toBeGreaterThan(10);
    for (const { name } of objects) expect(String(name)).toMatch(/^custom_/);
  });

  for (const bad of ['', 'bad-prefix', 'a'.repeat(31), 'x"; DROP TABLE t; --', 'é']) {
    it(`refuses ${JSON.stringify(bad)}, naming it, before connecting`, async () => {
      const options: SqlStoreOptions = { type: 'sqlite', database: ':memory:', tablePrefix: bad };
      expect(() => new TypeOrmTaskStore(options)).toThrow(InvalidArgumentError);
      expect(() => new TypeOrmTaskStore(options)).toThrow(JSON.stringify(bad).slice(0, 20));
      await expect(createTypeOrmTaskStore(options)).rejects.toThrow(InvalidArgumentError);
      expect(() => schedulerMigrations({ tablePrefix: bad })).toThrow(InvalidArgumentError);
    });
  }
});

describe('payloads', () => {
  // About 1 MiB of UTF-8 with one-, two- and four-byte characters and escapes.
  const big = `{"blob":"${'aé🌍\\"'.repeat(116_600)}"}`;

  for (const kind of SQL_KINDS) {
    it(`round-trips a 1 MiB payload on ${kind}`, async () => {
      expect(Buffer.byteLength(big)).toBeGreaterThanOrEqual(1024 * 1024);
      const { store } = await opened(kind);
      const task = taskRecord({ id: 'big', payload: big });
      await store.insertTasks([insertRequest([task])]);
      expect(await store.getTask('big')).toEqual(task);
      const claimed = await store.claimDue({
        queue: 'default',
        limit: 1,
        now: T0,
        owner: 'n',
        leaseMs: 10,
        names,
      });
      expect(claimed.tasks[0]!.payload).toBe(big);
    });

    it(`returns a corrupt payload on ${kind} as stored, for the engine to fail that task`, async () => {
      const { sql, store } = await opened(kind);
      await store.insertTasks([insertRequest([taskRecord({ id: 'corrupt' })])]);
      await sql.raw(
        `UPDATE ${sql.table('tasks')} SET payload = '{"unterminated": [1, 2' WHERE id = 'corrupt'`,
      );
      expect((await store.getTask('corrupt'))?.payload).toBe('{"unterminated": [1, 2');
      const claimed = await store.claimDue({
        queue: 'default',
        limit: 1,
        now: T0,
        owner: 'n',
        leaseMs: 10,
        names,
      });
      expect(claimed.tasks.map((task) => task.payload)).toEqual(['{"unterminated": [1, 2']);
    });
  }
});

describe('attempt history', () => {
  for (const kind of SQL_KINDS) {
    it(`keeps the newest attempts exactly on ${kind}, whatever their texts hold`, async () => {
      const { store } = await opened(kind);
      const nasty = [
        '},{',
        '{"a":1}',
        '\\u007d',
        '"quoted" \\ back',
        '🌍 ✗',
        '[]',
        ']',
        '},{"attempt":',
      ];
      await store.insertTasks([insertRequest([taskRecord({ id: 'h' })])]);
      const expected: AttemptRecord[] = [];
      for (let attempt = 1; attempt <= MAX_ATTEMPT_HISTORY + 5; attempt += 1) {
        const claim = {
          queue: 'default',
          limit: 1,
          now: T0 + attempt,
          owner: 'n',
          leaseMs: 10,
          names,
        };
        expect((await store.claimDue(claim)).tasks).toHaveLength(1);
        const record = attemptRecord({
          attempt,
          error: nasty[attempt % nasty.length]!,
          nodeId: nasty[(attempt + 3) % nasty.length]!,
        });
        expected.push(record);
        const update = {
          id: 'h',
          expect: { statuses: ['running' as const], owner: 'n', attempt },
          set: {
            status: 'retrying' as const,
            scheduledAt: T0 + attempt,
            lockedBy: null,
            lockedUntil: null,
          },
          appendAttempt: record,
        };
        expect(await store.updateTasks([update])).toEqual([true]);
      }
      expect((await store.getTask('h'))!.history).toEqual(expected.slice(-MAX_ATTEMPT_HISTORY));
    });
  }
});

describe('instances racing on one database', () => {
  for (const kind of ['postgres', 'mysql'] as const) {
    it(`insert each id once when two instances insert the same ids at once (${kind})`, async () => {
      const { sql, store } = await opened(kind);
      const other = new TypeOrmTaskStore(sql.options);
      await other.open();
      later(() => other.close());
      const fires = Array.from({ length: 100 }, (_, i) => taskRecord({ id: `fire-${i}` }));
      const requests = fires.map((task) => insertRequest([task], 'once'));
      const [mine, theirs] = await Promise.all([
        store.insertTasks(requests),
        other.insertTasks([...requests].reverse()),
      ]);
      const inserted = (results: typeof mine): boolean[] =>
        results.map((result) => result.ok && result.outcomes[0]!.inserted);
      const both = inserted(mine).map(
        (won, i) => Number(won) + Number(inserted(theirs).reverse()[i]),
      );
      expect(both).toEqual(fires.map(() => 1));
      expect((await store.listTasks({ limit: 1000, offset: 0 })).total).toBe(100);
    });

    it(`never lets two instances claim one task (${kind})`, async () => {
      const { sql, store } = await opened(kind);
      const others = await Promise.all(
        [1, 2].map(async () => {
          const other = new TypeOrmTaskStore(sql.options);
          await other.open();
          later(() => other.close());
          return other;
        }),
      );
      const tasks = Array.from({ length: 300 }, () => taskRecord());
      await store.insertTasks([insertRequest(tasks)]);
      const claimAll = async (claimer: TaskStore, owner: string): Promise<TaskRecord[]> => {
        const mine: TaskRecord[] = [];
        for (;;) {
          const { tasks: got } = await claimer.claimDue({
            queue: 'default',
            limit: 7,
            now: T0,
            owner,
            leaseMs: 60_000,
            names,
          });
          if (got.length === 0) return mine;
          mine.push(...got);
        }
      };
      const claimed = (
        await Promise.all([store, ...others].map((s, i) => claimAll(s, `node-${i}`)))
      ).flat();
      expect(claimed.map((task) => task.id).sort()).toEqual(tasks.map((task) => task.id).sort());
    });
  }
});

describe('throughput', () => {
  for (const kind of SQL_KINDS) {
    it(`inserts, claims and completes 5,000 tasks in batches on ${kind} (printed, not asserted)`, async () => {
      const { store } = await opened(kind);
      const result = await measureThroughput(store, 5_000, 250);
      console.log(`${kind}: ${result}`);
      expect((await store.countTasks()).map((row) => [row.status, row.count])).toEqual([
        ['completed', 5_000],
      ]);
    });
  }
});
