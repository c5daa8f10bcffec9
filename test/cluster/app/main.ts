/**
 * One instance of a cluster run, as a child process. Settings come from the
 * environment (CLUSTER_*, see settings.ts); every attempt and lifecycle step
 * goes to the execution log the instances share, so that a test can kill,
 * stop or freeze any of them and still know what ran where and when.
 */
import 'reflect-metadata';
import {
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Subscription } from 'rxjs';
import { SchedulerModule, SchedulerService, type BulkJobItem } from 'nestjs-scheduler';
import { CLUSTER_SETTINGS, EverySecond, LogToExecutionLog, WorkTask } from './cluster-tasks.js';
import { ExecutionLog } from './execution-log.js';
import { offsetClock, readSettings } from './settings.js';

const settings = readSettings();
/** Slots of the schedule's own queue, on top of CLUSTER_WORKERS. */
const CRON_WORKERS = 2;
const log = new ExecutionLog(settings.log);

/** Logs the end of a graceful stop, after the scheduler drained (Nest then re-raises the signal). */
@Injectable()
class ShutdownRecorder implements OnApplicationShutdown {
  onApplicationShutdown(signal?: string): void {
    log.write({ e: 'stopped', detail: signal ?? 'close' });
  }
}

/**
 * Logs each `completed` and `schedule-fired` event. It subscribes before the
 * engine starts, so that tasks left in the store by earlier instances are
 * not missed.
 */
@Injectable()
class EventRecorder implements OnModuleInit, OnModuleDestroy {
  private subscription: Subscription | undefined;

  constructor(private readonly scheduler: SchedulerService) {}

  onModuleInit(): void {
    if (!settings.events) return;
    this.subscription = this.scheduler.events$.subscribe((event) => {
      const node = this.scheduler.nodeId;
      if (event.type === 'completed') {
        log.write({ e: 'completed', task: event.task.id, attempt: event.task.attempts, node });
      } else if (event.type === 'schedule-fired') {
        log.write({ e: 'fired', task: event.task.id, schedule: event.schedule.id, node });
      }
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}

@Module({
  imports: [
    SchedulerModule.forRoot({
      store: settings.store,
      ...(settings.coordination === undefined ? {} : { coordination: settings.coordination }),
      ...(settings.clockOffsetMs === null ? {} : { clock: offsetClock(settings.clockOffsetMs) }),
      maxWorkers: settings.workers + CRON_WORKERS,
      queueSize: 1_000_000,
      queues: {
        default: { workers: settings.workers, retryPolicy: { delay: settings.retryDelay } },
        cron: { workers: CRON_WORKERS },
      },
      lease: settings.lease,
      renewEvery: settings.renewEvery,
      shutdownTimeout: '2s',
      // Every finished task stays, so that the checks can read each one's history.
      retention: { maxTasks: 10_000_000 },
      logger: new LogToExecutionLog(log),
    }),
  ],
  providers: [
    { provide: ExecutionLog, useValue: log },
    { provide: CLUSTER_SETTINGS, useValue: settings },
    WorkTask,
    ...(settings.cron ? [EverySecond] : []),
    EventRecorder,
    ShutdownRecorder,
  ],
})
class ClusterAppModule {}

const CHUNK = 500;

/** Adds the 'work' tasks this instance was given, in bulk chunks, each logged once acknowledged. */
async function addTasks(scheduler: SchedulerService): Promise<void> {
  const { add: count, addPrefix: prefix, addSpreadMs: spread, goFile } = settings;
  while (goFile !== null && !existsSync(goFile)) await sleep(10);
  const base = Date.now();
  for (let from = 0; from < count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK);
    const items: BulkJobItem[] = [];
    for (let n = from; n < to; n += 1) {
      const dueIn = base + Math.round((n * spread) / count) - Date.now();
      items.push({
        task: 'work',
        payload: null,
        opts: { id: `${prefix}${n}`, delay: Math.max(0, dueIn) },
      });
    }
    await scheduler.enqueueBulk(items);
    log.write({ e: 'added', prefix, from, to });
  }
  log.write({ e: 'all-added', detail: `${prefix}:${count}` });
}

async function main(): Promise<void> {
  log.write({ e: 'boot' });
  const app = await NestFactory.createApplicationContext(ClusterAppModule, { logger: ['error'] });
  app.enableShutdownHooks();
  const scheduler = app.get(SchedulerService);
  log.write({ e: 'ready', node: scheduler.nodeId });
  if (settings.add > 0) await addTasks(scheduler);
}

main().catch((error: unknown) => {
  log.write({ e: 'crashed', detail: String(error instanceof Error ? error.stack : error) });
  process.exit(1);
});
