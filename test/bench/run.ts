/**
 * The benchmark runner (`npm run bench`): runs the selected workloads in
 * order on compiled JS, prints one table and writes results.json.
 * Targets are reported, not enforced: the exit code is non-zero only when a
 * workload crashes.
 *
 *   npm run bench -- --only w1 --tasks 20000
 *   npm run bench -- --only w1,w4 --store postgres
 *   npm run bench -- --only w1,w2 --store postgres --instances 2
 */
import { execFileSync, type ExecFileSyncOptionsWithStringEncoding } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  describeStore,
  SQLITE_SYNC_LEVELS,
  STORE_KINDS,
  type SqliteSync,
  type StoreKind,
} from './storage.js';
import {
  formatTarget,
  formatValue,
  verdict,
  NEAR_MARGIN,
  type Measurement,
  type Verdict,
} from './measurement.js';
import { closeInstanceHosts } from './instance-hosts.js';
import { canCollect, now } from './stats.js';
import { w1Burst } from './w1-burst.js';
import { w2Lateness } from './w2-lateness.js';
import { w3Cron } from './w3-cron.js';
import { w4Scale } from './w4-scale.js';
import type { RunParams, Workload } from './workload.js';

/** How long a socket being closed may take before it counts as left over. */
const LEFTOVER_GRACE_MS = 50;

const WORKLOADS: readonly Workload[] = [w1Burst, w2Lateness, w3Cron, w4Scale];

const USAGE = `Usage: npm run bench -- [options]

  --only w1,w3       workloads to run (repeatable; default all: ${WORKLOADS.map((w) => w.id).join(', ')})
  --tasks N          tasks per round of W1, W2 and W4 (defaults 20000, 2000, 100000;
                     W1 on a SQL store 10000)
  --fires N          fire times per expression in W3 (default 100)
  --rounds N         timed rounds of each workload (defaults W1 5, W2 1, W3 7, W4 3;
                     on a SQL store W1 3 and W4 1)
  --no-warmup        skip the untimed warm-up rounds
  --store KIND       store behind the engine: ${STORE_KINDS.join(', ')} (default memory);
                     each deployment gets fresh storage (SQLite a temporary file,
                     PostgreSQL a schema, MySQL a table prefix), removed afterwards
  --sqlite-sync LVL  SQLite's synchronous level: ${SQLITE_SYNC_LEVELS.join(', ')}
                     (default: the store's, full)
  --instances N      engine instances sharing the store (default 1); more: W1 and W2 on
                     PostgreSQL, N-1 of them in worker processes
  --out FILE         where to write the JSON results (default test/bench/results.json)
  --help             show this text

Workloads:
${WORKLOADS.map((w) => `  ${w.id}  ${w.title}`).join('\n')}

On a SQL store, W1 reports tasks/s (steady heap only) instead of a share of
fastq: targets SQLite >= 10,000, PostgreSQL >= 5,000, MySQL aim 5,000 tasks/s,
with the store's claim, update and insert transactions per second beside it.
W4 adds restart recovery (1,000 due tasks among the pending ones, a new
scheduler over the stored tasks: start() until they ran, target <= 5,000 ms)
and leaves out heap per task. W2 runs on any store; W3 uses none.
PostgreSQL and MySQL are reached at SCHEDULER_TEST_PG_URL and
SCHEDULER_TEST_MYSQL_URL (default 127.0.0.1, database test).

With --instances N (PostgreSQL; W1 and W2), the main process adds the tasks
and runs one instance, N-1 worker processes run one each, all over the same
tables and coordinated through PostgreSQL (LISTEN/NOTIFY; the fallback poll
is 60 s, so that no figure leans on it). W1 pairs each burst with one on a
single instance and holds N instances to that figure; W2 reports lateness
with every instance running and with the adding one paused (every task then
runs where a notification woke it), target p99 <= 50 ms.`;

