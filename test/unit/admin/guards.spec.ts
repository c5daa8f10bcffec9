import 'reflect-metadata';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  HttpException,
  Logger,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { AdminAccessGuard } from '../../../lib/admin/admin-access.guard.js';
import { resolveAdminOptions, type AdminOptions } from '../../../lib/admin/admin-options.js';
import type { AdminRequest } from '../../../lib/admin/admin-request.js';
import { MutationGuard } from '../../../lib/admin/mutation.guard.js';

afterEach(() => {
  jest.restoreAllMocks();
});

interface FakeRequest extends AdminRequest {
  user?: string;
}

function request(overrides: Partial<FakeRequest> = {}): FakeRequest {
  return {
    method: 'GET',
    url: '/admin/scheduler/tasks',
    headers: { host: 'localhost:3000' },
    socket: { remoteAddress: '127.0.0.1' },
    ...overrides,
  };
}

const contextOf = (req: FakeRequest): ExecutionContext =>
  ({ switchToHttp: () => ({ getRequest: () => req }) }) as unknown as ExecutionContext;

/** A ModuleRef that knows `providers` (by class) and builds anything else. */
function moduleRefWith(providers: Map<Type<unknown>, unknown> = new Map()) {
  const created: Type<unknown>[] = [];
  const ref = {
    get: (type: Type<unknown>) => {
      if (!providers.has(type)) throw new Error(`no provider ${type.name}`);
      return providers.get(type);
    },
    create: async (type: Type<unknown>) => {
      created.push(type);
      return new type();
    },
  };
  return { ref: ref as unknown as ModuleRef, created };
}

async function accessGuard(admin: boolean | AdminOptions, moduleRef = moduleRefWith().ref) {
  const guard = new AdminAccessGuard(resolveAdminOptions(admin), moduleRef);
  await guard.onModuleInit();
  return guard;
}

/** The status and body of what `run` throws, or 'allowed' when it lets the request through. */
async function outcome(run: () => boolean | Promise<boolean>): Promise<unknown> {
  try {
    return (await run()) ? 'allowed' : 'refused';
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    return { status: error.getStatus(), body: error.getResponse() };
  }
}

const status = async (run: () => boolean | Promise<boolean>) => {
  const result = await outcome(run);
  return typeof result === 'string' ? result : (result as { status: number }).status;
};

