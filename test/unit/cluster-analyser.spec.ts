/**
 * The analyser of the multi-instance runs (test/cluster), on logs written
 * by hand: if it missed a lost task, a duplicate or an overlap, the cluster
 * tests would pass whatever the instances did.
 */
import { describe, expect, it } from '@jest/globals';
import type { ExecutionEvent } from '../cluster/app/execution-log.js';
import { LogReader } from '../cluster/support/log-reader.js';
import {
  analyse,
  attemptsRunTwice,
  completedTwice,
  duplicates,
  executionsOf,
  lateness,
  lostTasks,
  overlaps,
  percentile,
  recoveries,
  storeViolations,
  summarize,
  type Interval,
  type StoredTask,
} from '../cluster/support/analyser.js';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const A = 101;
const B = 202;
const nodeOf = (pid: number): string => `node-${pid}`;

/** A start line, and an end line unless `end` is null. */
function run(
  task: string,
  attempt: number,
  pid: number,
  start: number,
  end: number | null,
  options: { due?: number; outcome?: 'ok' | 'aborted' } = {},
): ExecutionEvent[] {
  const common = { task, attempt, pid, node: nodeOf(pid) };
  const lines: ExecutionEvent[] = [
    { e: 'start', ...common, t: start, due: options.due ?? start, schedule: null },
  ];
  if (end !== null) lines.push({ e: 'end', ...common, t: end, outcome: options.outcome ?? 'ok' });
  return lines;
}

const alwaysLive = new Map<number, Interval[]>();

describe('pairing starts with ends', () => {
  it('matches an end to the start of the same attempt on the same process', () => {
    const events = [
      ...run('t1', 1, A, 100, null),
      ...run('t1', 2, B, 200, 250),
      { e: 'end', task: 't1', attempt: 1, pid: B, node: nodeOf(B), t: 300, outcome: 'ok' },
    ] as ExecutionEvent[];
    const executions = executionsOf(events);
    expect(executions.map((e) => [e.pid, e.attempt, e.end])).toEqual([
      [A, 1, null],
      [B, 2, 250],
    ]);
  });
});

describe('lost tasks', () => {
  it('are the expected tasks that no attempt finished, aborted ones included', () => {
    const executions = executionsOf([
      ...run('done', 1, A, 0, 10),
      ...run('cut', 1, A, 0, null),
      ...run('aborted', 1, A, 0, 10, { outcome: 'aborted' }),
    ]);
    expect(lostTasks(executions, ['done', 'cut', 'aborted', 'never-ran'])).toEqual([
      'cut',
      'aborted',
      'never-ran',
    ]);
  });
});

describe('duplicates', () => {
  it('finds every task started twice', () => {
    const executions = executionsOf([
      ...run('once', 1, A, 0, 10),
      ...run('twice', 1, A, 0, 10),
      ...run('twice', 2, B, 20, 30),
    ]);
    expect(duplicates(executions, []).map((d) => d.task)).toEqual(['twice']);
  });

  it('explains a rerun whose earlier attempt was cut short by a kill of its instance', () => {
    const executions = executionsOf([...run('t', 1, A, 0, null), ...run('t', 2, B, 6_000, 6_100)]);
    expect(duplicates(executions, [{ pid: A, at: 500 }])[0]!.unexplained).toBeNull();
  });

  it('explains a rerun after a kill just after the handler returned, before its result was written', () => {
    const executions = executionsOf([...run('t', 1, A, 0, 100), ...run('t', 2, B, 6_000, 6_100)]);
    expect(duplicates(executions, [{ pid: A, at: 150 }])[0]!.unexplained).toBeNull();
  });

  it('does not explain a rerun by a kill of another instance, or one long after the run', () => {
    const executions = executionsOf([...run('t', 1, A, 0, 100), ...run('t', 2, B, 6_000, 6_100)]);
    expect(duplicates(executions, [{ pid: B, at: 50 }])[0]!.unexplained).toMatch(/attempt 1/);
    expect(duplicates(executions, [{ pid: A, at: 60_000 }])[0]!.unexplained).toMatch(/not lost/);
    expect(duplicates(executions, [])[0]!.unexplained).toMatch(/pid 101/);
  });

  it('does not explain a kill that came before the earlier run started', () => {
    const executions = executionsOf([
      ...run('t', 1, A, 1_000, null),
      ...run('t', 2, B, 6_000, 6_100),
    ]);
    expect(duplicates(executions, [{ pid: A, at: 500 }])[0]!.unexplained).not.toBeNull();
  });

  it('reports one attempt number started twice', () => {
    const executions = executionsOf([...run('t', 3, A, 0, 10), ...run('t', 3, B, 5, 15)]);
    expect(attemptsRunTwice(executions)).toEqual(['t#3']);
    expect(attemptsRunTwice(executionsOf([...run('t', 3, A, 0, 10)]))).toEqual([]);
  });
});

