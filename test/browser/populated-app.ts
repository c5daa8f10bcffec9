/**
 * An application with an hour of work behind it, for the README's picture
 * of the dashboard: four queues, standing schedules, and tasks in every
 * status. The hour is played on a manual clock that ends at the real time,
 * so the page's relative times and its chart read as they would live.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { SchedulerModule, Task, type TaskContext, type TaskHandler } from '../../lib/index.js';
import { ManualClock } from '../utils/manual-clock.js';
import { seededRandom } from '../utils/seeded-random.js';
import { startApp, type RunningApp } from './browser-harness.js';

const MINUTE = 60_000;
const MINUTES = 59;

/** Draws of the simulated work: replayed exactly from the seed. */
@Injectable()
class Dice {
  readonly random = seededRandom(20260101);

  between(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low + 1));
  }

  chance(p: number): boolean {
    return this.random() < p;
  }
}

/** Work that takes `ms` of the manual clock, or until its attempt is aborted. */
function work(clock: ManualClock, ctx: TaskContext, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(resolve, ms);
    ctx.signal.addEventListener('abort', () => {
      clock.clearTimer(timer);
      reject(ctx.signal.reason);
    });
  });
}

interface Timed {
  durationMs?: number;
  fail?: boolean;
}

@Task({ name: 'send-email', queue: 'mail' })
class SendEmailTask implements TaskHandler<Timed> {
  constructor(
    private readonly clock: ManualClock,
    private readonly dice: Dice,
  ) {}

  async execute(payload: Timed, ctx: TaskContext): Promise<void> {
    await work(this.clock, ctx, payload.durationMs ?? this.dice.between(80, 420));
    if (payload.fail || this.dice.chance(0.03)) {
      throw new Error('SMTP 451 4.7.1 Temporary local problem, please try again later');
    }
  }
}

@Task({ name: 'resize-image', queue: 'images' })
class ResizeImageTask implements TaskHandler<Timed> {
  constructor(
    private readonly clock: ManualClock,
    private readonly dice: Dice,
  ) {}

  async execute(payload: Timed, ctx: TaskContext): Promise<void> {
    await work(this.clock, ctx, payload.durationMs ?? this.dice.between(200, 1400));
  }
}

@Task({ name: 'generate-report', queue: 'reports' })
class GenerateReportTask implements TaskHandler<Timed> {
  constructor(
    private readonly clock: ManualClock,
    private readonly dice: Dice,
  ) {}

  async execute(payload: Timed, ctx: TaskContext): Promise<void> {
    await work(this.clock, ctx, payload.durationMs ?? this.dice.between(2_000, 18_000));
  }
}

@Task({ name: 'sync-crm', retries: 0 })
class SyncCrmTask implements TaskHandler<Timed> {
  constructor(
    private readonly clock: ManualClock,
    private readonly dice: Dice,
  ) {}

  async execute(payload: Timed, ctx: TaskContext): Promise<void> {
    await work(this.clock, ctx, this.dice.between(300, 900));
    if (payload.fail || this.dice.chance(0.2)) {
      throw new Error('CRM API responded 503 Service Unavailable (GET /v2/contacts?page=4)');
    }
  }
}

@Task({ name: 'cleanup-sessions' })
class CleanupSessionsTask implements TaskHandler<unknown> {
  constructor(private readonly clock: ManualClock) {}

  async execute(_payload: unknown, ctx: TaskContext): Promise<void> {
    await work(this.clock, ctx, 150);
  }
}

export interface PopulatedApp extends RunningApp {
  clock: ManualClock;
  /** Lets running work end, then closes the application. */
  close(): Promise<void>;
}

const people = ['ada', 'grace', 'linus', 'margaret', 'alan', 'barbara', 'ken', 'radia'];
const templates = ['welcome', 'invoice', 'password-reset', 'weekly-digest'];

