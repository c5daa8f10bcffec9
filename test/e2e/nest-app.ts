/**
 * Booting real Nest applications in e2e tests: every application booted
 * here (even one whose startup failed) is closed by {@link closeApps}, which
 * each spec calls in afterEach.
 */
import 'reflect-metadata';
import type {
  INestApplication,
  LoggerService,
  ModuleMetadata,
  Provider,
  Type,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SchedulerService, type SchedulerEvent, type TaskInfo } from 'nestjs-scheduler';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { flushAsync } from '../utils/manual-clock.js';

const apps = new Set<INestApplication>();
/** Applications whose startup failed: closing them releases what they acquired, and may fail. */
const failed = new WeakSet<INestApplication>();

/** What a test module is made of. */
export interface AppDefinition {
  imports?: ModuleMetadata['imports'];
  providers?: Provider[];
  controllers?: Type[];
}

/** Compiles and initialises an application (hooks run: schedules start); closed by closeApps(). */
export async function bootApp(definition: AppDefinition): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(definition).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  apps.add(app);
  try {
    await app.init();
  } catch (error) {
    failed.add(app);
    throw error;
  }
  return app;
}

/** Boots an application that must fail to start; resolves to the error. */
export async function bootFailure(definition: AppDefinition): Promise<Error> {
  try {
    await bootApp(definition);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the application started, but it should have failed');
}

/** Closes every application booted since the last call; use in afterEach. */
export async function closeApps(): Promise<void> {
  const open = [...apps];
  apps.clear();
  for (const app of open) {
    if (failed.has(app)) await app.close().catch(() => undefined);
    else await app.close();
  }
}

/** A LoggerService that keeps its lines (pass it as the module's `logger`). */
export class RecordingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];

  log(message: unknown): void {
    this.lines.push({ level: 'log', message: String(message) });
  }

  warn(message: unknown): void {
    this.lines.push({ level: 'warn', message: String(message) });
  }

  error(message: unknown): void {
    this.lines.push({ level: 'error', message: String(message) });
  }

  debug(message: unknown): void {
    this.lines.push({ level: 'debug', message: String(message) });
  }

  messages(level?: string): string[] {
    return this.lines
      .filter((line) => level === undefined || line.level === level)
      .map((line) => line.message);
  }
}

/**
 * Resolves with the first `count` events matching `predicate` emitted after
 * the call; rejects after `timeoutMs` of real time (a guard against hangs).
 */
export function nextEvents(
  scheduler: SchedulerService,
  predicate: (event: SchedulerEvent) => boolean,
  count = 1,
  timeoutMs = 2_000,
): Promise<SchedulerEvent[]> {
  return firstValueFrom(
    scheduler.events$.pipe(
      filter(predicate),
      take(count),
      toArray(),
      timeout({
        first: timeoutMs,
        with: () => {
          throw new Error(`fewer than ${count} matching event(s) within ${timeoutMs} ms`);
        },
      }),
    ),
  );
}

/** Resolves when the task with `id` completes (rejects if it fails or is cancelled). */
export async function completionOf(scheduler: SchedulerService, id: string): Promise<TaskInfo> {
  const [event] = await nextEvents(
    scheduler,
    (e) =>
      'task' in e &&
      e.task.id === id &&
      (e.type === 'completed' || e.type === 'failed' || e.type === 'cancelled'),
  );
  const task = (event as Extract<SchedulerEvent, { task: TaskInfo }>).task;
  if (event!.type !== 'completed') throw new Error(`task ${id} ${event!.type}: ${task.error}`);
  return task;
}

/** Lets pending promise and setImmediate work settle without moving time. */
export function settle(rounds = 50): Promise<void> {
  return flushAsync(rounds);
}
