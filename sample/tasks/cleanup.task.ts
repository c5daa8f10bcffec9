import { Cron, type TaskContext, type TaskHandler } from 'nestjs-scheduler';

/** Which table to clean and how many days of rows to keep. */
export interface Cleanup {
  table: string;
  days: number;
}

/** Removes old rows every night at 2 o'clock (simulated). */
@Cron('0 2 * * *', { name: 'cleanup-logs', payload: { table: 'logs', days: 30 }, retries: 1 })
export class CleanupTask implements TaskHandler<Cleanup> {
  execute({ table, days }: Cleanup, ctx: TaskContext): void {
    ctx.logger.log(`cleaning ${table}: removing rows older than ${days} days`);
  }
}
