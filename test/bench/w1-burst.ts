/**
 * W1 burst: N no-op tasks added at once to one queue with 10 workers, timed
 * from the first add to the last completion; once through one enqueueBulk
 * call and once through N enqueue calls issued together. A bare fastq queue
 * (concurrency 10) doing the same no-op work in the same round is the
 * baseline: our throughput is reported as a share of its.
 */
import fastq from 'fastq';
import { deploy, problems, type SilentLogger } from './deployment.js';
import type { Measurement } from './measurement.js';
import { collectGarbage, median, now, perSecond } from './stats.js';
import type { RunParams, Workload, WorkloadResult } from './workload.js';

const WORKLOAD = 'W1 burst';
const DEFAULT_TASKS = 20_000;
const DEFAULT_ROUNDS = 5;
const WORKERS = 10;
/** Untimed rounds before measuring, so that every path is compiled by the JIT. */
const WARMUP_ROUNDS = 2;
const WARMUP_TASKS = 5_000;
const TIMEOUT_MS = 120_000;

type Mode = 'bulk' | 'single';

/** One timed burst through the engine. */
interface EngineRun {
  /** First add to last completion. */
  elapsedMs: number;
  /** First add until every add had resolved. */
  addMs: number;
  /** Process CPU time (user + system) per task, µs: less sensitive than wall time to other load. */
  cpuPerTaskUs: number;
}

// Both sides run the same handler: an async function that does nothing.
const noop = async (): Promise<void> => {};

async function runEngine(
  params: RunParams,
  tasks: number,
  mode: Mode,
  loggers: SilentLogger[],
): Promise<EngineRun> {
  const deployment = await deploy(params.deployment, {
    maxWorkers: WORKERS,
    queueSize: tasks,
  });
  loggers.push(deployment.logger);
  deployment.registerHandler('noop', { execute: noop });
  await deployment.start();
  const { client } = deployment;
  // The input of a bulk add is the caller's data, built before the clock starts.
  const jobs = mode === 'bulk' ? Array.from({ length: tasks }, () => ({ task: 'noop' })) : [];
  // A full GC before the clock starts, for both sides: each run starts from a clean heap and pays
  // only for its own garbage, and the long-lived engine objects (scheduler, store, queues) sit in
  // the old generation as in a long-running application. Without it the engine figures here are
  // up to ~1.7x higher but swing by ±30% from round to round, and fastq's are lower because it
  // collects the engine's garbage from the run before.
  await collectGarbage();
  const completed = deployment.completions.whenCompleted(tasks, TIMEOUT_MS);
  const cpu = process.cpuUsage();
  const start = now();
  if (mode === 'bulk') {
    await client.enqueueBulk(jobs);
  } else {
    const adds = new Array<Promise<string>>(tasks);
    for (let i = 0; i < tasks; i += 1) adds[i] = client.enqueue('noop');
    await Promise.all(adds);
  }
  const added = now();
  const end = await completed;
  const cpuPerTaskUs = cpuMicros(process.cpuUsage(cpu)) / tasks;
  await deployment.stop();
  return { elapsedMs: end - start, addMs: added - start, cpuPerTaskUs };
}

const cpuMicros = ({ user, system }: NodeJS.CpuUsage): number => user + system;

/** The same burst on a bare fastq promise queue: push N, wait until drained. */
async function runFastq(tasks: number): Promise<{ elapsedMs: number; cpuPerTaskUs: number }> {
  const queue = fastq.promise(noop, WORKERS);
  await collectGarbage();
  const cpu = process.cpuUsage();
  const start = now();
  for (let i = 0; i < tasks; i += 1) void queue.push(undefined);
  await queue.drained();
  const elapsedMs = now() - start;
  return { elapsedMs, cpuPerTaskUs: cpuMicros(process.cpuUsage(cpu)) / tasks };
}

async function run(params: RunParams): Promise<WorkloadResult> {
  const tasks = params.tasks ?? DEFAULT_TASKS;
  const rounds = params.rounds ?? DEFAULT_ROUNDS;
  const loggers: SilentLogger[] = [];
  if (!params.noWarmup) {
    const warmupTasks = Math.min(tasks, WARMUP_TASKS);
    for (let i = 0; i < WARMUP_ROUNDS; i += 1) {
      await runFastq(warmupTasks);
      await runEngine(params, warmupTasks, 'bulk', loggers);
      await runEngine(params, warmupTasks, 'single', loggers);
    }
  }
  const fastqRates: number[] = [];
  const fastqCpu: number[] = [];
  const rates: Record<Mode, number[]> = { bulk: [], single: [] };
  const cpu: Record<Mode, number[]> = { bulk: [], single: [] };
  const ratios: Record<Mode, number[]> = { bulk: [], single: [] };
  const addMs: Record<Mode, number[]> = { bulk: [], single: [] };
  for (let round = 0; round < rounds; round += 1) {
    const bare = await runFastq(tasks);
    const baseline = perSecond(tasks, bare.elapsedMs);
    fastqRates.push(baseline);
    fastqCpu.push(bare.cpuPerTaskUs);
    for (const mode of ['bulk', 'single'] as const) {
      const result = await runEngine(params, tasks, mode, loggers);
      const rate = perSecond(tasks, result.elapsedMs);
      rates[mode].push(rate);
      ratios[mode].push((rate / baseline) * 100);
      addMs[mode].push(result.addMs);
      cpu[mode].push(result.cpuPerTaskUs);
    }
  }
  const note = problems(loggers);
  const share = { op: '>=', value: 25, aim: 50 } as const;
  const row = (metric: string, samples: number[], unit: string, extra: Partial<Measurement> = {}) =>
    ({
      workload: WORKLOAD,
      metric,
      value: median(samples),
      unit,
      samples,
      ...extra,
    }) as Measurement;
  return {
    measurements: [
      row(`fastq baseline (concurrency ${WORKERS})`, fastqRates, 'tasks/s'),
      row('fastq: CPU per task', fastqCpu, 'µs'),
      row('enqueueBulk: throughput', rates.bulk, 'tasks/s'),
      row('enqueueBulk: share of fastq', ratios.bulk, '%', { target: share, note }),
      row('enqueueBulk: CPU per task', cpu.bulk, 'µs'),
      row('single enqueue: throughput', rates.single, 'tasks/s'),
      row('single enqueue: share of fastq', ratios.single, '%', { target: share, note }),
      row('single enqueue: CPU per task', cpu.single, 'µs'),
    ],
    details: {
      tasks,
      rounds,
      workers: WORKERS,
      warmup: params.noWarmup
        ? null
        : { rounds: WARMUP_ROUNDS, tasks: Math.min(tasks, WARMUP_TASKS) },
      medianAddPhaseMs: { bulk: median(addMs.bulk), single: median(addMs.single) },
      addPhaseMs: addMs,
      shareIs: 'median over rounds of (engine tasks/s ÷ fastq tasks/s of the same round)',
      cpuPerTaskIs: 'process user + system CPU over the timed window ÷ tasks (µs)',
    },
  };
}

export const w1Burst: Workload = {
  id: 'w1',
  title: `burst of no-op tasks, ${WORKERS} workers, vs fastq`,
  run,
};
