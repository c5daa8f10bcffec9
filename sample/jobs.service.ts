import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerService } from 'nestjs-scheduler';
import { CleanupTask } from './tasks/cleanup.task.js';
import { EmailTask } from './tasks/email.task.js';

/** Adds the sample's dynamic jobs once the application has started. */
@Injectable()
export class JobsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Jobs');

  constructor(private readonly scheduler: SchedulerService) {}

  async onApplicationBootstrap(): Promise<void> {
    // Immediate: runs as soon as a high_priority worker is free.
    await this.scheduler.addImmediateJob(EmailTask, {
      to: 'admin@example.com',
      subject: 'Scheduler started',
      body: 'The sample application is up.',
    });
    // Delayed: a welcome email five minutes from now.
    await this.scheduler.addDelayedJob('5m', EmailTask, {
      to: 'user@example.com',
      subject: 'Welcome!',
      body: 'Welcome to our platform!',
    });
    // A task in a named queue, by task name.
    await this.scheduler.enqueueToQueue('low_priority', 'report', {
      type: 'monthly',
      userId: 456,
      format: 'csv',
    });
    // The default queue, by class.
    await this.scheduler.enqueue(CleanupTask, { table: 'cache', days: 7 });
    // A cron schedule added at run time (every minute, to see it fire); the id makes it idempotent.
    const id = await this.scheduler.addCronJob(
      '* * * * *',
      'report',
      { type: 'daily', userId: 1, format: 'pdf' },
      { id: 'minutely-report', queue: 'low_priority' },
    );
    this.logger.log(`dynamic jobs added (cron schedule ${id})`);
  }
}
