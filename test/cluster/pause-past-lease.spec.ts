/**
 * An instance frozen (SIGSTOP) in the middle of its tasks for three times
 * the lease, then thawed (SIGCONT): another instance took its tasks over and
 * completed them meanwhile; when the frozen one wakes, its handlers return
 * and it tries to renew and to record their results, and none of those
 * writes changes a row. Each task is completed once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { analyse, idsOf, storeViolations, type Analysis } from './support/analyser.js';
import {
  buildClusterApp,
  Cluster,
  coordinationUnderTest,
  type Instance,
} from './support/cluster.js';
import {
  LEASE,
  LEASE_MS,
  messageKinds,
  RENEW,
  report,
  runSpace,
  sleep,
} from './support/cluster-run.js';
import { LogReader } from './support/log-reader.js';
import { POSTGRES_URL } from '../utils/sql-isolation.js';

const TASKS = 10;
const WORK_MS = 3_000;
const FROZEN_MS = 3 * LEASE_MS;

/** What a task's row holds; any write to it changes `version`. */
interface Row {
  id: string;
  status: string;
  attempts: number;
  node_id: string | null;
  locked_by: string | null;
  version: number;
  updated_at: string;
  history: string;
}

async function rows(table: string, ids: readonly string[]): Promise<Row[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows: found } = await client.query<Row>(
      `SELECT id, status, attempts, node_id, locked_by, version, updated_at::text, history::text ` +
        `FROM "${table}" WHERE id = ANY($1::text[]) ORDER BY id`,
      [ids],
    );
    return found;
  } finally {
    await client.end();
  }
}

beforeAll(() => buildClusterApp(), 120_000);

describe('an instance frozen mid-task for three times the lease', () => {
  const space = runSpace('pause');
  const cluster = new Cluster();
  const log = new LogReader(space.log);
  const expected = idsOf('held-', TASKS);
  let frozen: Instance;
  let frozenNode = '';
  let before: Row[] = [];
  let after: Row[] = [];
  let analysis: Analysis;
  let violations: string[] = [];

  beforeAll(async () => {
    const common = {
      log: space.log,
      store: space.store,
      coordination: coordinationUnderTest(),
      workers: 32,
      workMs: WORK_MS,
      lease: LEASE,
      renewEvery: RENEW,
      events: true,
    };
    const others = [cluster.start(common), cluster.start(common)];
    await log.waitFor('two instances ready', (l) => l.count('ready') === 2, 60_000, cluster);
    // Frozen while the third adds and claims, so that every task starts on it.
    for (const instance of others) instance.pause();
    frozen = cluster.start({ ...common, add: TASKS, addPrefix: 'held-' });
    const startedOn = (l: LogReader, pid: number): Set<string> =>
      new Set(l.of('start').flatMap((e) => (e.pid === pid ? [e.task] : [])));
    try {
      await log.waitFor(
        'every task started on the instance to freeze',
        (l) => startedOn(l, frozen.pid).size === TASKS,
        60_000,
        cluster,
      );
    } finally {
      for (const instance of others) instance.resume();
    }
    frozenNode = log.of('ready').find((e) => e.pid === frozen.pid)!.node!;
    await sleep(500);
    frozen.pause();
    const thawAt = frozen.pauses[0]!.from + FROZEN_MS;
    const takenOver = (l: LogReader): boolean => {
      const done = new Set(
        l.of('completed').flatMap((e) => (e.pid !== frozen.pid ? [e.task] : [])),
      );
      return expected.every((id) => done.has(id));
    };
    await log.waitUntil('the others to complete every task', takenOver, thawAt - Date.now() - 500);
    before = await rows(`${space.tablePrefix}tasks`, expected);
    await sleep(Math.max(0, thawAt - Date.now()));
    frozen.resume();
    // The thawed instance's handlers return at once; then its renewal and its writes go out.
    await log.waitUntil(
      'the thawed instance to see its handlers return',
      (l) => {
        const ended = new Set(l.of('end').flatMap((e) => (e.pid === frozen.pid ? [e.task] : [])));
        return expected.every((id) => ended.has(id));
      },
      10_000,
    );
    await sleep(2 * LEASE_MS);
    after = await rows(`${space.tablePrefix}tasks`, expected);
    expect(await cluster.stopAll()).toEqual([]);
    log.read();
    analysis = analyse({
      events: log.events,
      expected,
      liveness: cluster.liveness(),
      losses: cluster.losses(LEASE_MS),
    });
    violations = storeViolations(await space.tasks('held-'), expected, analysis.executions);
    const warnings = log.of('warn').filter((e) => e.pid === frozen.pid);
    report('frozen past the lease (lease 5 s, frozen 15 s, 10 tasks of 3 s)', {
      'taken over': `${new Set(analysis.executions.filter((r) => r.pid !== frozen.pid).map((r) => r.task)).size} of ${TASKS}`,
      'late results refused': warnings.filter((w) => /not recorded/.test(w.detail ?? '')).length,
      'leases found lost': warnings.filter((w) => /no longer holds it/.test(w.detail ?? '')).length,
      'scheduler said': messageKinds(log.events),
    });
  }, 300_000);

  afterAll(async () => {
    await cluster.killAll();
    await space.remove();
  });

  it('had another instance run and complete every task while it was frozen', () => {
    expect(before.map((row) => [row.id, row.status])).toEqual(
      [...expected].sort().map((id) => [id, 'completed']),
    );
    for (const row of before) expect(row.node_id).not.toBe(frozenNode);
  });

  it('changes no row with the writes it makes once thawed', () => {
    expect(after).toEqual(before);
  });

  it('records its attempt as interrupted, never as the success', () => {
    expect(violations).toEqual([]);
    for (const row of after) {
      const history = JSON.parse(row.history) as {
        attempt: number;
        error: string | null;
        nodeId: string;
      }[];
      const own = history.filter((attempt) => attempt.nodeId === frozenNode);
      expect(own.length).toBeGreaterThan(0);
      for (const attempt of own) expect(attempt.error).toMatch(/interrupted/);
    }
  });

  it('reports each task completed exactly once', () => {
    const completed = log.of('completed').map((e) => e.task);
    expect(completed.sort()).toEqual([...expected].sort());
    expect(analysis.completedTwice.size).toBe(0);
  });

  it('never ran one task on two live instances at once, and lost none', () => {
    expect(analysis.lost).toEqual([]);
    expect(analysis.overlaps).toEqual([]);
    expect(analysis.duplicates.filter((d) => d.unexplained !== null)).toEqual([]);
  });
});
