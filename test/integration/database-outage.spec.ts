/**
 * The database goes away in the middle of a run and comes back (a TCP proxy
 * in front of PostgreSQL cuts every connection, and its connections are
 * also killed from the server side): the scheduler says clearly what failed,
 * keeps trying, and loses nothing it had acknowledged. A database that is
 * not there at all fails the start with a typed error that names the cause.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { StoreUnavailableError } from '../../lib/core/errors.js';
import { Scheduler } from '../../lib/core/scheduler.js';
import { createTypeOrmTaskStore } from '../../lib/store/typeorm/index.js';
import { RecordingLogger } from '../utils/scheduler-harness.js';
import { localTcpPorts } from '../utils/local-ports.js';
import { closedPort, TcpProxy } from '../utils/tcp-proxy.js';
import { dropTables, uniquePrefix } from '../utils/sql-isolation.js';
import { sleep, until } from '../utils/wait.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('PostgreSQL going away mid-run', () => {
  it('reports the outage, retries, and completes every acknowledged task once it is back', async () => {
    const proxy = new TcpProxy('127.0.0.1', 5432);
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const tablePrefix = uniquePrefix('outage');
    cleanups.push(() => dropTables('postgres', tablePrefix));
    const logger = new RecordingLogger();
    const scheduler = new Scheduler({
      store: await createTypeOrmTaskStore({
        type: 'postgres',
        url: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
        tablePrefix,
      }),
      logger,
      maxWorkers: 4,
      lease: '20s',
    });
    const runs = new Map<string, number>();
    scheduler.registerHandler('job', {
      async execute(_payload, ctx) {
        runs.set(ctx.taskId, (runs.get(ctx.taskId) ?? 0) + 1);
        await sleep(20);
      },
    });
    await scheduler.start();
    cleanups.push(() => scheduler.stop());

    const acknowledged: string[] = [];
    for (let n = 0; n < 100; n += 1)
      acknowledged.push(await scheduler.enqueue('job', { n }, { id: `job-${n}` }));
    await until(() => runs.size >= 10, 10_000, 'the first runs');

    proxy.cut();
    const refused = await scheduler.enqueue('job', {}, { id: 'during-outage' }).then(
      () => null,
      (error: unknown) => error,
    );
    await sleep(1_500);
    proxy.restore();

    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect((refused as StoreUnavailableError).message).toMatch(
      /The task store failed during insertTasks/,
    );
    await until(
      async () => {
        const page = await scheduler.getTasks({ status: 'completed', limit: 1000 });
        return acknowledged.every((id) => page.tasks.some((task) => task.id === id));
      },
      30_000,
      'every acknowledged task to complete',
    );
    expect(logger.errors.some((line) => /^the task store failed during \w+/.test(line))).toBe(true);
    expect(
      logger.lines.some((line) => /^the task store answers again after \d+ ms$/.test(line.message)),
    ).toBe(true);
    // Every completion made during the outage was written once the store was back.
    for (const id of acknowledged) expect(runs.get(id)).toBe(1);
  }, 60_000);

  it('survives its connections being terminated by the server', async () => {
    const tablePrefix = uniquePrefix('terminate');
    cleanups.push(() => dropTables('postgres', tablePrefix));
    const scheduler = new Scheduler({
      store: await createTypeOrmTaskStore({
        type: 'postgres',
        url: 'postgres://postgres@127.0.0.1:5432/test',
        tablePrefix,
      }),
      logger: new RecordingLogger(),
    });
    const done: string[] = [];
    scheduler.registerHandler('job', { execute: (_payload, ctx) => void done.push(ctx.taskId) });
    await scheduler.start();
    cleanups.push(() => scheduler.stop());
    await scheduler.enqueue('job', null, { id: 'before' });
    await until(() => done.includes('before'), 10_000, 'the first task');

    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await admin.connect();
    // This process's scheduler sessions only: other tests may be using the server meanwhile.
    const { rows: ended } = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'nestjs-scheduler' AND pid <> pg_backend_pid() AND client_port = ANY($1::int[])",
      [localTcpPorts([process.pid])],
    );
    await admin.end();
    expect(ended.length).toBeGreaterThan(0);

    // The first call on a dead connection may fail; the scheduler's next ones reconnect.
    let added = false;
    for (let attempt = 0; attempt < 5 && !added; attempt += 1) {
      added = await scheduler.enqueue('job', null, { id: 'after' }).then(
        () => true,
        () => false,
      );
    }
    expect(added).toBe(true);
    await until(
      () => done.includes('after'),
      10_000,
      'a task added after the connections were killed',
    );
  }, 30_000);
});

describe('a database that is not there', () => {
  it('fails the start with StoreUnavailableError naming the refused connection', async () => {
    const port = await closedPort();
    const scheduler = new Scheduler({
      store: await createTypeOrmTaskStore({
        type: 'postgres',
        url: `postgres://postgres@127.0.0.1:${port}/test`,
      }),
      logger: new RecordingLogger(),
    });
    const failure = await scheduler.start().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(String((failure as Error).message)).toMatch(/open.*ECONNREFUSED|ECONNREFUSED/);
    await scheduler.stop().catch(() => undefined);
  });
});
