import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SchedulerService, type SchedulerEvent } from 'nestjs-scheduler';
import type { Subscription } from 'rxjs';

/** Logs every task lifecycle event as one readable line. */
@Injectable()
export class TaskLogService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Tasks');
  private subscription?: Subscription;

  constructor(private readonly scheduler: SchedulerService) {}

  onModuleInit(): void {
    this.subscription = this.scheduler.events$.subscribe((event) => this.log(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  private log(event: SchedulerEvent): void {
    if (event.type === 'queue-full') {
      this.logger.warn(
        `queue ${event.queue} is full (maxSize ${event.maxSize}): ${event.taskName} refused`,
      );
      return;
    }
    const { task } = event;
    const label = `${task.name} [${task.queue}] ${task.id}`;
    switch (event.type) {
      case 'added':
        return this.logger.log(`+ ${label} added, due ${task.scheduledAt.toISOString()}`);
      case 'schedule-fired':
        return this.logger.log(`* ${event.schedule.id} fired ${label}`);
      case 'started':
        return this.logger.log(`> ${label} started (attempt ${task.attempts})`);
      case 'completed':
        return this.logger.log(`✓ ${label} completed in ${task.durationMs} ms`);
      case 'retrying':
        return this.logger.warn(
          `↻ ${label} failed (${JSON.stringify(task.error)}), retry at ${task.scheduledAt.toISOString()}`,
        );
      case 'failed':
        return this.logger.error(
          `✗ ${label} failed after ${task.attempts} attempt(s): ${JSON.stringify(task.error)}`,
        );
      case 'cancelled':
        return this.logger.warn(`- ${label} cancelled`);
    }
  }
}