export async function startPopulatedApp(): Promise<PopulatedApp> {
  const clock = new ManualClock(Date.now() - MINUTES * MINUTE - 30_000);

  @Module({
    imports: [
      SchedulerModule.forRoot({
        admin: true,
        logger: false,
        clock,
        // A name of the picture's own, not the machine that took it.
        nodeId: 'web-1',
        maxWorkers: 16,
        queues: {
          mail: {
            workers: 4,
            retryPolicy: { maxRetries: 2, delay: '30s', backoff: 'exponential' },
          },
          images: { workers: 3, maxSize: 200 },
          reports: { workers: 2, timeout: '15m' },
        },
      }),
    ],
    providers: [
      { provide: ManualClock, useValue: clock },
      Dice,
      SendEmailTask,
      ResizeImageTask,
      GenerateReportTask,
      SyncCrmTask,
      CleanupSessionsTask,
    ],
  })
  class PopulatedAppModule {}

  const running = await startApp(PopulatedAppModule);
  const { scheduler } = running;
  const dice = running.app.get(Dice);
  await clock.advance(0);

  await scheduler.addRecurringJob('1m', 'cleanup-sessions', { olderThan: '24h' });
  await scheduler.addCronJob('*/15 * * * *', 'generate-report', { report: 'kpi-hourly' });
  await scheduler.addRecurringJob('5m', 'sync-crm', { since: 'last-run', token: 'crm-secret' });
  await scheduler.addCronJob('0 6 * * 1-5', 'send-email', { template: 'daily-digest' });
  const backup = await scheduler.addCronJob('0 2 * * *', 'generate-report', { report: 'backup' });
  await scheduler.pauseSchedule(backup);

  for (let minute = 0; minute < MINUTES; minute += 1) {
    const wave = Math.sin(minute / 7) * 0.5 + 0.5;
    // A minute's work arrives in quarters, as a steady load would.
    for (let quarter = 0; quarter < 4; quarter += 1) {
      const emails = Math.round(2 + wave * 4) + dice.between(0, 1);
      const images = Math.round(1 + (1 - wave) * 2) + dice.between(0, 1);
      await scheduler.enqueueBulk([
        ...Array.from({ length: emails }, () => ({
          task: 'send-email',
          payload: {
            to: `${people[dice.between(0, people.length - 1)]}@example.com`,
            template: templates[dice.between(0, templates.length - 1)],
          },
        })),
        ...Array.from({ length: images }, () => ({
          task: 'resize-image',
          payload: { image: `uploads/${dice.between(1000, 9999)}.jpg`, width: 640 },
        })),
      ]);
      if (dice.chance(0.15)) await scheduler.enqueue('sync-crm', { since: 'webhook' });
      await clock.advance(MINUTE / 4);
    }
  }

  // Where things stand now: a paused queue with a backlog, long work running, retries and delays waiting.
  await scheduler.pauseQueue('images');
  await scheduler.enqueueBulk(
    Array.from({ length: 37 }, (_, n) => ({
      task: 'resize-image',
      payload: { image: `uploads/batch-7/${n + 1}.jpg`, width: 1280 },
    })),
  );
  await scheduler.enqueue('generate-report', {
    report: 'quarterly-revenue',
    durationMs: 9 * MINUTE,
  });
  for (const to of ['ada', 'grace']) {
    await scheduler.enqueue('send-email', {
      to: `${to}@example.com`,
      template: 'invoice',
      durationMs: 4 * MINUTE,
    });
  }
  await scheduler.enqueue('sync-crm', { since: 'webhook', fail: true });
  await scheduler.enqueue('send-email', { to: 'ken@example.com', template: 'welcome', fail: true });
  for (const delay of ['10m', '25m', '2h']) {
    await scheduler.addDelayedJob(delay, 'send-email', {
      to: 'radia@example.com',
      template: 'trial-ending',
    });
  }
  const cancelled = await scheduler.addDelayedJob('1h', 'send-email', {
    to: 'alan@example.com',
    template: 'weekly-digest',
  });
  await scheduler.cancelJob(cancelled);
  await clock.advance(20_000);
  return {
    ...running,
    clock,
    close: async () => {
      await clock.advance(20 * MINUTE);
      await running.app.close();
    },
  };
}
