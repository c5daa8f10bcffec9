import { Task, type TaskContext, type TaskHandler } from 'nestjs-scheduler';
import { setTimeout as sleep } from 'node:timers/promises';

/** What an email task carries. */
export interface Email {
  to: string;
  subject: string;
  body: string;
}

/** Sends an email (simulated): high priority, retried up to three times. */
@Task({ name: 'email', queue: 'high_priority', retries: 3 })
export class EmailTask implements TaskHandler<Email> {
  async execute(email: Email, ctx: TaskContext): Promise<void> {
    // A real mailer would take ctx.signal too, so that a timeout or cancel stops the send.
    await sleep(50 + Math.random() * 150, undefined, { signal: ctx.signal });
    // Payload text is quoted with JSON.stringify: a log line must not carry raw user input.
    ctx.logger.log(`sent ${JSON.stringify(email.subject)} to ${JSON.stringify(email.to)}`);
  }

  /** One email per recipient and subject at a time: adding it twice while unsent is a no-op. */
  id(email: Email): string {
    return `email:${email.to}:${email.subject}`.replace(/[^A-Za-z0-9_.:@-]/g, '_').slice(0, 200);
  }
}
