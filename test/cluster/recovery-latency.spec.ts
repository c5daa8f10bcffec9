/**
 * One instance runs 50 long tasks while two others sit idle, and is killed
 * with SIGKILL: the others, which were up before the work arrived, start
 * every one of those tasks again within lease + renewal + 2 s of the kill,
 * and each completes once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  analyse,
  executionsOf,
  idsOf,
  recoveries,
  storeViolations,
  summarize,
  type Analysis,
  type Recovery,
} from './support/analyser.js';
import {
  buildClusterApp,
  Cluster,
  coordinationUnderTest,
  type Instance,
} from './support/cluster.js';
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

const TASKS = 50;
const WORK_MS = 10_000;
const BOUND_MS = LEASE_MS + RENEW_MS + 2_000;

beforeAll(() => buildClusterApp(), 120_000);

describe('recovery latency: the instance running 50 long tasks is killed', () => {
  const space = runSpace('recovery');
  const cluster = new Cluster();
  const log = new LogReader(space.log);
  const expected = idsOf('long-', TASKS);
  let victim: Instance;
  let found: Recovery[] = [];
  let analysis: Analysis;
  let violations: string[] = [];

  beforeAll(async () => {
    const common = {
      log: space.log,
      store: space.store,
      coordination: coordinationUnderTest(),
      workers: 64,
      workMs: WORK_MS,
      lease: LEASE,
      renewEvery: RENEW,
    };
    const survivors = [cluster.start(common), cluster.start(common)];
    await log.waitFor('the two survivors ready', (l) => l.count('ready') === 2, 60_000, cluster);
    // Frozen while the victim adds and claims, so that the 50 tasks all start on the victim.
    for (const instance of survivors) instance.pause();
    victim = cluster.start({ ...common, add: TASKS, addPrefix: 'long-' });
    const startedOnVictim = (l: LogReader): number =>
      new Set(l.of('start').flatMap((e) => (e.pid === victim.pid ? [e.task] : []))).size;
    try {
      await log.waitFor(
        'the 50 tasks started on the victim',
        (l) => startedOnVictim(l) === TASKS,
        60_000,
        cluster,
      );
    } finally {
      for (const instance of survivors) instance.resume();
    }
    // Past a renewal or two: the victim's leases now run out lease after its last renewal.
    await sleep(2 * RENEW_MS);
    await victim.kill();
    const killedAt = victim.endedAt!;
    const restarted = (l: LogReader): boolean =>
      recoveries(executionsOf(l.events), [{ pid: victim.pid, at: killedAt }]).every(
        (recovery) => recovery.restartedAt !== null,
      );
    // Timeouts are left to the checks below, which say what is missing.
    const allRestarted = await log.waitUntil(
      'every task started again',
      restarted,
      BOUND_MS + 20_000,
      cluster,
    );
    if (allRestarted) {
      await log.waitUntil(
        'every task finished',
        (l) => expected.every((id) => l.finished.has(id)),
        WORK_MS + 10_000,
        cluster,
      );
    }
    expect(await cluster.stopAll()).toEqual([]);
    log.read();
    analysis = analyse({
      events: log.events,
      expected,
      liveness: cluster.liveness(),
      losses: cluster.losses(LEASE_MS),
    });
    found = recoveries(analysis.executions, [{ pid: victim.pid, at: killedAt }]);
    violations = storeViolations(await space.tasks('long-'), expected, analysis.executions);
    const times = found.flatMap((recovery) => (recovery.ms === null ? [] : [recovery.ms]));
    const summary = summarize(times);
    report('recovery latency (PostgreSQL, lease 5 s, renewal 1.5 s, 50 tasks of 10 s)', {
      'tasks on the victim': found.length,
      'started again': `${times.length} of ${found.length}`,
      'recovery p50': `${summary.p50} ms`,
      'recovery max': `${summary.max} ms (bound ${BOUND_MS} ms)`,
      'scheduler said': messageKinds(log.events),
    });
  }, 300_000);

  afterAll(async () => {
    await cluster.killAll();
    await space.remove();
  });

  it('had all 50 tasks running on the victim when it was killed', () => {
    expect(found.map((recovery) => recovery.task).sort()).toEqual([...expected].sort());
  });

  it('starts every one of them again on a survivor within lease + renewal + 2 s', () => {
    const late = found.filter((recovery) => recovery.ms === null || recovery.ms > BOUND_MS);
    expect(late).toEqual([]);
  });

  it('completes each task once, recording the killed attempt as interrupted', () => {
    expect(analysis.lost).toEqual([]);
    expect(violations).toEqual([]);
    expect(analysis.duplicates.filter((d) => d.unexplained !== null)).toEqual([]);
    expect(analysis.overlaps).toEqual([]);
  });
});
