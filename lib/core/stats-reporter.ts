import type { EngineContext } from './engine-context.js';
import type { QueueRuntime } from './queue-registry.js';
import type { ThroughputMeter } from './stats.js';
import {
  TASK_STATUSES,
  type QueueInfo,
  type QueueStats,
  type SchedulerStats,
  type TaskStatus,
} from './types.js';

type Counts = Record<TaskStatus, number>;

const zeroCounts = (): Counts =>
  Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Counts;

/** Assembles getStats() and getQueues() from the store's counts and the queues' live figures. */
export class StatsReporter {
  constructor(
    private readonly ctx: EngineContext,
    private readonly throughput: ThroughputMeter,
    private readonly startedAt: number,
  ) {}

  async stats(): Promise<SchedulerStats> {
    const { totals, byQueue, orphaned } = await this.counts();
    const queues: Record<string, QueueStats> = {};
    for (const queue of this.ctx.queues.all()) {
      queues[queue.name] = queueStats(queue, byQueue.get(queue.name) ?? zeroCounts());
    }
    return {
      ...totals,
      orphaned,
      total: TASK_STATUSES.reduce((sum, status) => sum + totals[status], 0),
      throughputPerSecond: Math.round(this.throughput.perSecond() * 100) / 100,
      uptimeMs: this.ctx.clock.now() - this.startedAt,
      nodeId: this.ctx.coordinator.nodeId,
      queues,
    };
  }

  async queues(): Promise<QueueInfo[]> {
    const { byQueue } = await this.counts();
    return this.ctx.queues.all().map((queue) => ({
      name: queue.name,
      timeoutMs: queue.config.timeoutMs,
      ...queueStats(queue, byQueue.get(queue.name) ?? zeroCounts()),
    }));
  }

  private async counts(): Promise<{
    totals: Counts;
    byQueue: Map<string, Counts>;
    orphaned: number;
  }> {
    const totals = zeroCounts();
    const byQueue = new Map<string, Counts>();
    let orphaned = 0;
    for (const { queue, name, status, count } of await this.ctx.store.countTasks()) {
      totals[status] += count;
      let counts = byQueue.get(queue);
      if (counts === undefined) byQueue.set(queue, (counts = zeroCounts()));
      counts[status] += count;
      const waiting = status === 'pending' || status === 'retrying';
      if (waiting && !this.ctx.handlers.names.has(name)) orphaned += count;
    }
    return { totals, byQueue, orphaned };
  }
}

function queueStats(queue: QueueRuntime, counts: Counts): QueueStats {
  return {
    pending: counts.pending,
    running: counts.running,
    retrying: counts.retrying,
    completed: counts.completed,
    failed: counts.failed,
    cancelled: counts.cancelled,
    workers: queue.config.workers,
    maxSize: queue.config.maxSize,
    paused: queue.paused,
    avgDurationMs: round(queue.durations.average),
    p95DurationMs: round(queue.durations.p95),
  };
}

const round = (value: number | null): number | null =>
  value === null ? null : Math.round(value * 100) / 100;