describe('AdminAccessGuard', () => {
  it('answers 404 while the admin API is off', async () => {
    const guard = await accessGuard(false);
    expect(await outcome(() => guard.canActivate(contextOf(request())))).toEqual({
      status: 404,
      body: { error: 'Not found' },
    });
  });

  it.each([
    ['127.0.0.1', 'localhost:3000'],
    ['::1', '[::1]:3000'],
    ['::ffff:127.0.0.1', '127.0.0.1:3000'],
    ['127.0.0.1', 'dashboard.localhost'],
  ])('by default lets a loopback caller %s asking for %s in', async (peer, host) => {
    const guard = await accessGuard(true);
    const req = request({ socket: { remoteAddress: peer }, headers: { host } });
    expect(await status(() => guard.canActivate(contextOf(req)))).toBe('allowed');
  });

  it('reads the peer of a Fastify request too', async () => {
    const guard = await accessGuard(true);
    const local = request({ socket: undefined, raw: { socket: { remoteAddress: '::1' } } });
    const remote = request({ socket: undefined, raw: { socket: { remoteAddress: '10.0.0.1' } } });
    expect(await status(() => guard.canActivate(contextOf(local)))).toBe('allowed');
    expect(await status(() => guard.canActivate(contextOf(remote)))).toBe(403);
  });

  it.each(['203.0.113.7', '::ffff:10.0.0.1', 'fd00::2', undefined])(
    'by default refuses the caller %p with 403 and a JSON error',
    async (peer) => {
      const guard = await accessGuard(true);
      const req = request({ socket: { remoteAddress: peer } });
      const result = (await outcome(() => guard.canActivate(contextOf(req)))) as {
        status: number;
        body: { error: string };
      };
      expect(result.status).toBe(403);
      expect(result.body.error).toMatch(/only answers callers on this machine/);
    },
  );

  it.each(['evil.example', 'evil.example:3000', '127.0.0.1.evil.example', undefined])(
    'by default refuses a loopback caller whose Host is %p (DNS rebinding)',
    async (host) => {
      const guard = await accessGuard(true);
      const req = request({ headers: host === undefined ? {} : { host } });
      expect(await outcome(() => guard.canActivate(contextOf(req)))).toEqual({
        status: 403,
        body: { error: 'The scheduler admin API only answers requests addressed to localhost.' },
      });
    },
  );

  it('ignores a spoofed X-Forwarded-For without trustProxy', async () => {
    const guard = await accessGuard(true);
    const remote = request({
      socket: { remoteAddress: '203.0.113.7' },
      headers: { host: 'localhost', 'x-forwarded-for': '127.0.0.1' },
    });
    const local = request({ headers: { host: 'localhost', 'x-forwarded-for': '203.0.113.7' } });
    expect(await status(() => guard.canActivate(contextOf(remote)))).toBe(403);
    expect(await status(() => guard.canActivate(contextOf(local)))).toBe('allowed');
  });

  it('with trustProxy, judges the forwarded caller, not the proxy', async () => {
    const viaProxy = (forwarded: string) =>
      request({ headers: { host: 'localhost', 'x-forwarded-for': forwarded } });
    const trustAll = await accessGuard({ trustProxy: true });
    expect(await status(() => trustAll.canActivate(contextOf(viaProxy('203.0.113.7'))))).toBe(403);
    expect(await status(() => trustAll.canActivate(contextOf(viaProxy('127.0.0.1'))))).toBe(
      'allowed',
    );
    // A remote client that writes 127.0.0.1 into the header is still seen as itself.
    const spoofed = viaProxy('127.0.0.1, 203.0.113.7');
    expect(await status(() => trustAll.canActivate(contextOf(spoofed)))).toBe(403);
    const oneHop = await accessGuard({ trustProxy: 1 });
    expect(await status(() => oneHop.canActivate(contextOf(spoofed)))).toBe(403);
  });

  it.each<[boolean | number]>([[true], [1], [3]])(
    'with trustProxy %p, refuses a remote peer that sends X-Forwarded-For: 127.0.0.1 itself',
    async (trustProxy) => {
      const guard = await accessGuard({ trustProxy });
      const direct = request({
        socket: { remoteAddress: '203.0.113.7' },
        headers: { host: 'localhost', 'x-forwarded-for': '127.0.0.1' },
      });
      expect(await status(() => guard.canActivate(contextOf(direct)))).toBe(403);
    },
  );

  it('with allowRemote, answers any caller and any Host, and warns at startup', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const guard = await accessGuard({ allowRemote: true });
    const req = request({
      socket: { remoteAddress: '203.0.113.7' },
      headers: { host: 'evil.example' },
    });
    expect(await status(() => guard.canActivate(contextOf(req)))).toBe('allowed');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/admin\.allowRemote/);
  });

  it('does not warn without allowRemote, nor when guards protect the API', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await accessGuard(true);
    await accessGuard({ allowRemote: true, guards: [{ canActivate: () => true }] });
    expect(warn).not.toHaveBeenCalled();
  });

  describe('with the application guards', () => {
    const byUser: CanActivate = {
      canActivate: (context) => context.switchToHttp().getRequest<FakeRequest>().user === 'admin',
    };

    it('lets them decide instead of the loopback and Host rules', async () => {
      const guard = await accessGuard({ guards: [byUser] });
      const remoteAdmin = request({
        user: 'admin',
        socket: { remoteAddress: '203.0.113.7' },
        headers: { host: 'scheduler.example.com' },
      });
      const localStranger = request({ user: 'guest' });
      expect(await status(() => guard.canActivate(contextOf(remoteAdmin)))).toBe('allowed');
      expect(await outcome(() => guard.canActivate(contextOf(localStranger)))).toEqual({
        status: 403,
        body: { error: 'Forbidden' },
      });
    });

    it('needs every guard to agree, and passes their own exceptions on', async () => {
      const unauthorized: CanActivate = {
        canActivate: () => {
          throw new UnauthorizedException('Sign in first');
        },
      };
      const denyAll: CanActivate = { canActivate: async () => false };
      const admin = request({ user: 'admin' });
      const both = await accessGuard({ guards: [byUser, denyAll] });
      expect(await status(() => both.canActivate(contextOf(admin)))).toBe(403);
      const throwing = await accessGuard({ guards: [byUser, unauthorized] });
      expect(await status(() => throwing.canActivate(contextOf(admin)))).toBe(401);
    });

    it('takes a class guard from DI when it is a provider, else builds it', async () => {
      class RegisteredGuard implements CanActivate {
        canActivate = () => true;
      }
      class UnregisteredGuard implements CanActivate {
        canActivate = () => false;
      }
      const registered = new RegisteredGuard();
      const { ref, created } = moduleRefWith(new Map([[RegisteredGuard, registered]]));
      const allow = await accessGuard({ guards: [RegisteredGuard] }, ref);
      expect(await status(() => allow.canActivate(contextOf(request())))).toBe('allowed');
      expect(created).toEqual([]);
      const deny = await accessGuard({ guards: [UnregisteredGuard] }, ref);
      expect(created).toEqual([UnregisteredGuard]);
      expect(await status(() => deny.canActivate(contextOf(request())))).toBe(403);
    });
  });
});

