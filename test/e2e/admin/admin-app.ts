/**
 * Booting Nest applications with the scheduler's admin API on either HTTP
 * platform, listening on a loopback address, and talking to them: supertest
 * for ordinary requests, raw node:http where the exact bytes of the request
 * line or the stream of the response matter.
 */
import 'reflect-metadata';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Injectable,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
  type ModuleMetadata,
  type Provider,
} from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  SchedulerModule,
  SchedulerService,
  Task,
  type SchedulerModuleOptions,
  type TaskHandler,
} from 'nestjs-scheduler';
import request from 'supertest';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

export const ADMIN = '/admin/scheduler';

/** Whether the downstream service of FlakyTask is down. */
@Injectable()
export class Outage {
  down = true;
}

/** Completes at once. */
@Task({ name: 'work' })
export class WorkTask implements TaskHandler<unknown> {
  execute(): void {}
}

/** Completes in the 'mail' queue. */
@Task({ name: 'email', queue: 'mail' })
export class EmailTask implements TaskHandler<unknown> {
  execute(): void {}
}

/** Fails while the outage lasts, with no automatic retry, so a retry is always by hand. */
@Task({ name: 'flaky', retries: 0 })
export class FlakyTask implements TaskHandler<unknown> {
  constructor(private readonly outage: Outage) {}
  execute(): void {
    if (this.outage.down) throw new Error('service unavailable');
  }
}

export const TASK_PROVIDERS: Provider[] = [WorkTask, EmailTask, FlakyTask, Outage];

/** Scheduler options the task providers need (their queues), silent. */
export const BASE_OPTIONS = {
  logger: false,
  queues: { mail: {}, reports: {} },
} as const satisfies SchedulerModuleOptions;

export interface AdminAppOptions {
  /** The `admin` option of forRoot (default true). Ignored when `scheduler` is given. */
  admin?: SchedulerModuleOptions['admin'];
  /** A SchedulerModule registration of the test's own (forRootAsync, say). */
  scheduler?: DynamicModule;
  imports?: ModuleMetadata['imports'];
  providers?: Provider[];
  /** The application's logger (default: silent). */
  logger?: LoggerService | false;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
}

export interface AdminApp {
  app: INestApplication;
  scheduler: SchedulerService;
  platform: Platform;
  port: number;
  /** Base URL of the application: through ::1 when it listens there only, else 127.0.0.1. */
  url: string;
  /** A supertest client of the application. */
  http(): ReturnType<typeof request>;
}

const apps = new Set<INestApplication>();
/** Applications whose startup failed: closing them may fail too. */
const failed = new WeakSet<INestApplication>();

/** Boots an application with the admin API and starts it listening; closed by closeAdminApps(). */
export async function bootAdminApp(
  platform: Platform,
  options: AdminAppOptions = {},
): Promise<AdminApp> {
  const scheduler =
    options.scheduler ?? SchedulerModule.forRoot({ ...BASE_OPTIONS, admin: options.admin ?? true });
  const moduleRef = await Test.createTestingModule({
    imports: [scheduler, ...(options.imports ?? [])],
    providers: [...TASK_PROVIDERS, ...(options.providers ?? [])],
  }).compile();
  const appOptions = { logger: options.logger ?? false };
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), appOptions)
      : moduleRef.createNestApplication(new FastifyAdapter(), appOptions);
  apps.add(app);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen(0, host);
  } catch (error) {
    failed.add(app);
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = host === '::1' ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`;
  return {
    app,
    scheduler: app.get(SchedulerService),
    platform,
    port,
    url,
    http: () => request(url),
  };
}

/** Closes every application booted since the last call; use in afterEach. */
export async function closeAdminApps(): Promise<void> {
  const open = [...apps];
  apps.clear();
  for (const app of open) {
    if (failed.has(app)) await app.close().catch(() => undefined);
    else await app.close();
  }
}

/** A response read to its end. */
export interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

/**
 * Sends a request exactly as written (path and query are not re-encoded, so
 * malformed escapes reach the server as they are).
 */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: OutgoingHttpHeaders = {},
  body?: string,
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const framing = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname.replace(/^\[|\]$/g, ''),
        port,
        method,
        path,
        headers: { ...framing, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The headers a same-origin script of the dashboard sends with a changing request. */
export const XHR = { 'X-Requested-With': 'XMLHttpRequest' } as const;

/** Parses a JSON body, failing the test with the text when it is not JSON. */
export function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON: ${text.slice(0, 200)}`);
  }
}

/** An open `GET /events` stream, read as it comes. */
export interface EventStream {
  status: number;
  headers: IncomingMessage['headers'];
  /** The parsed `data:` of every event so far, in order. */
  events: unknown[];
  /** Everything received so far. */
  text(): string;
  /** Resolves once the events received satisfy `done`; rejects after `timeoutMs`. */
  until(done: (events: unknown[]) => boolean, timeoutMs?: number): Promise<unknown[]>;
  close(): void;
}

const streams = new Set<() => void>();

/**
 * Opens the event stream (resolves once the response head arrives; an
 * error answer is read whole). Streams still open are closed by
 * closeEventStreams(), which must run before the applications close.
 */
export function openEventStream(
  url: string,
  path: string,
  headers: OutgoingHttpHeaders = {},
): Promise<EventStream> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const host = hostname.replace(/^\[|\]$/g, '');
    const req = httpRequest({ host, port, path, headers }, (res) => {
      let received = '';
      let buffered = '';
      const events: unknown[] = [];
      const waiters = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        received += chunk;
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('data:')) events.push(JSON.parse(line.slice('data:'.length)));
        }
        for (const wake of waiters) wake();
      });
      const close = () => {
        streams.delete(close);
        req.destroy();
      };
      streams.add(close);
      const stream: EventStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        text: () => received,
        until: (done, timeoutMs = 3_000) =>
          new Promise((resolveWait, rejectWait) => {
            const check = () => {
              if (!done(events)) return;
              waiters.delete(check);
              clearTimeout(timer);
              resolveWait(events);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              rejectWait(new Error(`event stream: not there within ${timeoutMs} ms: ${received}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
        close,
      };
      if (stream.status === 200) resolve(stream);
      else res.on('end', () => resolve(stream));
    });
    // After the head arrived, an error (the stream being closed) no longer matters.
    req.on('error', reject);
    req.end();
  });
}

/** Closes every event stream still open; call before closeAdminApps(). */
export function closeEventStreams(): void {
  for (const close of [...streams]) close();
}
