/**
 * Every instance down for several fire periods, then all restarted together
 * (on PostgreSQL): `run-once` catches up once per schedule, `skip` not at
 * all, `run-all` exactly min(missed, maxCatchUp) times — however many
 * instances compute the catch-up, as each fire has one id.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alignTo,
  buildCrashApp,
  CrashApp,
  readLog,
  waitForLog,
  type LogLine,
} from './support/crash-app.js';
import { boundariesBetween, fireTimes, repeatedFires } from './support/crash-checks.js';
import { dropTables, uniquePrefix } from '../../utils/sql-isolation.js';

const INSTANCES = 3;
const PERIOD = 3_000;

beforeAll(() => buildCrashApp(), 180_000);

describe('all instances down for several fire periods, restarted together', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scheduler-misfire-'));
  const logPath = join(dir, 'crash.log');
  const tablePrefix = uniquePrefix('misfire');
  const store = { type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', tablePrefix };
  const apps: CrashApp[] = [];
  let lines: LogLine[] = [];
  let stoppedAt = 0;
  let restartedAt = 0;

  const startAll = (): CrashApp[] => {
    const started = Array.from({ length: INSTANCES }, () =>
      CrashApp.start({ log: logPath, store }),
    );
    apps.push(...started);
    return started;
  };

  beforeAll(async () => {
    const first = startAll();
    await waitForLog(logPath, (log) => log.some((line) => line.event === 'fire'), 30_000, first);
    await alignTo(PERIOD, PERIOD / 2);
    stoppedAt = Date.now();
    expect(await Promise.all(first.map((app) => app.stop(logPath)))).toEqual(first.map(() => true));
    await new Promise((wait) => setTimeout(wait, 4 * PERIOD));
    await alignTo(PERIOD, 200);
    restartedAt = Date.now();
    const second = startAll();
    await waitForLog(
      logPath,
      (log) =>
        log.filter((line) => line.event === 'ready' && line.at >= restartedAt).length === INSTANCES,
      30_000,
      second,
    );
    await new Promise((wait) => setTimeout(wait, PERIOD + 500));
    expect(await Promise.all(second.map((app) => app.stop(logPath)))).toEqual(
      second.map(() => true),
    );
    lines = readLog(logPath);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await dropTables('postgres', tablePrefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows each schedule’s misfire policy exactly once across the instances', () => {
    const missed = boundariesBetween(PERIOD, stoppedAt, restartedAt);
    expect(missed).toBeGreaterThanOrEqual(4);
    const caughtUp = (id: string) => fireTimes(lines, id, stoppedAt, restartedAt).length;
    expect({
      'decorated-run-once': caughtUp('decorated-run-once'),
      'decorated-skip': caughtUp('decorated-skip'),
      'decorated-run-all': caughtUp('decorated-run-all'),
    }).toEqual({
      'decorated-run-once': 1,
      'decorated-skip': 0,
      'decorated-run-all': Math.min(missed, 3),
    });
  });

  it('goes on firing on time after the restart, each fire once', () => {
    for (const id of ['decorated-run-once', 'decorated-skip', 'decorated-run-all']) {
      expect(fireTimes(lines, id, restartedAt, Number.MAX_SAFE_INTEGER).length).toBeGreaterThan(0);
    }
    expect(repeatedFires(lines, null)).toEqual([]);
  });
});
