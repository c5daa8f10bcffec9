/**
 * A cron schedule firing every second, declared by three instances, for a
 * minute, in each coordination mode: a shared PostgreSQL store with the
 * PostgreSQL coordinator; the same store with Redis coordination; and
 * memory stores with Redis coordination, where the Redis fire lock is the
 * only guard. 60 fires (± 1 for where the window falls), each fire time run
 * once across the instances; the lateness of the fires is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { EVERY_SECOND } from './app/settings.js';
import { buildClusterApp, Cluster, coordinationUnderTest } from './support/cluster.js';
import { LEASE, RENEW, report, runSpace, sleep } from './support/cluster-run.js';
import { cronFindings, type CronFindings } from './support/cron-checks.js';
import { LogReader } from './support/log-reader.js';

const INSTANCES = 3;
const WINDOW_MS = 60_000;

beforeAll(() => buildClusterApp(), 120_000);

const REDIS_URL = process.env.SCHEDULER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = () => ({ type: 'redis', url: REDIS_URL, keyPrefix: `schedtest:${randomUUID()}:` });

interface Mode {
  name: string;
  /** Whether the instances share the PostgreSQL store (else each has a memory store). */
  shared: boolean;
  coordination: () => object | undefined;
}

const MODES: Mode[] = [
  { name: 'PostgreSQL', shared: true, coordination: coordinationUnderTest },
  { name: 'PostgreSQL + Redis', shared: true, coordination: redis },
  { name: 'memory + Redis', shared: false, coordination: redis },
];

describe.each(MODES)("cron '* * * * * *' on 3 instances for 60 s: $name", (mode) => {
  const space = runSpace('cron');
  const cluster = new Cluster();
  const log = new LogReader(space.log);
  let findings: CronFindings;

  beforeAll(async () => {
    const coordination = mode.coordination();
    for (let i = 0; i < INSTANCES; i += 1) {
      cluster.start({
        log: space.log,
        store: mode.shared ? space.store : { type: 'memory' },
        coordination,
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
      mode.shared ? await space.tasks(`${EVERY_SECOND}@`) : null,
    );
    report(`cron exactly once (${mode.name}, 3 instances, 60 s)`, {
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
