import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cron, Task, type TaskContext, type TaskHandler } from 'nestjs-scheduler';
import { CrashLog } from './crash-log.js';

/** Injection token of the app's settings. */
export const CRASH_SETTINGS = Symbol('crash settings');

export interface CrashSettings {
  /** How long each 'work' attempt takes. */
  workMs: number;
}

/** The bulk of a crash run: each attempt logs its start and, if it got that far, its end. */
@Task({ name: 'work', retries: 10 })
export class WorkTask implements TaskHandler<{ n: number }> {
  constructor(
    private readonly log: CrashLog,
    @Inject(CRASH_SETTINGS) private readonly settings: CrashSettings,
  ) {}

  async execute(_payload: { n: number }, ctx: TaskContext): Promise<void> {
    this.log.write('start', ctx.taskId, ctx.attempt);
    await sleep(this.settings.workMs, undefined, { signal: ctx.signal });
    this.log.write('done', ctx.taskId, ctx.attempt);
  }
}

/** Logs each fire of a schedule: which schedule, for which fire time. */
@Injectable() // so that its constructor's parameter types are recorded for the subclasses
abstract class FireLogger implements TaskHandler {
  constructor(private readonly log: CrashLog) {}

  execute(_payload: unknown, ctx: TaskContext): void {
    this.log.write('fire', ctx.scheduleId, ctx.scheduledAt.getTime(), ctx.taskId);
  }
}

// Every three seconds, one schedule per misfire policy: the period leaves a restarted
// instance time to boot before the next regular fire, so catch-ups are told from fires.
@Task({ name: 'tick-run-once' })
@Cron('*/3 * * * * *', { name: 'decorated-run-once', misfire: 'run-once' })
export class RunOnceTick extends FireLogger {}

@Task({ name: 'tick-skip' })
@Cron('*/3 * * * * *', { name: 'decorated-skip', misfire: 'skip' })
export class SkipTick extends FireLogger {}

@Task({ name: 'tick-run-all' })
@Cron('*/3 * * * * *', { name: 'decorated-run-all', misfire: 'run-all', maxCatchUp: 3 })
export class RunAllTick extends FireLogger {}

/** Fired by the schedule the app adds through the API. */
@Task({ name: 'runtime-tick' })
export class RuntimeTick extends FireLogger {}
