/**
 * A global provider that decorated handlers in e2e tests write to, so that
 * a test can see which handler ran, with what payload and context.
 */
import { Global, Injectable, Module } from '@nestjs/common';
import type { TaskContext } from 'nestjs-scheduler';

/** One handler call, as the handler saw it. */
export interface RecordedRun {
  /** Which handler ran (a label the handler chooses). */
  handler: string;
  payload: unknown;
  taskId: string;
  name: string;
  queue: string;
  attempt: number;
  /** ISO string of ctx.scheduledAt. */
  scheduledAt: string;
  scheduleId: string | null;
  signal: AbortSignal;
  ctx: TaskContext;
  /** Anything else the handler reports (e.g. what an injected dependency returned). */
  note?: unknown;
}

@Injectable()
export class RunLog {
  readonly runs: RecordedRun[] = [];

  record(handler: string, payload: unknown, ctx: TaskContext, note?: unknown): RecordedRun {
    const run: RecordedRun = {
      handler,
      payload,
      taskId: ctx.taskId,
      name: ctx.name,
      queue: ctx.queue,
      attempt: ctx.attempt,
      scheduledAt: ctx.scheduledAt.toISOString(),
      scheduleId: ctx.scheduleId,
      signal: ctx.signal,
      ctx,
      ...(note === undefined ? {} : { note }),
    };
    this.runs.push(run);
    return run;
  }

  /** The runs of one handler. */
  of(handler: string): RecordedRun[] {
    return this.runs.filter((run) => run.handler === handler);
  }

  /** Handler labels, in call order. */
  get handlers(): string[] {
    return this.runs.map((run) => run.handler);
  }
}

@Global()
@Module({ providers: [RunLog], exports: [RunLog] })
export class RunLogModule {}
