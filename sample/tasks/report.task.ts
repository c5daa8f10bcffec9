import { Cron, Task, type TaskContext, type TaskHandler } from 'nestjs-scheduler';
import { setTimeout as sleep } from 'node:timers/promises';

/** A report request. */
export interface Report {
  type: 'daily' | 'weekly' | 'monthly';
  userId: number;
  format: 'pdf' | 'csv' | 'excel';
}

/** Builds a report (simulated); the weekly system report runs every Monday at 9. */
@Task({ name: 'report', queue: 'low_priority', retries: 2, timeout: '1m' })
@Cron('0 9 * * 1', { name: 'weekly-report', payload: { type: 'weekly', userId: 0, format: 'pdf' } })
export class ReportTask implements TaskHandler<Report> {
  async execute(report: Report, ctx: TaskContext): Promise<void> {
    await sleep(200, undefined, { signal: ctx.signal });
    ctx.logger.log(`built the ${report.type} ${report.format} report for user ${report.userId}`);
  }
}
