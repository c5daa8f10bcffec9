/**
 * Two engines sharing one PostgreSQL store through the PostgreSQL
 * coordinator, in one process: an add on one wakes the other at once
 * (LISTEN/NOTIFY, not polling), a cancel reaches the instance running the
 * task, time is read on the database's clock, and a lost listening
 * connection comes back.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { PostgresCoordinator } from '../../lib/coordination/postgres/postgres-coordinator.js';
import { systemClock, type Clock } from '../../lib/core/clock.js';
import type { TaskContext } from '../../lib/core/handler.js';
import { Scheduler } from '../../lib/core/scheduler.js';
import { createTypeOrmTaskStore } from '../../lib/store/typeorm/index.js';
import { RecordingLogger } from '../utils/scheduler-harness.js';
import { dropTables, POSTGRES_URL, uniquePrefix } from '../utils/sql-isolation.js';
import { sleep, until } from '../utils/wait.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Node {
  scheduler: Scheduler;
  coordinator: PostgresCoordinator;
  logger: RecordingLogger;
  runs: string[];
  signals: Map<string, AbortSignal>;
}

/** An engine on the shared tables; its handler `job` records runs and may hold until aborted. */
async function startNode(
  tablePrefix: string,
  nodeId: string,
  options: {
    pollIntervalMs?: number;
    clock?: Clock;
    hold?: boolean;
    pausedQueue?: boolean;
    shutdownTimeout?: number;
  } = {},
): Promise<Node> {
  const logger = new RecordingLogger();
  const clock = options.clock ?? systemClock;
  const coordinator = new PostgresCoordinator({
    connection: async () => ({ connectionString: POSTGRES_URL }),
    tablePrefix,
    clock,
    nodeId,
    pollIntervalMs: options.pollIntervalMs ?? 60_000,
    logger,
  });
  const scheduler = new Scheduler({
    store: await createTypeOrmTaskStore({ type: 'postgres', url: POSTGRES_URL, tablePrefix }),
    coordinator,
    clock,
    logger,
    queues: { q: {} },
    ...(options.shutdownTimeout === undefined ? {} : { shutdownTimeout: options.shutdownTimeout }),
  });
  const runs: string[] = [];
  const signals = new Map<string, AbortSignal>();
  scheduler.registerHandler('job', {
    execute: (_payload: unknown, ctx: TaskContext) => {
      runs.push(ctx.taskId);
      signals.set(ctx.taskId, ctx.signal);
      if (!options.hold) return undefined;
      return new Promise<void>((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), {
          once: true,
        }),
      );
    },
  });
  await scheduler.start();
  if (options.pausedQueue) await scheduler.pauseQueue('q');
  cleanups.push(() => scheduler.stop());
  return { scheduler, coordinator, logger, runs, signals };
}

function sharedTables(): string {
  const tablePrefix = uniquePrefix('coord');
  cleanups.push(() => dropTables('postgres', tablePrefix));
  return tablePrefix;
}

