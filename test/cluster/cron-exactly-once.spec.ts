/**
 * A cron schedule firing every second, declared by three instances sharing
 * PostgreSQL, for a minute: 60 fires (± 1 for where the window falls), each
 * fire time run once across the instances; the lateness of the fires is
 * printed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVERY_SECOND } from './app/settings.js';
import { buildClusterApp, Cluster, coordinationUnderTest } from './support/cluster.js';
import { LEASE, RENEW, report, runSpace, sleep } from './support/cluster-run.js';
import { cronFindings, type CronFindings } from './support/cron-checks.js';
import { LogReader } from './support/log-reader.js';

const INSTANCES = 3;
const WINDOW_MS = 60_000;

beforeAll(() => buildClusterApp(), 120_000);

describe("cron '* * * * * *' on 3 instances for 60 s", () => {
  const space = runSpace('cron');
  const cluster = new Cluster();
  const log = new LogReader(space.log);
  let findings: CronFindings;

  beforeAll(async () => {
    for (let i = 0; i < INSTANCES; i += 1) {
      cluster.start({
        log: space.log,
        store: space.store,
        coordination: coordinationUnderTest(),
        lease: LEASE,
        renewEvery: RENEW,
        cron: true,
        events: true,
      });
    }
    await log.waitFor(
      'every instance ready',
      (l) => l.count('ready') === INSTANCES,
      60_000,
      cluster,
    );
    // From the first whole second after every instance is up.
    const from = Math.ceil((Date.now() + 1_000) / 1_000) * 1_000;
    const to = from + WINDOW_MS;
    await sleep(to + 2_000 - Date.now());
    expect(await cluster.stopAll()).toEqual([]);
    log.read();
    findings = cronFindings(
      log.events,
      EVERY_SECOND,
      { from, to },
      await space.tasks(`${EVERY_SECOND}@`),
    );
    report('cron exactly once (PostgreSQL, 3 instances, 60 s)', {
      'fire times run': `${findings.fires} (expected 60 ± 1)`,
      'fires per instance': findings.perInstance.join(', '),
      'fires run by another instance than their creator': `${findings.runElsewhere}`,
      'last fire created, per instance': findings.lastCreated.join('; '),
      'fire times run twice': findings.repeated.length,
      lateness: `p50 ${findings.lateness.p50} ms, p99 ${findings.lateness.p99} ms, max ${findings.lateness.max} ms`,
    });
  }, 300_000);

  afterAll(async () => {
    await cluster.killAll();
    await space.remove();
  });

  it('runs 60 ± 1 fire times in 60 s', () => {
    expect(findings.fires).toBeGreaterThanOrEqual(WINDOW_MS / 1_000 - 1);
    expect(findings.fires).toBeLessThanOrEqual(WINDOW_MS / 1_000 + 1);
  });

  it('runs each fire time once across the instances', () => {
    expect(findings.repeated).toEqual([]);
  });

  it('stores each fire once, as a completed task', () => {
    expect(findings.storeProblems).toEqual([]);
  });

  it('fires only at times the run reached', () => {
    expect(findings.outside).toEqual([]);
  });
});
