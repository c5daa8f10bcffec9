/**
 * Three instances sharing PostgreSQL work through tasks of 20–200 ms that
 * fall due evenly over a minute, while every 2 s a random instance is
 * killed with SIGKILL and a new one started in its place. Nothing is lost;
 * a task runs twice only when the instance running it was killed; no two
 * live instances run one task at once; and everything has finished within
 * lease + 10 s of the last kill.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  analyse,
  idsOf,
  recoveries,
  storeViolations,
  summarize,
  type Analysis,
  type Kill,
} from './support/analyser.js';
import {
  buildClusterApp,
  Cluster,
  coordinationUnderTest,
  type InstanceSettings,
} from './support/cluster.js';
import {
  LEASE,
  LEASE_MS,
  messageKinds,
  RENEW,
  report,
  runSpace,
  sleep,
} from './support/cluster-run.js';
import { LogReader } from './support/log-reader.js';
import { seededRandom } from '../utils/seeded-random.js';

const INSTANCES = 3;
/** Due evenly over a little more than the churn, so that there is work until the last kill. */
const TASKS = 9_000;
const SPREAD_MS = 62_000;
const CHURN_MS = 60_000;
const KILL_EVERY_MS = 2_000;
const FINISH_BOUND_MS = LEASE_MS + 10_000;

beforeAll(() => buildClusterApp(), 120_000);

describe('SIGKILL churn: a random instance killed every 2 s for 60 s, and restarted', () => {
  const space = runSpace('churn');
  const cluster = new Cluster();
  const log = new LogReader(space.log);
  const expected: string[] = [];
  const random = seededRandom(20_261_127);
  let kills: Kill[] = [];
  let lastKill = 0;
  let analysis: Analysis;
  let violations: string[] = [];
  let lastFinish = 0;

  beforeAll(async () => {
    const common: InstanceSettings = {
      log: space.log,
      store: space.store,
      coordination: coordinationUnderTest(),
      workers: 12,
      workMs: [20, 200],
      lease: LEASE,
      renewEvery: RENEW,
    };
    for (let i = 0; i < INSTANCES; i += 1) {
      const prefix = `k${i}-`;
      const count = TASKS / INSTANCES;
      expected.push(...idsOf(prefix, count));
      cluster.start({
        ...common,
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
    const churnStart = Date.now();
    for (let k = 1; k <= CHURN_MS / KILL_EVERY_MS; k += 1) {
      await sleep(churnStart + k * KILL_EVERY_MS - Date.now());
      const running = cluster.running;
      const victim = running[Math.floor(random() * running.length)]!;
      await victim.kill();
      lastKill = victim.endedAt!;
      cluster.start(common);
    }
    await log.waitUntil(
      'every task finished',
      (l) => expected.every((id) => l.finished.has(id)),
      FINISH_BOUND_MS + 30_000,
      cluster,
    );
    expect(await cluster.stopAll()).toEqual([]);
    log.read();
    kills = cluster.losses(LEASE_MS);
    analysis = analyse({
      events: log.events,
      expected,
      liveness: cluster.liveness(),
      losses: kills,
    });
    violations = storeViolations(await space.tasks(), expected, analysis.executions);
    const firstFinish = new Map<string, number>();
    for (const run of analysis.executions) {
      if (run.outcome === 'ok' && !firstFinish.has(run.task)) firstFinish.set(run.task, run.end!);
    }
    lastFinish = Math.max(...firstFinish.values());
    const restarts = recoveries(analysis.executions, kills).flatMap((r) =>
      r.ms === null ? [] : [r.ms],
    );
    const recovery = summarize(restarts);
    report('SIGKILL churn (PostgreSQL, 9,000 tasks of 20–200 ms due over 62 s, lease 5 s)', {
      kills: kills.length,
      'tasks cut short by a kill': restarts.length,
      'restarted elsewhere after': `p50 ${recovery.p50} ms, p99 ${recovery.p99} ms, max ${recovery.max} ms`,
      'tasks run more than once': analysis.duplicates.length,
      'last task finished': `${lastFinish - lastKill} ms after the last kill (bound ${FINISH_BOUND_MS} ms)`,
      lateness: `p50 ${analysis.lateness.p50} ms, p99 ${analysis.lateness.p99} ms`,
      'torn log lines': log.malformed,
      'scheduler said': messageKinds(log.events),
    });
  }, 400_000);

  afterAll(async () => {
    await cluster.killAll();
    await space.remove();
  });

  it('killed an instance every 2 s while there was work', () => {
    expect(kills.length).toBe(CHURN_MS / KILL_EVERY_MS);
    const lastDue = Math.max(...analysis.executions.map((run) => run.due));
    expect(lastDue).toBeGreaterThan(lastKill);
    expect(log.malformed).toBeLessThanOrEqual(kills.length);
  });

  it('loses no task, and records one success for each', () => {
    expect(analysis.lost).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('runs a task again only when the instance running it was killed', () => {
    expect(analysis.duplicates.filter((d) => d.unexplained !== null)).toEqual([]);
    expect(analysis.attemptsRunTwice).toEqual([]);
  });

  it('never runs one task on two live instances at once', () => {
    expect(analysis.overlaps).toEqual([]);
  });

  it('finishes every task within lease + 10 s of the last kill', () => {
    expect(lastFinish - lastKill).toBeLessThanOrEqual(FINISH_BOUND_MS);
  });
});
