import 'reflect-metadata';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  BadRequestException,
  HttpException,
  Logger,
  NotFoundException,
  UnauthorizedException,
  type ArgumentsHost,
  type MessageEvent,
} from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { Subject } from 'rxjs';
import { AdminExceptionFilter } from '../../../lib/admin/admin-exception.filter.js';
import { resolveAdminOptions } from '../../../lib/admin/admin-options.js';
import type { AdminActivity } from '../../../lib/admin/admin-activity.js';
import type { DashboardAssets } from '../../../lib/admin/dashboard-assets.js';
import { SchedulerController } from '../../../lib/admin/scheduler.controller.js';
import { SECURITY_HEADERS } from '../../../lib/admin/security-headers.js';
import {
  InvalidArgumentError,
  InvalidStateError,
  QueueFullError,
  ScheduleNotFoundError,
  SchedulerStoppedError,
  StoreUnavailableError,
  TaskNotFoundError,
  UnknownQueueError,
} from '../../../lib/core/errors.js';
import type { SchedulerEvent } from '../../../lib/core/events.js';
import type { TaskInfo } from '../../../lib/core/types.js';
import type { SchedulerService } from '../../../lib/scheduler.service.js';

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('SchedulerController events', () => {
  function controller() {
    const events$ = new Subject<SchedulerEvent>();
    const scheduler = { events$ } as unknown as SchedulerService;
    const instance = new SchedulerController(
      scheduler,
      resolveAdminOptions(true),
      {} as AdminActivity,
      {} as DashboardAssets,
      {} as HttpAdapterHost,
    );
    const received: MessageEvent[] = [];
    const subscription = instance.events().subscribe((event) => received.push(event));
    return { events$, received, subscription };
  }

  it('sends each event, its task payload redacted', () => {
    const { events$, received, subscription } = controller();
    const task = { id: 't1', payload: { token: 't', n: 1 } } as unknown as TaskInfo;
    events$.next({ type: 'added', task, queue: 'default', at: new Date(0) });
    subscription.unsubscribe();
    expect(received).toEqual([
      {
        data: {
          type: 'added',
          task: { id: 't1', payload: { token: '[redacted]', n: 1 } },
          queue: 'default',
          at: new Date(0),
        },
      },
    ]);
  });

  it('pings every 15 seconds, and stops when the client leaves', () => {
    jest.useFakeTimers();
    const { received, subscription } = controller();
    jest.advanceTimersByTime(14_999);
    expect(received).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(received).toEqual([{ data: { type: 'ping' } }]);
    jest.advanceTimersByTime(30_000);
    expect(received).toHaveLength(3);
    subscription.unsubscribe();
    jest.advanceTimersByTime(60_000);
    expect(received).toHaveLength(3);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('AdminExceptionFilter', () => {
  function filter() {
    const replies: { status: number; body: unknown; headers: Record<string, string> }[] = [];
    const headers: Record<string, string> = {};
    const adapterHost = {
      httpAdapter: {
        setHeader: (_response: unknown, name: string, value: string) => (headers[name] = value),
        reply: (_response: unknown, body: unknown, status: number) =>
          replies.push({ status, body, headers: { ...headers } }),
      },
    } as unknown as HttpAdapterHost;
    const host = {
      switchToHttp: () => ({ getResponse: () => ({}) }),
    } as unknown as ArgumentsHost;
    const instance = new AdminExceptionFilter(adapterHost);
    return (exception: unknown) => {
      instance.catch(exception, host);
      return replies.at(-1)!;
    };
  }

  it.each<[string, unknown, number, unknown]>([
    ['TaskNotFoundError', new TaskNotFoundError('t1'), 404, { error: 'Task not found' }],
    [
      'ScheduleNotFoundError',
      new ScheduleNotFoundError('s1'),
      404,
      { error: 'Schedule not found' },
    ],
    [
      'UnknownQueueError',
      new UnknownQueueError('q', ['default']),
      404,
      { error: 'Queue not found' },
    ],
    [
      'InvalidArgumentError',
      new InvalidArgumentError('id', 'a b', 'it must match /^[a-z]+$/'),
      400,
      { error: 'Invalid id: "a b"; it must match /^[a-z]+$/.', field: 'id' },
    ],
    [
      'InvalidStateError',
      new InvalidStateError('t1', 'completed', 'cancel'),
      409,
      { error: expect.stringContaining('completed') },
    ],
    ['QueueFullError', new QueueFullError('mail', 3), 409, { error: expect.any(String) }],
    [
      'an UnauthorizedException with a message',
      new UnauthorizedException('Sign in first'),
      401,
      { error: 'Sign in first' },
    ],
    ['a bare NotFoundException', new NotFoundException(), 404, { error: 'Not Found' }],
    [
      'a BadRequestException with a list of messages',
      new BadRequestException(['a is bad', 'b is bad']),
      400,
      { error: 'a is bad; b is bad' },
    ],
    [
      'an HttpException with a string',
      new HttpException('Too many requests', 429),
      429,
      { error: 'Too many requests' },
    ],
  ])('answers %s as JSON', (_what, exception, status, body) => {
    const reply = filter()(exception);
    expect(reply.status).toBe(status);
    expect(reply.body).toEqual(body);
    expect(reply.headers).toEqual(SECURITY_HEADERS);
  });

  it.each([
    ['StoreUnavailableError', new StoreUnavailableError('read tasks', new Error('ECONNREFUSED'))],
    ['SchedulerStoppedError', new SchedulerStoppedError('read tasks')],
  ])('answers %s with 503 and nothing of its cause', (_what, exception) => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const reply = filter()(exception);
    expect(reply).toMatchObject({
      status: 503,
      body: { error: 'The scheduler is unavailable; try again shortly.' },
    });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('answers anything unexpected with a bare 500, keeping the detail for the log', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const leak = new Error(
      'connect failed: postgres://admin:hunter2@db.internal:5432/jobs at /srv/app/node_modules/pg/lib/client.js:12:3',
    );
    const reply = filter()(leak);
    expect(reply).toEqual({
      status: 500,
      body: { error: 'Internal error' },
      headers: SECURITY_HEADERS,
    });
    expect(JSON.stringify(reply.body)).not.toMatch(/postgres|node_modules|hunter2/);
    expect(error).toHaveBeenCalledWith(expect.stringContaining('postgres://'), leak.stack);
    expect(filter()('a thrown string')).toMatchObject({ status: 500 });
  });
});
