/**
 * Ten instances booting at the same moment on an empty PostgreSQL schema:
 * one of them migrates while the others wait, every instance starts, each
 * decorator schedule is stored once, and no fire runs twice.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTypeOrmTaskStore } from '../../../lib/store/typeorm/index.js';
import { buildCrashApp, CrashApp, readLog, waitForLog, type LogLine } from './support/crash-app.js';
import { repeatedFires } from './support/crash-checks.js';
import { uniquePrefix } from '../../utils/sql-isolation.js';

const INSTANCES = 10;
const URL = 'postgres://postgres@127.0.0.1:5432/test';

beforeAll(() => buildCrashApp(), 180_000);

describe('ten instances booting at once on an empty PostgreSQL schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scheduler-boot-'));
  const logPath = join(dir, 'crash.log');
  const schema = uniquePrefix('boot').replace(/_$/, '');
  const store = { type: 'postgres', url: URL, schema };
  const apps: CrashApp[] = [];
  const exits: boolean[] = [];
  let lines: LogLine[] = [];

  beforeAll(async () => {
    for (let i = 0; i < INSTANCES; i += 1) apps.push(CrashApp.start({ log: logPath, store }));
    await waitForLog(
      logPath,
      (log) => log.filter((line) => line.event === 'ready').length === INSTANCES,
      90_000,
      apps,
    );
    // Two fire periods of the three-second schedules, with every instance up.
    await new Promise((wait) => setTimeout(wait, 6_500));
    exits.push(...(await Promise.all(apps.map((app) => app.stop(logPath)))));
    lines = readLog(logPath);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    const client = new pg.Client({ connectionString: URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts every instance, and each stops cleanly', () => {
    expect(lines.filter((line) => line.event === 'crashed')).toEqual([]);
    expect(
      new Set(lines.filter((line) => line.event === 'ready').map((line) => line.pid)).size,
    ).toBe(INSTANCES);
    expect(exits).toEqual(new Array(INSTANCES).fill(true));
  });

  it('migrates without an error in any instance, recording each migration once', async () => {
    const client = new pg.Client({ connectionString: URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; runs: string }>(
        `SELECT name, COUNT(*) AS runs FROM "${schema}".scheduler_migrations GROUP BY name`,
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(Number(row.runs)).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('stores each decorator schedule once', async () => {
    const inspector = await createTypeOrmTaskStore(store as never);
    await inspector.open();
    try {
      const ids = (await inspector.listSchedules()).map((schedule) => schedule.id).sort();
      expect(ids).toEqual(['decorated-run-all', 'decorated-run-once', 'decorated-skip']);
    } finally {
      await inspector.close();
    }
  });

  it('fires each schedule once per fire time, across all instances', () => {
    const fires = lines.filter((line) => line.event === 'fire');
    expect(fires.length).toBeGreaterThan(0);
    expect(repeatedFires(lines, null)).toEqual([]);
  });
});
