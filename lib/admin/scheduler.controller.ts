import {
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  Sse,
  UseFilters,
  UseGuards,
  UseInterceptors,
  type MessageEvent,
  type Type,
} from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost } from '@nestjs/core';
import { interval, map, merge, type Observable } from 'rxjs';
import {
  FINISHED_STATUSES,
  type QueueInfo,
  type SchedulerStats,
  type TaskInfo,
} from '../core/types.js';
import { SchedulerService } from '../scheduler.service.js';
import { AdminAccessGuard } from './admin-access.guard.js';
import { AdminActivity } from './admin-activity.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';
import { badRequest, conflict, notFound } from './admin-http-error.js';
import type { ResolvedAdminOptions } from './admin-options.js';
import { parseTaskQuery, type RawQuery } from './admin-query.js';
import { requestPath, type AdminRequest } from './admin-request.js';
import { eventView, scheduleView, taskView } from './admin-views.js';
import { SCHEDULER_ADMIN_OPTIONS } from './admin.constants.js';
import { DashboardAssets } from './dashboard-assets.js';
import type { FinishHistory } from './finish-history.js';
import { MutationGuard } from './mutation.guard.js';
import { SecurityHeadersInterceptor } from './security-headers.interceptor.js';

/** Keeps idle event streams open through proxies that close silent connections. */
const PING_EVERY_MS = 15_000;
const MAX_ID_LENGTH = 512;

/**
 * The admin API and dashboard: read and steer tasks, schedules and queues.
 * Mounted under `admin.path` (default 'admin/scheduler'); see
 * AdminAccessGuard for who may call and MutationGuard for what a changing
 * request must look like.
 */
