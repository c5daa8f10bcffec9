import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cron, SchedulerService, Task, type TaskContext, type TaskHandler } from 'nestjs-scheduler';
import { ExecutionLog } from './execution-log.js';
import { EVERY_SECOND, type ClusterSettings } from './settings.js';

/** Injection token of the instance's settings. */
export const CLUSTER_SETTINGS = Symbol('cluster settings');

/** FNV-1a: the same task lasts as long on every attempt and every instance. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

@Injectable()
abstract class LoggedHandler implements TaskHandler {
  constructor(
    protected readonly log: ExecutionLog,
    private readonly scheduler: SchedulerService,
  ) {}

  abstract execute(payload: unknown, ctx: TaskContext): Promise<void>;

  protected started(ctx: TaskContext): void {
    this.log.write({
      e: 'start',
      task: ctx.taskId,
      attempt: ctx.attempt,
      node: this.scheduler.nodeId,
      due: ctx.scheduledAt.getTime(),
      schedule: ctx.scheduleId,
    });
  }

  protected ended(ctx: TaskContext): void {
    this.log.write({
      e: 'end',
      task: ctx.taskId,
      attempt: ctx.attempt,
      node: this.scheduler.nodeId,
      outcome: ctx.signal.aborted ? 'aborted' : 'ok',
    });
  }
}

/**
 * The bulk of every run. It deliberately ignores its signal: an attempt
 * that runs on after its lease was taken over must still never have its
 * result recorded, whatever the handler does.
 */
@Task({ name: 'work', retries: 1_000 })
export class WorkTask extends LoggedHandler {
  constructor(
    log: ExecutionLog,
    scheduler: SchedulerService,
    @Inject(CLUSTER_SETTINGS) private readonly settings: ClusterSettings,
  ) {
    super(log, scheduler);
  }

  async execute(_payload: unknown, ctx: TaskContext): Promise<void> {
    this.started(ctx);
    const { min, max } = this.settings.workMs;
    const ms = min + (hash(ctx.taskId) % (max - min + 1));
    if (ms > 0) await sleep(ms);
    this.ended(ctx);
  }
}

// A queue of its own: fires never wait behind a backlog of 'work', whatever the run adds.
@Task({ name: 'tick', queue: 'cron' })
@Cron('* * * * * *', { name: EVERY_SECOND })
export class EverySecond extends LoggedHandler {
  async execute(_payload: unknown, ctx: TaskContext): Promise<void> {
    this.started(ctx);
    this.ended(ctx);
  }
}

/** The scheduler's warnings and errors, in the execution log: they explain what the checks find. */
export class LogToExecutionLog implements LoggerService {
  constructor(private readonly target: ExecutionLog) {}

  log(): void {}

  warn(message: unknown): void {
    this.target.write({ e: 'warn', detail: String(message) });
  }

  error(message: unknown, trace?: unknown): void {
    const detail = trace === undefined ? String(message) : `${String(message)}\n${String(trace)}`;
    this.target.write({ e: 'error', detail });
  }
}
