/**
 * Engines with their own memory stores, coordinated through Redis on
 * 127.0.0.1:6379 (each test under a key prefix of its own): a cron fire
 * runs on one of them only, a cancel reaches the instance running the
 * task, time is read on Redis's clock, and instances that share a store
 * wake each other.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisCoordinator } from '../../lib/coordination/redis/redis-coordinator.js';
import { systemClock, type Clock } from '../../lib/core/clock.js';
import type { SchedulerEvent } from '../../lib/core/events.js';
import type { TaskContext } from '../../lib/core/handler.js';
import { Scheduler } from '../../lib/core/scheduler.js';
import type { TaskStore } from '../../lib/store/task-store.js';
import { createTypeOrmTaskStore } from '../../lib/store/typeorm/index.js';
import { RecordingLogger } from '../utils/scheduler-harness.js';
import { dropTables, POSTGRES_URL, uniquePrefix } from '../utils/sql-isolation.js';
import { sleep, until } from '../utils/wait.js';

const REDIS_URL = process.env.SCHEDULER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function keyPrefix(): string {
  const prefix = `schedtest:${randomUUID().slice(0, 8)}:`;
  cleanups.push(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  return prefix;
}

interface Node {
  scheduler: Scheduler;
  coordinator: RedisCoordinator;
  logger: RecordingLogger;
  events: SchedulerEvent[];
  runs: string[];
  signals: Map<string, AbortSignal>;
}

async function startNode(
  prefix: string,
  nodeId: string,
  options: { store?: TaskStore; clock?: Clock; hold?: boolean; pausedQueue?: boolean } = {},
): Promise<Node> {
  const logger = new RecordingLogger();
  const clock = options.clock ?? systemClock;
  const coordinator = new RedisCoordinator({
    url: REDIS_URL,
    keyPrefix: prefix,
    sharedStore: options.store !== undefined,
    fireLockMs: 60_000,
    pollIntervalMs: 60_000, // announcements, not polling, must wake instances here
    clock,
    nodeId,
    logger,
  });
  const scheduler = new Scheduler({
    ...(options.store === undefined ? {} : { store: options.store }),
    coordinator,
    clock,
    logger,
    queues: { q: {} },
  });
  const events: SchedulerEvent[] = [];
  scheduler.events$.subscribe((event) => events.push(event));
  const runs: string[] = [];
  const signals = new Map<string, AbortSignal>();
  scheduler.registerHandler('job', {
    execute: (_payload: unknown, ctx: TaskContext) => {
      runs.push(ctx.taskId);
      signals.set(ctx.taskId, ctx.signal);
      if (!options.hold) return undefined;
      return new Promise<void>((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), {
          once: true,
        }),
      );
    },
  });
  await scheduler.start();
  if (options.pausedQueue) await scheduler.pauseQueue('q');
  cleanups.push(() => scheduler.stop());
  return { scheduler, coordinator, logger, events, runs, signals };
}

const firedTimes = (node: Node, scheduleId: string): number[] =>
  node.events
    .filter((event) => event.type === 'schedule-fired' && event.schedule.id === scheduleId)
    .map((event) => (event.type === 'schedule-fired' ? event.task.scheduledAt.getTime() : 0));

describe('Redis coordination', () => {
  it('runs each cron fire on one instance only, with memory stores', async () => {
    const prefix = keyPrefix();
    const nodes = [
      await startNode(prefix, 'node-a'),
      await startNode(prefix, 'node-b'),
      await startNode(prefix, 'node-c'),
    ];
    for (const node of nodes) {
      await node.scheduler.addCronJob('* * * * * *', 'job', null, { id: 'every-second' });
    }
    await sleep(3_300);
    const fires = nodes.flatMap((node) => firedTimes(node, 'every-second'));
    expect(fires.length).toBeGreaterThanOrEqual(3);
    expect(new Set(fires).size).toBe(fires.length); // no fire time created twice
    // Consecutive seconds: none skipped between the first and the last.
    const sorted = [...fires].sort((a, b) => a - b);
    expect(sorted.at(-1)! - sorted[0]!).toBe((sorted.length - 1) * 1_000);
  });

  it('delivers a cancel to the instance running the task, whose signal aborts', async () => {
    const prefix = keyPrefix();
    const runner = await startNode(prefix, 'node-runner', { hold: true });
    const other = await startNode(prefix, 'node-other');
    const id = await runner.scheduler.enqueueToQueue('q', 'job');
    await until(() => runner.runs.includes(id), 2_000, 'the task to start');
    await other.coordinator.requestCancel(id, 'node-runner');
    await until(() => runner.signals.get(id)?.aborted === true, 2_000, 'the signal to abort');
  });

  it("reads time on Redis's clock, whatever this instance's clock says", async () => {
    const prefix = keyPrefix();
    const skewed: Clock = { ...systemClock, now: () => Date.now() - 5 * 60_000 };
    const node = await startNode(prefix, 'node-skewed', { clock: skewed });
    const redis = new Redis(REDIS_URL);
    const [seconds, micros] = await redis.time();
    await redis.quit();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    expect(Math.abs(node.coordinator.now() - redisNow)).toBeLessThan(250);
    expect(node.coordinator.clockOffsetMs).toBeGreaterThan(4 * 60_000);
  });

  it('wakes an idle instance sharing a SQL store when another adds work', async () => {
    const prefix = keyPrefix();
    const tablePrefix = uniquePrefix('rediscoord');
    cleanups.push(() => dropTables('postgres', tablePrefix));
    const store = () =>
      createTypeOrmTaskStore({ type: 'postgres', url: POSTGRES_URL, tablePrefix });
    const idle = await startNode(prefix, 'node-idle', { store: await store() });
    const adder = await startNode(prefix, 'node-adder', {
      store: await store(),
      pausedQueue: true,
    });
    await sleep(100);
    const started = Date.now();
    const id = await adder.scheduler.enqueueToQueue('q', 'job');
    await until(() => idle.runs.includes(id), 3_000, 'the idle instance to run the task');
    // Without the announcement the idle instance would only look again when a claim retries.
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('carries a cancel made on one instance to the one running the task, over a shared store', async () => {
    const prefix = keyPrefix();
    const tablePrefix = uniquePrefix('rediscancel');
    cleanups.push(() => dropTables('postgres', tablePrefix));
    const store = () =>
      createTypeOrmTaskStore({ type: 'postgres', url: POSTGRES_URL, tablePrefix });
    const runner = await startNode(prefix, 'node-runner-2', { store: await store(), hold: true });
    const other = await startNode(prefix, 'node-other-2', {
      store: await store(),
      pausedQueue: true,
    });
    const id = await other.scheduler.enqueueToQueue('q', 'job');
    await until(() => runner.runs.includes(id), 3_000, 'the task to start on the runner');
    await other.scheduler.cancelJob(id);
    await until(() => runner.signals.get(id)?.aborted === true, 2_000, 'the signal to abort');
    expect((await other.scheduler.getTask(id))?.status).toBe('cancelled');
  });

  it('skips a fire rather than risk it twice when Redis cannot be asked, with memory stores', async () => {
    const prefix = keyPrefix();
    const node = await startNode(prefix, 'node-alone');
    // The connection goes away: what a Redis restart looks like from here.
    await node.coordinator.stop();
    expect(await node.coordinator.claimFire('some-schedule', Date.now())).toBe(false);
  });
});