describe('overlaps', () => {
  it('finds two instances running one task at the same time', () => {
    const executions = executionsOf([...run('t', 1, A, 0, 100), ...run('t', 2, B, 60, 200)]);
    const found = overlaps(executions, alwaysLive);
    expect(found).toHaveLength(1);
    expect(found[0]!.ms).toBe(41);
  });

  it('counts a run without an end as running until its instance died', () => {
    const executions = executionsOf([...run('t', 1, A, 0, null), ...run('t', 2, B, 600, 700)]);
    const diedAt500 = new Map([[A, [{ from: -1_000, to: 500 }]]]);
    expect(overlaps(executions, diedAt500)).toEqual([]);
    const diedAt650 = new Map([[A, [{ from: -1_000, to: 650 }]]]);
    expect(overlaps(executions, diedAt650).map((o) => o.ms)).toEqual([50]);
  });

  it('leaves out the time an instance was frozen', () => {
    // A ran t from 0, was frozen from 100 to 900 while B ran it, and returned at 950.
    const executions = executionsOf([...run('t', 1, A, 0, 950), ...run('t', 2, B, 300, 600)]);
    const frozen = new Map([
      [
        A,
        [
          { from: -1_000, to: 100 },
          { from: 900, to: 5_000 },
        ],
      ],
    ]);
    expect(overlaps(executions, frozen)).toEqual([]);
    const thawedEarly = new Map([
      [
        A,
        [
          { from: -1_000, to: 100 },
          { from: 500, to: 5_000 },
        ],
      ],
    ]);
    expect(overlaps(executions, thawedEarly).map((o) => o.ms)).toEqual([101]);
  });

  it('ignores reruns on the same instance and runs one after the other', () => {
    const executions = executionsOf([
      ...run('t', 1, A, 0, 100),
      ...run('t', 2, A, 50, 150),
      ...run('u', 1, A, 0, 100),
      ...run('u', 2, B, 101, 150),
    ]);
    expect(overlaps(executions, alwaysLive)).toEqual([]);
  });
});

describe('lateness and percentiles', () => {
  it('measures each task from its due time to its first start', () => {
    const executions = executionsOf([
      ...run('a', 1, A, 1_030, 1_040, { due: 1_000 }),
      ...run('a', 2, B, 9_000, 9_010, { due: 1_000 }),
      ...run('b', 1, A, 2_500, 2_510, { due: 2_000 }),
    ]);
    expect(lateness(executions).sort((x, y) => x - y)).toEqual([30, 500]);
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBeNaN();
    expect(summarize([3, 1, 2])).toEqual({ count: 3, p50: 2, p99: 3, max: 3 });
  });
});

