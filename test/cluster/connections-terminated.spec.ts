/**
 * PostgreSQL ends the scheduler's connections (pg_terminate_backend on the
 * sessions named 'nestjs-scheduler') every 5 s for a minute, while three
 * instances work through 5,000 tasks falling due over that minute. The
 * server itself stays up. Nothing is lost, no task is left running once
 * its lease has had time to run out, and none is completed twice.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { analyse, idsOf, storeViolations, type Analysis } from './support/analyser.js';
import { buildClusterApp, Cluster, coordinationUnderTest } from './support/cluster.js';
import {
  LEASE,
  LEASE_MS,
  RENEW,
  RENEW_MS,
  messageKinds,
  report,
  runSpace,
  sleep,
} from './support/cluster-run.js';
import { LogReader } from './support/log-reader.js';
import { localTcpPorts } from '../utils/local-ports.js';
import { POSTGRES_URL } from '../utils/sql-isolation.js';

const INSTANCES = 3;
const TASKS = 5_000;
const SPREAD_MS = 62_000;
const OUTAGE_MS = 60_000;
const TERMINATE_EVERY_MS = 5_000;

/**
 * Ends the scheduler sessions (named 'nestjs-scheduler', and 'nestjs-scheduler:<prefix>' for a
 * coordinator's listening connection) of the instances `pids`, picked by the local ports of
 * their sockets so that sessions of other tests on the same server are left alone. Resolves to
 * how many were ended.
 */
async function terminate(pids: readonly number[]): Promise<number> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND client_port = ANY($1::int[])
          AND (application_name = 'nestjs-scheduler' OR application_name LIKE 'nestjs-scheduler:%')`,
      [localTcpPorts(pids)],
    );
    return rows.filter((row) => row.ended).length;
  } finally {
    await client.end();
  }
}

async function runningTasks(table: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM "${table}" WHERE status = 'running' ORDER BY id`,
    );
    return rows.map((row) => row.id);
  } finally {
    await client.end();
  }
}

beforeAll(() => buildClusterApp(), 120_000);

describe("PostgreSQL terminating the scheduler's connections every 5 s for 60 s", () => {
  const space = runSpace('terminate');
  const cluster = new Cluster();
  const log = new LogReader(space.log);
  const expected: string[] = [];
  const ended: number[] = [];
  let analysis: Analysis;
  let violations: string[] = [];
  let leftRunning: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < INSTANCES; i += 1) {
      const prefix = `p${i}-`;
      const count = Math.floor(TASKS / INSTANCES) + (i < TASKS % INSTANCES ? 1 : 0);
      expected.push(...idsOf(prefix, count));
      cluster.start({
        log: space.log,
        store: space.store,
        coordination: coordinationUnderTest(),
        workers: 8,
        workMs: [20, 200],
        lease: LEASE,
        renewEvery: RENEW,
        events: true,
        add: count,
        addPrefix: prefix,
        addSpreadMs: SPREAD_MS,
        goFile: space.goFile,
      });
    }
    await log.waitFor(
      'every instance ready',
      (l) => l.count('ready') === INSTANCES,
      60_000,
      cluster,
    );
    space.go();
    await log.waitFor(
      'every task added',
      (l) => l.count('all-added') === INSTANCES,
      60_000,
      cluster,
    );
    const outageStart = Date.now();
    for (let k = 1; k <= OUTAGE_MS / TERMINATE_EVERY_MS; k += 1) {
      await sleep(outageStart + k * TERMINATE_EVERY_MS - Date.now());
      ended.push(await terminate(cluster.running.map((instance) => instance.pid)));
    }
    // The end: the last termination, or the last task falling due, whichever came later.
    const lastDue = outageStart + SPREAD_MS;
    const end = Math.max(Date.now(), lastDue);
    await sleep(end + LEASE_MS + RENEW_MS + 1_000 - Date.now());
    leftRunning = await runningTasks(`${space.tablePrefix}tasks`);
    await log.waitUntil(
      'every task finished',
      (l) => expected.every((id) => l.finished.has(id)),
      30_000,
      cluster,
    );
    expect(await cluster.stopAll()).toEqual([]);
    log.read();
    analysis = analyse({
      events: log.events,
      expected,
      liveness: cluster.liveness(),
      losses: cluster.losses(LEASE_MS),
    });
    violations = storeViolations(await space.tasks(), expected, analysis.executions);
    report('connections terminated (PostgreSQL, every 5 s for 60 s, 5,000 tasks of 20–200 ms)', {
      'sessions ended': `${ended.reduce((a, b) => a + b, 0)} (per round: ${ended.join(', ')})`,
      'tasks run more than once': analysis.duplicates.length,
      'scheduler said': messageKinds(log.events),
      lateness: `p50 ${analysis.lateness.p50} ms, p99 ${analysis.lateness.p99} ms`,
    });
  }, 400_000);

  afterAll(async () => {
    await cluster.killAll();
    await space.remove();
  });

  it('ended scheduler sessions in every round', () => {
    expect(ended).toHaveLength(OUTAGE_MS / TERMINATE_EVERY_MS);
    for (const count of ended) expect(count).toBeGreaterThan(0);
  });

  it('loses no task', () => {
    expect(analysis.lost).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('leaves no task running once lease + renewal have passed after the end', () => {
    expect(leftRunning).toEqual([]);
  });

  it('completes no task twice', () => {
    expect([...analysis.completedTwice]).toEqual([]);
    expect(analysis.attemptsRunTwice).toEqual([]);
  });

  it('never runs one task on two live instances at once', () => {
    expect(analysis.overlaps).toEqual([]);
  });
});
