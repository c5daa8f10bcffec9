import { Module } from '@nestjs/common';
import { SchedulerModule } from 'nestjs-scheduler';
import { EmailController } from './email.controller.js';
import { JobsService } from './jobs.service.js';
import { TaskLogService } from './task-log.service.js';
import { CleanupTask } from './tasks/cleanup.task.js';
import { EmailTask } from './tasks/email.task.js';
import { HealthCheckTask } from './tasks/health-check.task.js';
import { ReportTask } from './tasks/report.task.js';

@Module({
  imports: [
    SchedulerModule.forRoot({
      maxWorkers: 10,
      queueSize: 1000,
      queues: {
        high_priority: {
          maxSize: 100,
          workers: 5,
          timeout: '30s',
          retryPolicy: { maxRetries: 3, delay: '5s', backoff: 'exponential' },
        },
        low_priority: {
          maxSize: 1000,
          workers: 2,
          timeout: '5m',
          retryPolicy: { maxRetries: 1, delay: '10s', backoff: 'fixed' },
        },
      },
    }),
  ],
  controllers: [EmailController],
  providers: [EmailTask, CleanupTask, ReportTask, HealthCheckTask, JobsService, TaskLogService],
})
export class AppModule {}