interface Cli {
  workloads: Workload[];
  params: RunParams;
  out: string;
}

/** The package root: three levels above dist/test/bench/run.js. */
function packageRoot(): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return existsSync(resolve(root, 'package.json')) ? root : process.cwd();
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${flag} ${text}: use a positive integer`);
  }
  return value;
}

class UsageError extends Error {}

function parseCli(argv: string[]): Cli | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', multiple: true },
      tasks: { type: 'string' },
      fires: { type: 'string' },
      rounds: { type: 'string' },
      'no-warmup': { type: 'boolean', default: false },
      store: { type: 'string', default: 'memory' },
      'sqlite-sync': { type: 'string' },
      instances: { type: 'string', default: '1' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  const ids = (values.only ?? []).flatMap((item) => item.split(',')).map((id) => id.trim());
  const unknown = ids.filter((id) => !WORKLOADS.some((w) => w.id === id.toLowerCase()));
  if (unknown.length > 0) throw new UsageError(`--only: unknown workload(s) ${unknown.join(', ')}`);
  const selected = new Set(ids.map((id) => id.toLowerCase()));
  const store = values.store;
  if (!STORE_KINDS.includes(store as StoreKind)) {
    throw new UsageError(`--store ${store}: use one of ${STORE_KINDS.join(', ')}`);
  }
  const sqliteSync = values['sqlite-sync'];
  if (sqliteSync !== undefined) {
    if (store !== 'sqlite') throw new UsageError(`--sqlite-sync: only with --store sqlite`);
    if (!SQLITE_SYNC_LEVELS.includes(sqliteSync as SqliteSync)) {
      throw new UsageError(
        `--sqlite-sync ${sqliteSync}: use one of ${SQLITE_SYNC_LEVELS.join(', ')}`,
      );
    }
  }
  const workloads = WORKLOADS.filter((w) => selected.size === 0 || selected.has(w.id));
  const instances = positiveInteger('instances', values.instances)!;
  if (instances > 1) {
    if (store !== 'postgres') {
      throw new UsageError(
        `--instances ${instances}: several instances need --store postgres (they coordinate through it)`,
      );
    }
    const single = workloads.filter((w) => w.multiInstance !== true).map((w) => w.id);
    if (single.length > 0) {
      const several = WORKLOADS.filter((w) => w.multiInstance === true).map((w) => w.id);
      throw new UsageError(
        `--instances ${instances}: ${single.join(', ')} measure one instance; use --only ${several.join(',')}`,
      );
    }
  }
  return {
    workloads,
    params: {
      deployment: {
        store: store as StoreKind,
        sqliteSync: sqliteSync as SqliteSync | undefined,
        instances,
      },
      tasks: positiveInteger('tasks', values.tasks),
      fires: positiveInteger('fires', values.fires),
      rounds: positiveInteger('rounds', values.rounds),
      noWarmup: values['no-warmup'],
    },
    out: resolve(values.out ?? resolve(packageRoot(), 'test/bench/results.json')),
  };
}

function gitCommit(): string | null {
  try {
    const options: ExecFileSyncOptionsWithStringEncoding = {
      cwd: packageRoot(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    };
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], options).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib'], options) !== '';
    return dirty ? `${commit} (lib modified)` : commit;
  } catch {
    return null;
  }
}

function environment(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    execArgv: process.execArgv,
    gcExposed: canCollect(),
    commit: gitCommit(),
    date: new Date().toISOString(),
  };
}

const SYMBOL: Record<Verdict | 'crash', string> = {
  pass: 'pass',
  near: 'pass (near)',
  fail: 'FAIL',
  report: 'report',
  crash: 'CRASH',
};

interface Row {
  workload: string;
  metric: string;
  value: string;
  target: string;
  result: string;
}

function printTable(env: Record<string, unknown>, params: RunParams, rows: Row[]): void {
  const header: Row = {
    workload: 'Workload',
    metric: 'Metric',
    value: 'Value',
    target: 'Target',
    result: 'Result',
  };
  const columns = Object.keys(header) as (keyof Row)[];
  const width = (column: keyof Row) => Math.max(...[header, ...rows].map((r) => r[column].length));
  const widths = columns.map(width);
  const line = (row: Row) =>
    columns
      .map((column, i) =>
        column === 'value' ? row[column].padStart(widths[i]!) : row[column].padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  console.log('');
  console.log(
    `nestjs-scheduler benchmark  ${env.date}  commit ${env.commit ?? 'unknown'}\n` +
      `node ${env.node} (V8 ${env.v8}), ${env.platform}, ${env.cpu}, ${env.cores} cores, ` +
      `${env.memoryGiB} GiB; store ${describeStore(params.deployment)}, instances ${params.deployment.instances}`,
  );
  console.log(rule);
  console.log(line(header));
  console.log(rule);
  for (const row of rows) console.log(line(row));
  console.log(rule);
  console.log(
    `Targets are reported, not enforced. "near": passes by less than ${NEAR_MARGIN * 100}%.`,
  );
}

async function main(): Promise<number> {
  let cli: Cli | null;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (cli === null) {
    console.log(USAGE);
    return 0;
  }
  const env = environment();
  if (!env.gcExposed)
    console.error('note: run with --expose-gc (npm run bench does) for heap figures');
  const results: {
    id: string;
    title: string;
    durationMs: number;
    measurements: (Measurement & { verdict: Verdict })[];
    details?: Record<string, unknown>;
    error?: string;
  }[] = [];
  const rows: Row[] = [];
  let crashed = false;
  for (const workload of cli.workloads) {
    process.stderr.write(`running ${workload.id}: ${workload.title} … `);
    const start = now();
    try {
      const { measurements, details } = await workload.run(cli.params);
      const durationMs = now() - start;
      process.stderr.write(`${(durationMs / 1000).toFixed(1)} s\n`);
      const judged = measurements.map((m) => ({ ...m, verdict: verdict(m) }));
      results.push({
        id: workload.id,
        title: workload.title,
        durationMs,
        measurements: judged,
        details,
      });
      for (const m of judged) {
        rows.push({
          workload: m.workload,
          metric: m.metric,
          value: formatValue(m),
          target: formatTarget(m),
          result: SYMBOL[m.verdict] + (m.note === undefined ? '' : `  (${m.note})`),
        });
      }
    } catch (error) {
      crashed = true;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`crashed\n${message}\n`);
      results.push({
        id: workload.id,
        title: workload.title,
        durationMs: now() - start,
        measurements: [],
        error: message,
      });
      rows.push({
        workload: workload.id,
        metric: workload.title,
        value: 'n/a',
        target: '',
        result: `${SYMBOL.crash}  (${error instanceof Error ? error.message : String(error)})`,
      });
    }
  }
  await closeInstanceHosts();
  printTable(env, cli.params, rows);
  // Anything still holding the event loop after every scheduler stopped is a leak worth knowing about.
  // A socket a driver ended closes on a later turn of the event loop: give it one first.
  await new Promise((resolve) => setTimeout(resolve, LEFTOVER_GRACE_MS));
  const leftovers = process
    .getActiveResourcesInfo()
    .filter((kind) => !['TTYWrap', 'PipeWrap', 'FSReqCallback', 'CloseReq'].includes(kind));
  if (leftovers.length > 0)
    console.error(`note: still active after the run: ${leftovers.join(', ')}`);
  const { deployment, tasks, fires, rounds, noWarmup } = cli.params;
  writeFileSync(
    cli.out,
    `${JSON.stringify(
      {
        environment: env,
        parameters: {
          ...deployment,
          storeDescription: describeStore(deployment),
          tasks,
          fires,
          rounds,
          noWarmup,
        },
        workloads: results,
        leftoverResources: leftovers,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`Results written to ${cli.out}`);
  return crashed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