describe('recoveries', () => {
  it('measures from the kill to the next start elsewhere of each task the instance was running', () => {
    const executions = executionsOf([
      ...run('cut', 1, A, 0, null),
      ...run('cut', 2, B, 7_000, 7_100),
      ...run('finished-before', 1, A, 0, 400),
      ...run('never-again', 1, A, 100, null),
    ]);
    expect(recoveries(executions, [{ pid: A, at: 1_000 }])).toEqual([
      { task: 'cut', pid: A, lostAt: 1_000, restartedAt: 7_000, ms: 6_000 },
      { task: 'never-again', pid: A, lostAt: 1_000, restartedAt: null, ms: null },
    ]);
  });
});

describe('completions', () => {
  it('counts the tasks whose completed event came more than once', () => {
    const completed = (task: string, pid: number): ExecutionEvent => ({
      e: 'completed',
      task,
      attempt: 1,
      node: nodeOf(pid),
      pid,
      t: 0,
    });
    expect(completedTwice([completed('a', A), completed('b', A), completed('a', B)])).toEqual(
      new Map([['a', 2]]),
    );
  });
});

describe('the store check', () => {
  const executions = executionsOf([...run('t', 1, A, 0, null), ...run('t', 2, B, 6_000, 6_100)]);
  const good: StoredTask = {
    status: 'completed',
    attempts: 2,
    nodeId: nodeOf(B),
    history: [
      { attempt: 1, error: 'interrupted: its node stopped renewing the lease', nodeId: nodeOf(A) },
      { attempt: 2, error: null, nodeId: nodeOf(B) },
    ],
  };

  it('accepts one recorded success, the latest attempt, which the log shows finishing', () => {
    expect(storeViolations(new Map([['t', good]]), ['t'], executions)).toEqual([]);
  });

  it('reports a missing, unfinished or twice-recorded task', () => {
    expect(storeViolations(new Map(), ['t'], executions)).toEqual([
      't was acknowledged but is not in the store',
    ]);
    expect(
      storeViolations(new Map([['t', { ...good, status: 'running' }]]), ['t'], executions),
    ).toEqual(['t is running, not completed']);
    const twice = {
      ...good,
      history: [
        { attempt: 1, error: null, nodeId: nodeOf(A) },
        { attempt: 2, error: null, nodeId: nodeOf(B) },
      ],
    };
    expect(storeViolations(new Map([['t', twice]]), ['t'], executions)).toHaveLength(1);
  });

  it('reports a success recorded for an attempt the log never saw finish', () => {
    const wrongNode = {
      ...good,
      nodeId: nodeOf(A),
      history: [{ ...good.history[1]!, nodeId: nodeOf(A) }],
    };
    expect(storeViolations(new Map([['t', wrongNode]]), ['t'], executions)[0]).toMatch(
      /records attempt 2 on node-101/,
    );
  });
});

describe('the whole analysis', () => {
  it('gathers every finding of one log', () => {
    const analysis = analyse({
      events: [...run('a', 1, A, 0, 10), ...run('a', 2, B, 5, 20), ...run('b', 1, A, 0, null)],
      expected: ['a', 'b'],
      liveness: alwaysLive,
      losses: [],
    });
    expect(analysis.lost).toEqual(['b']);
    expect(analysis.duplicates.map((d) => d.task)).toEqual(['a']);
    expect(analysis.overlaps.map((o) => o.task)).toEqual(['a']);
  });
});

describe('reading the log', () => {
  it('parses what was appended since the last read, keeping a line still being written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cluster-log-'));
    try {
      const path = join(dir, 'execution.log');
      const reader = new LogReader(path);
      expect(reader.read()).toEqual([]);
      const [start, end] = run('t', 1, A, 0, 10).map((event) => JSON.stringify(event));
      appendFileSync(path, `${start}\n${end!.slice(0, 20)}`);
      expect(reader.read().map((event) => event.e)).toEqual(['start']);
      appendFileSync(path, `${end!.slice(20)}\nnot json\n`);
      expect(reader.read().map((event) => event.e)).toEqual(['start', 'end']);
      expect(reader.malformed).toBe(1);
      expect([...reader.finished]).toEqual(['t']);
      expect(reader.count('start')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