describe('PostgreSQL coordination', () => {
  it('wakes an idle instance at once when another adds work (no polling: the poll is a minute)', async () => {
    const tablePrefix = sharedTables();
    const idle = await startNode(tablePrefix, 'node-idle');
    const adder = await startNode(tablePrefix, 'node-adder', { pausedQueue: true });
    await sleep(100); // both idle: their start-up claims found nothing
    const started = Date.now();
    const id = await adder.scheduler.enqueueToQueue('q', 'job', { n: 1 });
    await until(() => idle.runs.includes(id), 2_000, 'the idle instance to run the task');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(adder.runs).toEqual([]);
    await until(
      async () => (await adder.scheduler.getTask(id))?.status === 'completed',
      2_000,
      'the completion to be visible from the other instance',
    );
    expect((await adder.scheduler.getTask(id))?.nodeId).toBe('node-idle');
  });

  it('finds work nobody announced within the poll interval', async () => {
    const tablePrefix = sharedTables();
    const polling = await startNode(tablePrefix, 'node-poll', { pollIntervalMs: 200 });
    // A second engine without the coordinator: it announces nothing.
    const silent = new Scheduler({
      store: await createTypeOrmTaskStore({ type: 'postgres', url: POSTGRES_URL, tablePrefix }),
      logger: new RecordingLogger(),
      queues: { q: {} },
    });
    silent.registerHandler('job', { execute: () => undefined });
    await silent.start();
    cleanups.push(() => silent.stop());
    await silent.pauseQueue('q');
    const id = await silent.enqueueToQueue('q', 'job');
    await until(() => polling.runs.includes(id), 2_000, 'the polling instance to find the task');
  });

  it('forwards a cancel to the instance running the task, whose signal aborts', async () => {
    const tablePrefix = sharedTables();
    const runner = await startNode(tablePrefix, 'node-runner', { hold: true });
    const other = await startNode(tablePrefix, 'node-other', { pausedQueue: true });
    const id = await other.scheduler.enqueueToQueue('q', 'job');
    await until(() => runner.runs.includes(id), 2_000, 'the task to start on the runner');
    await other.scheduler.cancelJob(id);
    await until(() => runner.signals.get(id)?.aborted === true, 2_000, 'the signal to abort');
    await until(
      async () => (await other.scheduler.getTask(id))?.status === 'cancelled',
      2_000,
      'the task to read cancelled',
    );
  });

  it("reads time on the database's clock, whatever this instance's clock says", async () => {
    const tablePrefix = sharedTables();
    const skewed: Clock = { ...systemClock, now: () => Date.now() + 5 * 60_000 };
    const node = await startNode(tablePrefix, 'node-skewed', { clock: skewed });
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const { rows } = await client.query<{ now: number }>(
      'SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS now',
    );
    await client.end();
    expect(Math.abs(node.coordinator.now() - rows[0]!.now)).toBeLessThan(250);
    expect(node.coordinator.clockOffsetMs).toBeLessThan(-4 * 60_000);
    // A task added now on the skewed instance is due now, not in five minutes' time.
    const id = await node.scheduler.enqueueToQueue('q', 'job');
    await until(() => node.runs.includes(id), 2_000, 'the task to run');
  });

  it('hands the tasks a stopping instance aborts to another at once, not after the lease', async () => {
    const tablePrefix = sharedTables();
    const stopping = await startNode(tablePrefix, 'node-stopping', {
      hold: true,
      shutdownTimeout: 100,
    });
    const id = await stopping.scheduler.enqueueToQueue('q', 'job');
    await until(() => stopping.runs.includes(id), 2_000, 'the task to start');
    const other = await startNode(tablePrefix, 'node-other-2');
    await sleep(100);
    const stoppedAt = Date.now();
    await stopping.scheduler.stop();
    await until(() => other.runs.includes(id), 2_000, 'the other instance to take the task');
    expect(Date.now() - stoppedAt).toBeLessThan(1_500); // the lease is 30 s, the poll a minute
  });

  it('keeps deployments in different schemas apart, even under the same table prefix', async () => {
    const tablePrefix = uniquePrefix('coordschema');
    const heard: string[] = [];
    const coordinator = (schema: string, nodeId: string) => {
      const made = new PostgresCoordinator({
        connection: async () => ({ connectionString: POSTGRES_URL }),
        tablePrefix,
        schema,
        clock: systemClock,
        nodeId,
        pollIntervalMs: 60_000,
        logger: new RecordingLogger(),
      });
      cleanups.push(() => made.stop());
      return made;
    };
    const signals = (schema: string) => ({
      workAvailable: (queue: string) => heard.push(`${schema}:${queue}`),
      cancelRequested: () => undefined,
      pollAll: () => undefined,
    });
    const [a, a2, b] = [
      coordinator('alpha', 'node-a1'),
      coordinator('alpha', 'node-a2'),
      coordinator('beta', 'node-b'),
    ];
    await a.start(signals('alpha-1'));
    await a2.start(signals('alpha-2'));
    await b.start(signals('beta'));
    a.announceWork('q', Date.now());
    await until(() => heard.includes('alpha-2:q'), 2_000, 'the same schema to hear it');
    await sleep(100);
    expect(heard).toEqual(['alpha-2:q']);
  });

  it('comes back after its listening connection is killed, and wakes instances again', async () => {
    const tablePrefix = sharedTables();
    const idle = await startNode(tablePrefix, 'node-idle-2');
    const adder = await startNode(tablePrefix, 'node-adder-2', { pausedQueue: true });
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    const { rows } = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [`nestjs-scheduler:${tablePrefix}`],
    );
    expect(rows).toHaveLength(2); // one listening connection per instance
    await admin.end();
    await until(
      () => idle.logger.lines.some((line) => /connection is back after \d+ ms/.test(line.message)),
      5_000,
      'the idle instance to reconnect',
    );
    expect(idle.logger.warnings.some((line) => /connection was lost/.test(line))).toBe(true);
    await until(
      () => adder.logger.lines.some((line) => /connection is back/.test(line.message)),
      5_000,
      'the adding instance to reconnect',
    );
    const id = await adder.scheduler.enqueueToQueue('q', 'job');
    await until(() => idle.runs.includes(id), 1_000, 'the idle instance to be woken again');
  });
});
