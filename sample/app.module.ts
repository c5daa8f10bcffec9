import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { SchedulerModule } from 'nestjs-scheduler';
import { EmailController } from './email.controller.js';
import { JobsService } from './jobs.service.js';
import { schedulerOptions } from './scheduler.config.js';
import { TaskLogService } from './task-log.service.js';
import { CleanupTask } from './tasks/cleanup.task.js';
import { EmailTask } from './tasks/email.task.js';
import { HealthCheckTask } from './tasks/health-check.task.js';
import { ReportTask } from './tasks/report.task.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    SchedulerModule.forRootAsync({ inject: [ConfigService], useFactory: schedulerOptions }),
  ],
  controllers: [EmailController],
  providers: [EmailTask, CleanupTask, ReportTask, HealthCheckTask, JobsService, TaskLogService],
})
export class AppModule {}
