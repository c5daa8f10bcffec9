import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  InvalidArgumentError,
  InvalidStateError,
  QueueFullError,
  ScheduleNotFoundError,
  SchedulerError,
  SchedulerStoppedError,
  StoreUnavailableError,
  TaskNotFoundError,
  UnknownQueueError,
} from '../core/errors.js';
import type { AdminErrorBody } from './admin-http-error.js';
import { applySecurityHeaders } from './security-headers.js';

/**
 * Every admin error as JSON `{ error, field?, allowed? }`. The scheduler's
 * typed errors map to 400, 404, 409 or 503; anything unexpected is a 500 whose
 * body says nothing of its cause (no stack, path or connection string),
 * while the log keeps the detail.
 */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('SchedulerAdmin');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<unknown>();
    const [status, body] = this.describe(exception);
    applySecurityHeaders(this.adapterHost, response);
    this.adapterHost.httpAdapter.reply(response, body, status);
  }

  private describe(exception: unknown): [number, AdminErrorBody] {
    if (exception instanceof HttpException) return [exception.getStatus(), httpBody(exception)];
    if (exception instanceof TaskNotFoundError) return [404, { error: 'Task not found' }];
    if (exception instanceof ScheduleNotFoundError) return [404, { error: 'Schedule not found' }];
    if (exception instanceof UnknownQueueError) return [404, { error: 'Queue not found' }];
    // An id the engine refuses (a space, a slash) is the caller's mistake, not a server fault.
    if (exception instanceof InvalidArgumentError) {
      return [400, { error: exception.message, field: exception.field }];
    }
    if (exception instanceof InvalidStateError || exception instanceof QueueFullError) {
      return [409, { error: exception.message }];
    }
    if (exception instanceof StoreUnavailableError || exception instanceof SchedulerStoppedError) {
      this.logger.warn(`admin request failed: ${exception.message}`);
      return [503, { error: 'The scheduler is unavailable; try again shortly.' }];
    }
    this.logger.error(
      `admin request failed: ${exception instanceof Error ? exception.message : String(exception)}`,
      exception instanceof Error && !(exception instanceof SchedulerError)
        ? exception.stack
        : undefined,
    );
    return [500, { error: 'Internal error' }];
  }
}

/** The body of an HttpException in the admin shape, whoever raised it (our guards, the app's, Nest). */
function httpBody(exception: HttpException): AdminErrorBody {
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null) {
    const { error, field, allowed, message } = response as Record<string, unknown>;
    if (typeof error === 'string' && (field !== undefined || allowed !== undefined || !message)) {
      return {
        error,
        ...(typeof field === 'string' ? { field } : {}),
        ...(Array.isArray(allowed) ? { allowed: allowed.map(String) } : {}),
      };
    }
    if (typeof message === 'string') return { error: message };
    if (Array.isArray(message)) return { error: message.map(String).join('; ') };
  }
  return { error: typeof response === 'string' ? response : exception.message };
}
