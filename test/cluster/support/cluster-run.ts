/**
 * What every cluster scenario sets up: tables of its own in PostgreSQL, a
 * directory for the execution log, and a way to read the store afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskRecord } from '../../../lib/core/types.js';
import type { ExecutionEvent } from '../app/execution-log.js';
import type { TaskStore } from '../../../lib/store/task-store.js';
import { createTypeOrmTaskStore } from '../../../lib/store/typeorm/index.js';
import { storedTasks } from '../../chaos/crash/support/crash-checks.js';
import { dropTables, POSTGRES_URL, uniquePrefix } from '../../utils/sql-isolation.js';

/** The shortened lease of the cluster runs, and its renewal period. */
export const LEASE_MS = 5_000;
export const RENEW_MS = 1_500;
export const LEASE = `${LEASE_MS}ms`;
export const RENEW = `${RENEW_MS}ms`;

/** A run's files and tables. */
export interface RunSpace {
  dir: string;
  log: string;
  /** Instances given it as CLUSTER_GO_FILE add their tasks once it exists. */
  goFile: string;
  tablePrefix: string;
  store: { type: 'postgres'; url: string; tablePrefix: string };
  /** Lets waiting instances add their tasks. */
  go(): void;
  /** The store's tasks whose id starts with `prefix`, through a store of its own. */
  tasks(prefix?: string): Promise<Map<string, TaskRecord>>;
  remove(): Promise<void>;
}

export function runSpace(label: string): RunSpace {
  const dir = mkdtempSync(join(tmpdir(), `scheduler-cluster-${label}-`));
  const tablePrefix = uniquePrefix(label);
  const store = { type: 'postgres' as const, url: POSTGRES_URL, tablePrefix };
  let inspector: TaskStore | null = null;
  const goFile = join(dir, 'go');
  return {
    dir,
    log: join(dir, 'execution.log'),
    goFile,
    tablePrefix,
    store,
    go: () => writeFileSync(goFile, ''),
    async tasks(prefix = '') {
      if (inspector === null) {
        inspector = await createTypeOrmTaskStore({ ...store, poolSize: 2 });
        await inspector.open();
      }
      return storedTasks(inspector, prefix);
    },
    async remove() {
      await inspector?.close();
      await dropTables('postgres', tablePrefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Prints measured figures so that they show in CI output. */
export function report(title: string, figures: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(figures).map((key) => key.length));
  const lines = Object.entries(figures).map(([key, value]) => `  ${key.padEnd(width)}  ${value}`);
  console.log(`${title}\n${lines.join('\n')}`);
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** The scheduler's warnings and errors in a log, grouped by text with ids and numbers blanked. */
export function messageKinds(events: readonly ExecutionEvent[], limit = 6): string {
  const kinds = new Map<string, number>();
  for (const event of events) {
    if (event.e !== 'warn' && event.e !== 'error') continue;
    const text = `${event.e}: ${(event.detail ?? '').split('\n')[0]!}`
      .replace(/[A-Za-z0-9_.-]*-\d+-[0-9a-f]{6}/g, '<node>')
      .replace(/\b[a-z]+\d*-\d+\b/g, '<task>')
      .replace(/\d+/g, 'N')
      .slice(0, 160);
    kinds.set(text, (kinds.get(text) ?? 0) + 1);
  }
  const sorted = [...kinds].sort((a, b) => b[1] - a[1]).slice(0, limit);
  return sorted.length === 0 ? 'none' : sorted.map(([text, n]) => `\n    ${n} × ${text}`).join('');
}
