/**
 * A Nest application for crash tests, run as a child process. Settings come
 * from the environment (CRASH_*); everything it does goes to the log file, so
 * a test can kill it at any moment and still know what happened.
 */
import 'reflect-metadata';
import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SchedulerModule, SchedulerService, type StoreOptions } from 'nestjs-scheduler';
import { CrashLog } from './crash-log.js';
import {
  CRASH_SETTINGS,
  RunAllTick,
  RunOnceTick,
  RuntimeTick,
  SkipTick,
  WorkTask,
  type CrashSettings,
} from './crash-tasks.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const log = new CrashLog(env('CRASH_LOG'));
const store = JSON.parse(env('CRASH_STORE')) as StoreOptions;
const settings: CrashSettings = { workMs: Number(env('CRASH_WORK_MS', '5')) };
const addCount = Number(env('CRASH_ADD', '0'));
const addConcurrency = Number(env('CRASH_ADD_CONCURRENCY', '50'));
const addRuntimeSchedule = env('CRASH_RUNTIME_SCHEDULE', 'false') === 'true';

/** Logs the end of a graceful stop, after the scheduler drained (Nest then re-raises the signal). */
@Injectable()
class ShutdownRecorder implements OnApplicationShutdown {
  onApplicationShutdown(signal?: string): void {
    log.write('stopped', signal ?? 'close');
  }
}

@Module({
  imports: [
    SchedulerModule.forRoot({
      store,
      maxWorkers: Number(env('CRASH_WORKERS', '8')),
      queueSize: 1_000_000,
      // Short leases, so that a test sees a lost node's tasks taken over within seconds.
      lease: '3s',
      renewEvery: '1s',
      shutdownTimeout: '2s',
      logger: false,
    }),
  ],
  providers: [
    { provide: CrashLog, useValue: log },
    { provide: CRASH_SETTINGS, useValue: settings },
    WorkTask,
    RunOnceTick,
    SkipTick,
    RunAllTick,
    RuntimeTick,
    ShutdownRecorder,
  ],
})
class CrashAppModule {}

async function main(): Promise<void> {
  log.write('boot');
  const app = await NestFactory.createApplicationContext(CrashAppModule, { logger: ['error'] });
  app.enableShutdownHooks();
  const scheduler = app.get(SchedulerService);
  log.write('ready', scheduler.nodeId);
  if (addRuntimeSchedule) {
    await scheduler.addCronJob('*/3 * * * * *', 'runtime-tick', null, {
      id: 'runtime-run-once',
      misfire: 'run-once',
    });
    log.write('scheduled', 'runtime-run-once');
  }
  // Adds in flight together are committed together (group commit), as a busy application's are.
  let next = 0;
  const adder = async (): Promise<void> => {
    while (next < addCount) {
      const n = next++;
      const id = await scheduler.enqueue('work', { n }, { id: `work-${n}` });
      log.write('added', id);
    }
  };
  await Promise.all(Array.from({ length: addConcurrency }, adder));
  if (addCount > 0) log.write('all-added', addCount);
}

main().catch((error: unknown) => {
  log.write('crashed', JSON.stringify(String(error instanceof Error ? error.stack : error)));
  process.exit(1);
});
