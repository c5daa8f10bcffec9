/**
 * W1's timed burst through the engine and the heap state it starts from,
 * shared by the comparison with fastq (memory store, w1-burst.ts) and the
 * throughput targets of the durable stores (w1-durable.ts).
 */
import { deploy, type CallCounts, type SilentLogger } from './deployment.js';
import { noop } from './handlers.js';
import { collectGarbage, now } from './stats.js';
import type { RunParams } from './workload.js';

export const WORKLOAD = 'W1 burst';
export const WORKERS = 10;
/** Tasks per burst of the untimed warm-up rounds. */
export const WARMUP_TASKS = 5_000;
export const TIMEOUT_MS = 120_000;

export type Mode = 'bulk' | 'single';
export const MODES: readonly Mode[] = ['bulk', 'single'];
export const LABELS: Record<Mode, string> = { bulk: 'enqueueBulk', single: 'single enqueue' };

/** One timed burst through the engine. */
export interface EngineRun {
  /** First add to last completion. */
  elapsedMs: number;
  /** First add until every add had resolved. */
  addMs: number;
  /**
   * Process CPU time (user + system) per task, µs: less sensitive than wall
   * time to other load. This process only: with several instances, the
   * others' CPU is not counted.
   */
  cpuPerTaskUs: number;
  /**
   * The store's hot-path calls from the first add until the engine stopped
   * (every instance's, with several); null on memory.
   */
  calls: CallCounts | null;
  /** With several instances, the tasks each completed (this process's first); null with one. */
  completedPerInstance: number[] | null;
}

export const cpuMicros = ({ user, system }: NodeJS.CpuUsage): number => user + system;

export async function runEngine(
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
  let timed: Omit<EngineRun, 'calls' | 'completedPerInstance'>;
  let calls: CallCounts | undefined;
  try {
    deployment.registerHandler('noop', { execute: noop }, 'noop');
    await deployment.start();
    const { client } = deployment;
    // The input of a bulk add is the caller's data, built before the clock starts.
    const jobs = mode === 'bulk' ? Array.from({ length: tasks }, () => ({ task: 'noop' })) : [];
    const completed = deployment.completions.whenCompleted(tasks, TIMEOUT_MS);
    calls = deployment.calls?.snapshot();
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
    timed = { elapsedMs: end - start, addMs: added - start, cpuPerTaskUs };
  } finally {
    // Also when the burst fails: a SQL store's storage must not outlive the run.
    await deployment.stop();
  }
  // Read after stop(), so that the call of the last completion write has been counted.
  const remote = deployment.reports.map((report) => report.completed);
  return {
    ...timed,
    calls: calls === undefined ? null : deployment.calls!.since(calls),
    completedPerInstance:
      remote.length === 0
        ? null
        : [deployment.completions.completed - remote.reduce((sum, n) => sum + n, 0), ...remote],
  };
}

/**
 * The heap a timed burst starts from. 'steady': the side's bursts run back
 * to back after one full GC and untimed warm bursts, as in a process that
 * has been doing this work — its heap is sized for it, and each side pays
 * only for its own garbage. 'cold': a full GC right before each burst, which
 * also shrinks V8's heap limits to the live data, so that the burst's
 * long-lived tasks trigger extra collections while the heap grows back.
 * Targets are judged on 'steady'; 'cold' is reported beside it.
 */
export type Heap = 'steady' | 'cold';

/** Runs one side's timed bursts in the given heap state; returns each burst's result. */
export async function block<R>(
  heap: Heap,
  rounds: number,
  warm: number,
  burst: () => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  if (heap === 'steady') {
    await collectGarbage();
    for (let i = 0; i < warm; i += 1) await burst();
  }
  for (let i = 0; i < rounds; i += 1) {
    if (heap === 'cold') await collectGarbage();
    results.push(await burst());
  }
  return results;
}
