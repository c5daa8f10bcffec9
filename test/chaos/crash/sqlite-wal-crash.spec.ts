/**
 * SQLite in WAL mode, killed with SIGKILL while 5,000 adds are under way:
 * the database file is intact, every add that resolved is there, and the
 * application starts again on it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTypeOrmTaskStore } from '../../../lib/store/typeorm/index.js';
import { buildCrashApp, CrashApp, readLog, waitForLog } from './support/crash-app.js';

beforeAll(() => buildCrashApp(), 180_000);

describe.each(['full', 'normal'] as const)(
  'SQLite (synchronous %s) killed during 5,000 adds',
  (synchronous) => {
    const dir = mkdtempSync(join(tmpdir(), 'scheduler-wal-'));
    const logPath = join(dir, 'crash.log');
    const database = join(dir, 'scheduler.db');
    const store = { type: 'sqlite', database, synchronous };
    let acknowledged: string[] = [];

    beforeAll(async () => {
      // One slow worker: the run is about adds, not about running them.
      const app = CrashApp.start({
        log: logPath,
        store,
        add: 5_000,
        addConcurrency: 20,
        workers: 1,
        workMs: 50,
      });
      await waitForLog(
        logPath,
        (log) => log.filter((line) => line.event === 'added').length >= 1_200,
        60_000,
        [app],
      );
      await app.kill();
      acknowledged = readLog(logPath)
        .filter((line) => line.event === 'added')
        .map((line) => line.fields[0]!);
    }, 120_000);

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('was killed before every add resolved', () => {
      expect(acknowledged.length).toBeGreaterThanOrEqual(1_200);
      expect(acknowledged.length).toBeLessThan(5_000);
    });

    it('leaves a database that passes PRAGMA integrity_check', () => {
      const db = new Database(database);
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
    });

    it('holds every add that had resolved', async () => {
      const inspector = await createTypeOrmTaskStore(store as never);
      await inspector.open();
      try {
        const missing: string[] = [];
        for (const id of acknowledged) if ((await inspector.getTask(id)) === null) missing.push(id);
        expect(missing).toEqual([]);
      } finally {
        await inspector.close();
      }
    });

    it('starts again on the same file and goes on with the work', async () => {
      const app = CrashApp.start({ log: logPath, store, workers: 8, workMs: 1 });
      const pid = app.pid;
      await waitForLog(
        logPath,
        (log) => log.some((line) => line.pid === pid && line.event === 'done'),
        30_000,
        [app],
      );
      expect(await app.stop(logPath)).toBe(true);
    }, 60_000);
  },
);
