/**
 * Three instances whose clocks disagree by ±5 minutes (one 5 min behind,
 * one right, one 5 min ahead) share PostgreSQL: the exclusivity and cron
 * scenarios give the same results as with agreeing clocks. Both run at
 * once: 6,000 tasks of 20–200 ms added through all three, and the
 * every-second schedule for a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVERY_SECOND } from './app/settings.js';
import { analyse, idsOf, storeViolations, type Analysis } from './support/analyser.js';
import { buildClusterApp, Cluster, coordinationUnderTest } from './support/cluster.js';
import {
  LEASE,
  LEASE_MS,
  messageKinds,
  RENEW,
  report,
  runSpace,
  sleep,
} from './support/cluster-run.js';
import { cronFindings, type CronFindings } from './support/cron-checks.js';
import { LogReader } from './support/log-reader.js';

const OFFSETS_MS = [-5 * 60_000, 0, 5 * 60_000];
const TASKS_EACH = 2_000;
const WINDOW_MS = 60_000;

beforeAll(() => buildClusterApp(), 120_000);

describe('clocks skewed by ±5 minutes across 3 instances', () => {
  const space = runSpace('skew');
  const cluster = new Cluster();
  const log = new LogReader(space.log);
  const expected: string[] = [];
  let analysis: Analysis;
  let violations: string[] = [];
  let cron: CronFindings;

  beforeAll(async () => {
    OFFSETS_MS.forEach((offset, i) => {
      const prefix = `s${i}-`;
      expected.push(...idsOf(prefix, TASKS_EACH));
      cluster.start({
        log: space.log,
        store: space.store,
        coordination: coordinationUnderTest(),
        clockOffsetMs: offset,
        workers: 12,
        workMs: [20, 200],
        lease: LEASE,
        renewEvery: RENEW,
        cron: true,
        events: true,
        add: TASKS_EACH,
        addPrefix: prefix,
        goFile: space.goFile,
      });
    });
    await log.waitFor(
      'every instance ready',
      (l) => l.count('ready') === OFFSETS_MS.length,
      60_000,
      cluster,
    );
    space.go();
    const from = Math.ceil((Date.now() + 1_000) / 1_000) * 1_000;
    const to = from + WINDOW_MS;
    await sleep(to + 2_000 - Date.now());
    await log.waitUntil(
      'every task finished',
      (l) => expected.every((id) => l.finished.has(id)),
      30_000,
      cluster,
    );
    expect(await cluster.stopAll()).toEqual([]);
    log.read();
    analysis = analyse({
      events: log.events.filter((e) => !('schedule' in e) || e.schedule === null),
      expected,
      liveness: cluster.liveness(),
      losses: cluster.losses(LEASE_MS),
    });
    violations = storeViolations(await space.tasks('s'), expected, analysis.executions);
    cron = cronFindings(
      log.events,
      EVERY_SECOND,
      { from, to },
      await space.tasks(`${EVERY_SECOND}@`),
    );
    report('clock skew ±5 min (PostgreSQL, 3 instances, 6,000 tasks and a per-second cron)', {
      'tasks finished': `${expected.filter((id) => log.finished.has(id)).length} of ${expected.length}`,
      'tasks run more than once': analysis.duplicates.length,
      'overlapping executions': analysis.overlaps.length,
      'fire times run': `${cron.fires} in 60 s (expected 60 ± 1)`,
      'fires run by another instance than their creator': `${cron.runElsewhere}`,
      'last fire created, per instance': cron.lastCreated.join('; '),
      'fire times run twice': cron.repeated.length,
      'fires at times never reached': cron.outside.length,
      'cron lateness': `p50 ${cron.lateness.p50} ms, p99 ${cron.lateness.p99} ms`,
      'scheduler said': messageKinds(log.events),
    });
  }, 400_000);

  afterAll(async () => {
    await cluster.killAll();
    await space.remove();
  });

  it('completes every task, once', () => {
    expect(analysis.lost).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('runs no task twice, and never on two instances at once', () => {
    expect(analysis.duplicates.map((d) => d.task)).toEqual([]);
    expect(analysis.attemptsRunTwice).toEqual([]);
    expect(analysis.overlaps).toEqual([]);
  });

  it('runs 60 ± 1 fire times in 60 s, each once', () => {
    expect(cron.fires).toBeGreaterThanOrEqual(WINDOW_MS / 1_000 - 1);
    expect(cron.fires).toBeLessThanOrEqual(WINDOW_MS / 1_000 + 1);
    expect(cron.repeated).toEqual([]);
    expect(cron.storeProblems).toEqual([]);
  });

  it('fires only at times the run reached', () => {
    expect(cron.outside).toEqual([]);
  });
});
