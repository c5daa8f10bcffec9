/**
 * Kill -9 in the middle of a run, on a SQLite file and on PostgreSQL: the
 * crash app adds 5,000 tasks and works through them, is killed with SIGKILL
 * part way, stays down for several fires of its schedules, and a new
 * process takes over. Nothing acknowledged is lost, every task completes
 * exactly once per successful attempt, the schedule added at runtime is still
 * there, and each missed fire follows its schedule's misfire policy.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTypeOrmTaskStore } from '../../../lib/store/typeorm/index.js';
import type { TaskStore } from '../../../lib/store/task-store.js';
import {
  alignTo,
  buildCrashApp,
  CrashApp,
  readLog,
  waitForLog,
  type LogLine,
} from './support/crash-app.js';
import {
  boundariesBetween,
  exactlyOnceViolations,
  fireTimes,
  repeatedFires,
  storedTasks,
} from './support/crash-checks.js';
import { dropTables, uniquePrefix } from '../../utils/sql-isolation.js';

const TASKS = 5_000;
const PERIOD = 3_000;

interface Target {
  name: string;
  store(dir: string): Record<string, unknown>;
  cleanup(store: Record<string, unknown>): Promise<void>;
}

const targets: Target[] = [
  {
    name: 'a SQLite file',
    store: (dir) => ({ type: 'sqlite', database: join(dir, 'data', 'scheduler.db') }),
    cleanup: async () => {},
  },
  {
    name: 'PostgreSQL',
    store: () => ({
      type: 'postgres',
      url: 'postgres://postgres@127.0.0.1:5432/test',
      tablePrefix: uniquePrefix('crash'),
    }),
    cleanup: (store) => dropTables('postgres', String(store.tablePrefix)),
  },
];

beforeAll(() => buildCrashApp(), 180_000);

describe.each(targets)('SIGKILL mid-run on $name', (target) => {
  const dir = mkdtempSync(join(tmpdir(), 'scheduler-crash-'));
  const logPath = join(dir, 'crash.log');
  const storeOptions = target.store(dir);
  const apps: CrashApp[] = [];
  let lines: LogLine[] = [];
  let crashed: CrashApp;
  let killedAt = 0;
  let restartedAt = 0;
  let inspector: TaskStore;

  beforeAll(async () => {
    crashed = CrashApp.start({
      log: logPath,
      store: storeOptions,
      add: TASKS,
      runtimeSchedule: true,
      // Slow enough that the 3,500 tasks left after the first 1,500 outlast the wait for the kill.
      workMs: 10,
    });
    apps.push(crashed);
    await waitForLog(
      logPath,
      (log) =>
        log.some((line) => line.event === 'all-added') &&
        log.filter((line) => line.event === 'done').length >= 1_500,
      90_000,
      apps,
    );
    // Killed half way between two fires, and down for at least two more of them.
    await alignTo(PERIOD, PERIOD / 2);
    killedAt = Date.now();
    await crashed.kill();
    await new Promise((wait) => setTimeout(wait, 2 * PERIOD + 500));
    await alignTo(PERIOD, 200);
    restartedAt = Date.now();
    const successor = CrashApp.start({ log: logPath, store: storeOptions });
    apps.push(successor);
    inspector = await createTypeOrmTaskStore(storeOptions as never);
    await inspector.open();
    const deadline = Date.now() + 90_000;
    for (;;) {
      const tasks = await storedTasks(inspector, 'work-');
      if ([...tasks.values()].filter((task) => task.status === 'completed').length === TASKS) break;
      if (Date.now() > deadline || !successor.running) {
        throw new Error(`the successor did not finish the run:\n${successor.printed}`);
      }
      await new Promise((wait) => setTimeout(wait, 200));
    }
    // Until a regular fire after the restart has run. While the catch-up run waits behind the
    // remaining work in the queue, overlap 'skip' skips the fires after it, so this may take a while.
    while (fireTimes(readLog(logPath), 'runtime-run-once', restartedAt, Infinity).length === 0) {
      if (Date.now() > deadline || !successor.running) {
        throw new Error(
          `the runtime schedule did not fire after the restart:\n${successor.printed}`,
        );
      }
      await new Promise((wait) => setTimeout(wait, 200));
    }
    expect(await successor.stop(logPath)).toBe(true);
    lines = readLog(logPath);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill()));
    await inspector?.close();
    await target.cleanup(storeOptions);
    rmSync(dir, { recursive: true, force: true });
  });

  it('was killed while tasks were running, with work left for its successor', () => {
    const before = lines.filter((line) => line.pid === crashed.pid && line.event === 'done').length;
    const after = lines.filter((line) => line.pid !== crashed.pid && line.event === 'done').length;
    expect(before).toBeGreaterThanOrEqual(1_500);
    expect(after).toBeGreaterThan(0);
    expect(lines.filter((line) => line.event === 'added')).toHaveLength(TASKS);
  });

  it('completes every acknowledged task exactly once per successful attempt', async () => {
    const acknowledged = lines
      .filter((line) => line.event === 'added')
      .map((line) => line.fields[0]!);
    const tasks = await storedTasks(inspector, 'work-');
    expect(tasks.size).toBe(TASKS);
    expect(exactlyOnceViolations(lines, tasks, acknowledged, crashed.pid)).toEqual([]);
  });

  it('records the attempts the crash cut short as interrupted, and retries them', async () => {
    const tasks = await storedTasks(inspector, 'work-');
    const interrupted = [...tasks.values()].filter((task) =>
      task.history.some((attempt) => attempt.error !== null && /interrupted/.test(attempt.error)),
    );
    expect(interrupted.length).toBeGreaterThan(0);
    for (const task of interrupted) expect(task.status).toBe('completed');
  });

  it('keeps the schedule added at runtime, which fires again after the restart', async () => {
    const schedules = await inspector.listSchedules();
    expect(schedules.map((schedule) => schedule.id)).toContain('runtime-run-once');
    const after = fireTimes(lines, 'runtime-run-once', restartedAt, Infinity);
    expect(after.length).toBeGreaterThan(0);
  });

  it('applies each misfire policy to the fires missed while nothing ran', () => {
    const missed = boundariesBetween(PERIOD, killedAt, restartedAt);
    expect(missed).toBeGreaterThanOrEqual(2);
    const caughtUp = (id: string) => fireTimes(lines, id, killedAt, restartedAt).length;
    expect({
      'runtime-run-once': caughtUp('runtime-run-once'),
      'decorated-run-once': caughtUp('decorated-run-once'),
      'decorated-skip': caughtUp('decorated-skip'),
      'decorated-run-all': caughtUp('decorated-run-all'),
    }).toEqual({
      'runtime-run-once': 1,
      'decorated-run-once': 1,
      'decorated-skip': 0,
      'decorated-run-all': Math.min(missed, 3),
    });
  });

  it('never runs a fire twice, except one the crash interrupted', () => {
    expect(repeatedFires(lines, crashed.pid)).toEqual([]);
  });
});
