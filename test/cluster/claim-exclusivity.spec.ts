/**
 * Three instances sharing one PostgreSQL store work through 20,000 short
 * tasks added through all three: every task completes, none runs twice, no
 * two instances ever run one task at once. The same work on one instance
 * gives the throughput the three are compared with.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  analyse,
  idsOf,
  storeViolations,
  type Analysis,
  type Execution,
} from './support/analyser.js';
import { buildClusterApp, Cluster, coordinationUnderTest } from './support/cluster.js';
import { LEASE, RENEW, report, runSpace, type RunSpace } from './support/cluster-run.js';
import { LogReader } from './support/log-reader.js';

const TASKS = 20_000;
const WORKERS = 16;
const WORK_MS: [number, number] = [0, 2];

interface Phase {
  analysis: Analysis;
  expected: string[];
  violations: string[];
  perSecond: number;
  byNode: Map<string, number>;
  malformed: number;
}

/** Tasks finished per second, from the first start to the last end. */
function throughput(executions: readonly Execution[]): number {
  const finished = executions.filter((run) => run.outcome === 'ok');
  const first = Math.min(...executions.map((run) => run.start));
  const last = Math.max(...finished.map((run) => run.end!));
  return (finished.length * 1000) / Math.max(1, last - first);
}

/** `instances` instances, each adding its share of the tasks once all are ready. */
async function runPhase(space: RunSpace, instances: number): Promise<Phase> {
  const cluster = new Cluster();
  const expected: string[] = [];
  try {
    for (let i = 0; i < instances; i += 1) {
      const prefix = `n${i}-`;
      const count = Math.floor(TASKS / instances) + (i < TASKS % instances ? 1 : 0);
      expected.push(...idsOf(prefix, count));
      cluster.start({
        log: space.log,
        store: space.store,
        coordination: coordinationUnderTest(),
        workers: WORKERS,
        workMs: WORK_MS,
        lease: LEASE,
        renewEvery: RENEW,
        add: count,
        addPrefix: prefix,
        goFile: space.goFile,
      });
    }
    const log = new LogReader(space.log);
    await log.waitFor(
      'every instance ready',
      (l) => l.count('ready') === instances,
      60_000,
      cluster,
    );
    space.go();
    await log.waitFor(`${TASKS} tasks finished`, (l) => l.finished.size >= TASKS, 240_000, cluster);
    expect(await cluster.stopAll()).toEqual([]);
    log.read();
    const analysis = analyse({
      events: log.events,
      expected,
      liveness: cluster.liveness(),
      losses: cluster.losses(5_000),
    });
    const byNode = new Map<string, number>();
    for (const run of analysis.executions) byNode.set(run.node, (byNode.get(run.node) ?? 0) + 1);
    return {
      analysis,
      expected,
      violations: storeViolations(await space.tasks(), expected, analysis.executions),
      perSecond: throughput(analysis.executions),
      byNode,
      malformed: log.malformed,
    };
  } finally {
    await cluster.killAll();
  }
}

beforeAll(() => buildClusterApp(), 120_000);

describe('claim exclusivity: 3 instances sharing PostgreSQL, 20,000 short tasks', () => {
  const single = runSpace('excl1');
  const triple = runSpace('excl3');
  let one: Phase;
  let three: Phase;

  beforeAll(async () => {
    one = await runPhase(single, 1);
    three = await runPhase(triple, 3);
    report('claim exclusivity (PostgreSQL, 20,000 tasks of 0–2 ms, 16 workers per instance)', {
      '1 instance': `${one.perSecond.toFixed(0)} tasks/s`,
      '3 instances': `${three.perSecond.toFixed(0)} tasks/s`,
      'ratio 3/1': `${(three.perSecond / one.perSecond).toFixed(2)} (target ≥ 0.9)`,
      'runs per instance': [...three.byNode.values()].join(', '),
      'lateness p99': `${three.analysis.lateness.p99} ms (1 instance: ${one.analysis.lateness.p99} ms)`,
    });
  }, 600_000);

  afterAll(async () => {
    await single.remove();
    await triple.remove();
  });

  it('completes every task on one instance, once (the baseline)', () => {
    expect(one.analysis.lost).toEqual([]);
    expect(one.analysis.duplicates).toEqual([]);
    expect(one.violations).toEqual([]);
  });

  it('completes every task added through the three instances', () => {
    expect(three.expected).toHaveLength(TASKS);
    expect(three.analysis.lost).toEqual([]);
    expect(three.violations).toEqual([]);
    expect(three.malformed).toBe(0);
  });

  it('runs no task twice and no attempt on two instances', () => {
    expect(three.analysis.duplicates.map((d) => d.task)).toEqual([]);
    expect(three.analysis.attemptsRunTwice).toEqual([]);
    expect(three.analysis.overlaps).toEqual([]);
  });

  it('shares the work between the instances', () => {
    expect(three.byNode.size).toBe(3);
    for (const runs of three.byNode.values()) expect(runs).toBeGreaterThan(0);
  });

  it('keeps at least half the throughput of one instance (target 0.9; 2 cores are shared)', () => {
    expect(three.perSecond / one.perSecond).toBeGreaterThanOrEqual(0.5);
  });
});