@UseGuards(AdminAccessGuard, MutationGuard)
@UseInterceptors(SecurityHeadersInterceptor)
@UseFilters(AdminExceptionFilter)
export class SchedulerController {
  constructor(
    private readonly scheduler: SchedulerService,
    @Inject(SCHEDULER_ADMIN_OPTIONS) private readonly options: ResolvedAdminOptions,
    private readonly activity: AdminActivity,
    private readonly assets: DashboardAssets,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  async page(@Req() request: AdminRequest): Promise<string> {
    const page = await this.assets.page(this.pagePrefix(request));
    return page.body;
  }

  /** The page's script modules and style sheet. */
  @Get('assets/:file')
  async asset(
    @Param('file') file: string,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<string> {
    const asset = await this.assets.get(file);
    if (asset === null) throw notFound('Not found');
    this.adapterHost.httpAdapter.setHeader(response, 'Content-Type', asset.contentType);
    return asset.body;
  }

  @Get('stats')
  stats(): Promise<SchedulerStats> {
    return this.scheduler.getStats();
  }

  @Get('history')
  history(): FinishHistory {
    return this.activity.finishes.history();
  }

  @Get('tasks')
  async tasks(@Query() query: RawQuery): Promise<{ tasks: TaskInfo[]; total: number }> {
    const { tasks, total } = await this.scheduler.getTasks(parseTaskQuery(query ?? {}));
    return { tasks: tasks.map((task) => taskView(task, this.options.redact)), total };
  }

  @Get('tasks/:id')
  async task(@Param('id') id: string): Promise<TaskInfo> {
    return taskView(await this.existingTask(id), this.options.redact);
  }

  @Delete('tasks/:id')
  async cancelTask(@Param('id') id: string): Promise<{ status: 'cancelled' }> {
    const task = await this.existingTask(id);
    if (FINISHED_STATUSES.includes(task.status)) {
      throw conflict(`Task is already ${task.status}; only unfinished tasks can be cancelled.`);
    }
    await this.scheduler.cancelTask(task.id);
    return { status: 'cancelled' };
  }

  @Post('tasks/:id/retry')
  @HttpCode(200)
  async retryTask(@Param('id') id: string): Promise<{ status: TaskInfo['status'] }> {
    const task = await this.existingTask(id);
    if (task.status !== 'failed' && task.status !== 'cancelled') {
      throw conflict(`Task is ${task.status}; only failed or cancelled tasks can be retried.`);
    }
    await this.scheduler.retryTask(task.id);
    const after = await this.scheduler.getTask(task.id);
    return { status: after?.status ?? 'pending' };
  }

  @Get('schedules')
  async schedules(): Promise<{ schedules: ReturnType<typeof scheduleView>[] }> {
    const schedules = await this.scheduler.getSchedules();
    return { schedules: schedules.map((schedule) => scheduleView(schedule, this.options.redact)) };
  }

  @Delete('schedules/:id')
  async removeSchedule(@Param('id') id: string): Promise<{ status: 'deleted' }> {
    await this.scheduler.removeSchedule(checkId(id));
    return { status: 'deleted' };
  }

  @Post('schedules/:id/pause')
  @HttpCode(200)
  async pauseSchedule(@Param('id') id: string): Promise<{ paused: true }> {
    await this.scheduler.pauseSchedule(checkId(id));
    return { paused: true };
  }

  @Post('schedules/:id/resume')
  @HttpCode(200)
  async resumeSchedule(@Param('id') id: string): Promise<{ paused: false }> {
    await this.scheduler.resumeSchedule(checkId(id));
    return { paused: false };
  }

  @Post('schedules/:id/trigger')
  @HttpCode(200)
  async triggerSchedule(@Param('id') id: string): Promise<{ taskId: string }> {
    return { taskId: await this.scheduler.triggerSchedule(checkId(id)) };
  }

  @Get('queues')
  async queues(): Promise<{ queues: QueueInfo[] }> {
    return { queues: await this.scheduler.getQueues() };
  }

  @Post('queues/:name/pause')
  @HttpCode(200)
  async pauseQueue(@Param('name') name: string): Promise<{ paused: true }> {
    await this.scheduler.pauseQueue(checkId(name, 'name'));
    return { paused: true };
  }

  @Post('queues/:name/resume')
  @HttpCode(200)
  async resumeQueue(@Param('name') name: string): Promise<{ paused: false }> {
    await this.scheduler.resumeQueue(checkId(name, 'name'));
    return { paused: false };
  }

  /** Task lifecycle events as Server-Sent Events, payloads redacted, with a ping while idle. */
  @Sse('events')
  events(): Observable<MessageEvent> {
    const keys = this.options.redact;
    return merge(
      this.scheduler.events$.pipe(map((event) => ({ data: eventView(event, keys) }))),
      interval(PING_EVERY_MS).pipe(map(() => ({ data: { type: 'ping' } }))),
    );
  }

  private async existingTask(id: string): Promise<TaskInfo> {
    const task = await this.scheduler.getTask(checkId(id));
    if (task === null) throw notFound('Task not found');
    return task;
  }

  /** The URL path the page was asked under (global prefix included), for its links. */
  private pagePrefix(request: AdminRequest): string {
    const path = requestPath(request).replace(/\/+$/, '');
    const own = `/${this.options.path}`;
    const fits =
      /^[A-Za-z0-9._~\-/]*$/.test(path) && path.toLowerCase().endsWith(own.toLowerCase());
    return fits ? path : own;
  }
}

function checkId(id: string, field = 'id'): string {
  if (id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw badRequest(`The ${field} must be 1 to ${MAX_ID_LENGTH} characters long.`, field);
  }
  return id;
}

/**
 * A controller class of its own for one SchedulerModule registration, so
 * that two applications in one process (tests, say) can mount the API under
 * different paths. Its path is set once the module's options are known.
 */
export function createSchedulerController(): Type<SchedulerController> {
  @Controller()
  class MountedSchedulerController extends SchedulerController {}
  return MountedSchedulerController;
}

/** Mounts `controller` under `path` (before the application registers its routes). */
export function mountController(controller: Type<unknown>, path: string): void {
  Reflect.defineMetadata(PATH_METADATA, path, controller);
}