describe('MutationGuard', () => {
  const guard = new MutationGuard();
  const check = (req: FakeRequest) => outcome(() => guard.canActivate(contextOf(req)));
  const json = { 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' };

  it.each(['GET', 'HEAD', 'OPTIONS', undefined])('lets the safe method %p through', async (m) => {
    expect(await check(request({ method: m, headers: {} }))).toBe('allowed');
  });

  it.each([
    ['POST', { ...json, host: 'localhost:3000' }],
    ['post', { ...json, host: 'localhost:3000' }],
    ['POST', { ...json, 'content-type': 'Application/JSON; charset=utf-8' }],
    ['POST', { ...json, 'x-requested-with': 'xmlhttprequest' }],
    ['POST', { ...json, host: 'localhost:3000', origin: 'http://localhost:3000' }],
    ['POST', { ...json, 'sec-fetch-site': 'same-origin' }],
    ['POST', { ...json, 'sec-fetch-site': 'none' }],
    ['DELETE', { 'x-requested-with': 'XMLHttpRequest' }],
    ['DELETE', { 'x-requested-with': 'XMLHttpRequest', 'content-type': 'text/plain' }],
  ])('lets a same-origin %s with %j through', async (method, headers) => {
    expect(await check(request({ method, headers }))).toBe('allowed');
  });

  it.each([
    ['a form post', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a text/plain post', 'POST', { 'content-type': 'text/plain' }],
    ['a multipart post', 'POST', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['a JSON post without X-Requested-With', 'POST', { 'content-type': 'application/json' }],
    ['a DELETE without X-Requested-With', 'DELETE', {}],
    ['a wrong X-Requested-With', 'POST', { ...json, 'x-requested-with': 'fetch' }],
    ['a foreign Origin', 'POST', { ...json, origin: 'https://evil.example' }],
    ['Origin null', 'POST', { ...json, origin: 'null' }],
    ['an Origin on another port', 'DELETE', { ...json, origin: 'http://localhost:4000' }],
    ['an Origin without a Host', 'POST', { ...json, host: undefined, origin: 'http://x' }],
    ['Sec-Fetch-Site cross-site', 'POST', { ...json, 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site', 'DELETE', { ...json, 'sec-fetch-site': 'same-site' }],
  ])('refuses %s with 403', async (_what, method, headers) => {
    const result = (await check(
      request({ method, headers: { host: 'localhost:3000', ...headers } }),
    )) as { status: number; body: { error: string } };
    expect(result.status).toBe(403);
    expect(typeof result.body.error).toBe('string');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', undefined])(
    'refuses a POST of %p that carries the header with a 400 naming content-type',
    async (type) => {
      const headers = { 'x-requested-with': 'XMLHttpRequest', 'content-type': type };
      expect(await check(request({ method: 'POST', headers }))).toEqual({
        status: 400,
        body: {
          error: 'POST requests take a JSON body (Content-Type: application/json).',
          field: 'content-type',
          allowed: ['application/json'],
        },
      });
    },
  );
});
