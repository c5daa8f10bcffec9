import {
  BadRequestException,
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { SchedulerError, SchedulerService, type TaskInfo } from 'nestjs-scheduler';
import { EmailTask, type Email } from './tasks/email.task.js';

/** A tiny HTTP API: queue an email, look at a task. */
@Controller()
export class EmailController {
  constructor(private readonly scheduler: SchedulerService) {}

  /** POST /emails {"to","subject","body"} → {"id"}: the email is queued in high_priority. */
  @Post('emails')
  async send(@Body() body: unknown): Promise<{ id: string }> {
    const email = parseEmail(body);
    try {
      return { id: await this.scheduler.enqueue(EmailTask, email) };
    } catch (error) {
      if (error instanceof SchedulerError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  /** GET /tasks/:id → the task, with its attempts. */
  @Get('tasks/:id')
  async task(@Param('id') id: string): Promise<TaskInfo> {
    const task = await this.scheduler.getTask(id).catch(() => null);
    if (task === null) throw new NotFoundException('Task not found');
    return task;
  }

  /** GET /stats → counts by status and queue. */
  @Get('stats')
  stats() {
    return this.scheduler.getStats();
  }
}

function parseEmail(body: unknown): Email {
  const { to, subject, body: text } = (body ?? {}) as Record<string, unknown>;
  for (const [field, value] of Object.entries({ to, subject, body: text })) {
    if (typeof value !== 'string' || value.length === 0 || value.length > 10_000) {
      throw new BadRequestException(`${field} must be a non-empty string`);
    }
  }
  return { to: to as string, subject: subject as string, body: text as string };
}
