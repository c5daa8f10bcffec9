/**
 * Who may call the admin API and how a changing request must look, on
 * Express and on Fastify. Every request goes to a loopback address: a
 * remote caller is simulated by a trusted proxy's X-Forwarded-For.
 */
import 'reflect-metadata';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  Global,
  Injectable,
  Module,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { AdminOptions } from 'nestjs-scheduler';
import type { Test } from 'supertest';
import { RecordingLogger } from '../nest-app.js';
import {
  ADMIN,
  PLATFORMS,
  XHR,
  bootAdminApp,
  closeAdminApps,
  json,
  rawRequest,
  type AdminApp,
  type AdminAppOptions,
} from './admin-app.js';

afterEach(closeAdminApps);

/** Whether this machine can listen on and connect to ::1 (some containers have no IPv6 loopback). */
async function ipv6LoopbackWorks(): Promise<boolean> {
  const server = createServer((_req, res) => res.end('ok'));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '::1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    return await new Promise<boolean>((resolve) => {
      const req = httpRequest({ host: '::1', port, path: '/' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  } catch {
    return false;
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

const IPV6_LOOPBACK = await ipv6LoopbackWorks();
const itIpv6 = IPV6_LOOPBACK ? it : it.skip;
const ipv6Note = IPV6_LOOPBACK ? '' : ' (skipped: this machine cannot listen on ::1)';

/** Records the peer address of every connection the application accepts. */
function recordPeers(admin: AdminApp): string[] {
  const peers: string[] = [];
  admin.app.getHttpServer().on('connection', (socket: Socket) => {
    peers.push(socket.remoteAddress ?? '');
  });
  return peers;
}

const FORBIDDEN_REMOTE =
  'The scheduler admin API only answers callers on this machine; configure admin.guards to open it to others.';
const FORBIDDEN_HOST = 'The scheduler admin API only answers requests addressed to localhost.';

/** An API key store the application's guard depends on. */
@Injectable()
class AdminKeys {
  readonly keys = new Set(['k-123']);
}

@Global()
@Module({ providers: [AdminKeys], exports: [AdminKeys] })
class AdminKeysModule {}

/** An application guard that needs DI: it reads the keys through an injected provider. */
@Injectable()
class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: AdminKeys) {}
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const key = headers['x-api-key'];
    return typeof key === 'string' && this.keys.keys.has(key);
  }
}

/** An instance guard that lets callers with X-Role admin in. */
const roleGuard: CanActivate = {
  canActivate: (context) =>
    context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers['x-role'] ===
    'admin',
};

/** A guard that asks every caller to sign in first. */
const signInGuard: CanActivate = {
  canActivate: () => {
    throw new UnauthorizedException('Sign in to use the scheduler admin.');
  },
};

describe.each(PLATFORMS)('admin access on %s', (platform) => {
  const boot = (options?: AdminAppOptions) => bootAdminApp(platform, options);

  describe('loopback callers', () => {
    it('answers a caller on 127.0.0.1', async () => {
      const admin = await boot({ host: '127.0.0.1' });
      const peers = recordPeers(admin);
      const response = await rawRequest(`http://127.0.0.1:${admin.port}`, 'GET', `${ADMIN}/stats`);
      expect(response.status).toBe(200);
      expect(peers).toEqual(['127.0.0.1']);
    });

    itIpv6(`answers a caller on ::1${ipv6Note}`, async () => {
      const admin = await boot({ host: '::1' });
      const peers = recordPeers(admin);
      expect(admin.url).toBe(`http://[::1]:${admin.port}`);
      const response = await rawRequest(admin.url, 'GET', `${ADMIN}/stats`);
      expect(response.status).toBe(200);
      expect(peers).toEqual(['::1']);
    });

    it('answers an IPv4 caller of a dual-stack server, seen as ::ffff:127.0.0.1', async () => {
      const admin = await boot({ host: '::' });
      const peers = recordPeers(admin);
      const response = await rawRequest(`http://127.0.0.1:${admin.port}`, 'GET', `${ADMIN}/stats`);
      expect(response.status).toBe(200);
      expect(peers).toEqual(['::ffff:127.0.0.1']);
    });
  });

  describe('remote callers (through a trusted proxy)', () => {
    const forwardedFor = async (options: AdminOptions, forwarded?: string) => {
      const admin = await boot({ admin: options });
      const get = admin.http().get(`${ADMIN}/stats`);
      return forwarded === undefined ? get : get.set('X-Forwarded-For', forwarded);
    };

    it('refuses a remote caller with 403 and a JSON error', async () => {
      const response = await forwardedFor({ trustProxy: true }, '203.0.113.7');
      expect(response.status).toBe(403);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ error: FORBIDDEN_REMOTE });
    });

    it('judges the peer when a trusted proxy forwards nothing', async () => {
      expect((await forwardedFor({ trustProxy: true })).status).toBe(200);
    });

    it.each<[boolean | number]>([[true], [1]])(
      'with trustProxy %p, takes the address the proxy saw, not what the client claims',
      async (trustProxy) => {
        // The proxy appended the client it saw (203.0.113.7) to the client's own claim (127.0.0.1).
        const spoofed = await forwardedFor({ trustProxy }, '127.0.0.1, 203.0.113.7');
        expect([spoofed.status, spoofed.body]).toEqual([403, { error: FORBIDDEN_REMOTE }]);
        // A client on this machine, through the local proxy.
        expect((await forwardedFor({ trustProxy }, '127.0.0.1')).status).toBe(200);
      },
    );

    it('with a hop count, trusts that many proxies on this machine and no more', async () => {
      // The nearest proxy says its client was local: a caller on this machine.
      expect((await forwardedFor({ trustProxy: 1 }, '203.0.113.7, 127.0.0.1')).status).toBe(200);
      // Two trusted proxies: the address two hops back is the remote client.
      expect((await forwardedFor({ trustProxy: 2 }, '203.0.113.7, 127.0.0.1')).status).toBe(403);
      // A proxy on another machine vouching for a "local" client of its own is not trusted.
      expect((await forwardedFor({ trustProxy: 2 }, '127.0.0.1, 10.0.0.2')).status).toBe(403);
      expect((await forwardedFor({ trustProxy: true }, '127.0.0.1, 10.0.0.2')).status).toBe(403);
    });

    it('without trustProxy, X-Forwarded-For changes nothing, either way', async () => {
      const local = await forwardedFor({}, '203.0.113.7');
      expect(local.status).toBe(200);
      const claimed = await forwardedFor({}, '127.0.0.1');
      expect(claimed.status).toBe(200);
      // The same claim by a remote client behind a proxy trusted for one hop is still refused.
      const remote = await forwardedFor({ trustProxy: 1 }, '127.0.0.1, 127.0.0.1, 203.0.113.7');
      expect(remote.status).toBe(403);
    });
  });

  describe('the Host header', () => {
    it.each([
      'evil.example',
      'evil.example:3000',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
    ])('refuses Host %s in the default mode (DNS rebinding)', async (host) => {
      const admin = await boot();
      const response = await admin.http().get(`${ADMIN}/stats`).set('Host', host);
      expect([response.status, response.body]).toEqual([403, { error: FORBIDDEN_HOST }]);
      const page = await admin.http().get(ADMIN).set('Host', host);
      expect(page.status).toBe(403);
    });

    it('answers the loopback names, with or without a port', async () => {
      const admin = await boot();
      for (const host of [
        `localhost:${admin.port}`,
        `127.0.0.1:${admin.port}`,
        `[::1]:${admin.port}`,
        'app.localhost',
        'localhost',
      ]) {
        const response = await admin.http().get(`${ADMIN}/stats`).set('Host', host);
        expect([host, response.status]).toEqual([host, 200]);
      }
    });

    it.each<[string, AdminAppOptions]>([
      ['guards', { admin: { guards: [{ canActivate: () => true }] } }],
      ['allowRemote', { admin: { allowRemote: true } }],
    ])('does not apply with %s', async (_mode, options) => {
      const admin = await boot(options);
      const response = await admin.http().get(`${ADMIN}/stats`).set('Host', 'evil.example:3000');
      expect(response.status).toBe(200);
    });
  });

  describe('application guards', () => {
    it('resolve a class guard through DI, and let it decide instead of the loopback rule', async () => {
      const admin = await boot({
        admin: { guards: [ApiKeyGuard], trustProxy: true },
        imports: [AdminKeysModule],
        providers: [ApiKeyGuard],
      });
      const stats = () => admin.http().get(`${ADMIN}/stats`);
      expect((await stats().set('X-Api-Key', 'k-123')).status).toBe(200);
      const denied = await stats().set('X-Api-Key', 'wrong');
      expect([denied.status, denied.body]).toEqual([403, { error: 'Forbidden' }]);
      expect((await stats()).status).toBe(403);
      const remote = await stats()
        .set('X-Api-Key', 'k-123')
        .set('X-Forwarded-For', '203.0.113.7')
        .set('Host', 'scheduler.example.com');
      expect(remote.status).toBe(200);
    });

    it('build a class guard that is no provider, with its dependencies', async () => {
      const admin = await boot({
        admin: { guards: [ApiKeyGuard] },
        imports: [AdminKeysModule],
      });
      expect((await admin.http().get(`${ADMIN}/queues`).set('X-Api-Key', 'k-123')).status).toBe(
        200,
      );
      expect((await admin.http().get(`${ADMIN}/queues`)).status).toBe(403);
    });

    it('take an instance guard', async () => {
      const admin = await boot({ admin: { guards: [roleGuard] } });
      expect((await admin.http().get(`${ADMIN}/tasks`).set('X-Role', 'admin')).status).toBe(200);
      expect((await admin.http().get(`${ADMIN}/tasks`).set('X-Role', 'guest')).status).toBe(403);
      expect((await admin.http().get(ADMIN).set('X-Role', 'guest')).status).toBe(403);
    });

    it('answer 401 with a JSON error when a guard throws UnauthorizedException', async () => {
      const admin = await boot({ admin: { guards: [signInGuard] } });
      const response = await admin.http().get(`${ADMIN}/stats`);
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
      expect(response.body).toEqual({ error: 'Sign in to use the scheduler admin.' });
    });

    it('still leave changing requests to the mutation rules', async () => {
      const admin = await boot({ admin: { guards: [roleGuard] } });
      const id = await admin.scheduler.addDelayedJob('1h', 'work', {});
      const refused = await admin.http().delete(`${ADMIN}/tasks/${id}`).set('X-Role', 'admin');
      expect(refused.status).toBe(403);
      expect((await admin.scheduler.getTask(id))?.status).toBe('pending');
      await admin.http().delete(`${ADMIN}/tasks/${id}`).set('X-Role', 'admin').set(XHR).expect(200);
    });
  });

  describe('allowRemote', () => {
    it('answers remote callers and logs a warning naming allowRemote at startup', async () => {
      const logger = new RecordingLogger();
      const admin = await boot({ admin: { allowRemote: true, trustProxy: true }, logger });
      const warnings = logger.messages('warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('admin.allowRemote');
      expect(warnings[0]).toContain(`/${ADMIN.slice(1)}`);
      const response = await admin
        .http()
        .get(`${ADMIN}/stats`)
        .set('X-Forwarded-For', '203.0.113.7');
      expect(response.status).toBe(200);
    });

    it('is not warned about in the default mode', async () => {
      const logger = new RecordingLogger();
      await boot({ logger });
      expect(logger.messages('warn')).toEqual([]);
    });
  });

  describe('changing requests', () => {
    /** A pending task, a cancelled one and a running queue: what a forged request would change. */
    async function targets(admin: AdminApp) {
      const pending = await admin.scheduler.addDelayedJob('1h', 'work', {});
      const cancelled = await admin.scheduler.addDelayedJob('1h', 'work', {});
      await admin.scheduler.cancelTask(cancelled);
      const state = async () => ({
        pending: (await admin.scheduler.getTask(pending))?.status,
        cancelled: (await admin.scheduler.getTask(cancelled))?.status,
        mailPaused: (await admin.scheduler.getQueues()).find((q) => q.name === 'mail')?.paused,
      });
      return { pending, cancelled, state };
    }

    const forgeries: [string, (test: Test) => Test][] = [
      ['a urlencoded form post', (t) => t.type('form').send({ confirm: 'yes' })],
      ['a text/plain post', (t) => t.set('Content-Type', 'text/plain').send('{"confirm":true}')],
      ['a multipart post', (t) => t.field('confirm', 'yes')],
      ['a JSON post without X-Requested-With', (t) => t.send({ confirm: true })],
      [
        'a post from Origin https://evil.example',
        (t) => t.set(XHR).set('Origin', 'https://evil.example').send({}),
      ],
      [
        'a post with Sec-Fetch-Site cross-site',
        (t) => t.set(XHR).set('Sec-Fetch-Site', 'cross-site').send({}),
      ],
      ['a post from Origin null', (t) => t.set(XHR).set('Origin', 'null').send({})],
    ];

    it.each(forgeries)('refuses %s with 4xx and changes nothing', async (_what, forge) => {
      const admin = await boot();
      const { pending, cancelled, state } = await targets(admin);
      const before = await state();
      expect(before).toEqual({ pending: 'pending', cancelled: 'cancelled', mailPaused: false });
      const attempts = [
        admin.http().delete(`${ADMIN}/tasks/${pending}`),
        admin.http().post(`${ADMIN}/tasks/${cancelled}/retry`),
        admin.http().post(`${ADMIN}/queues/mail/pause`),
        admin.http().post(`${ADMIN}/schedules/none/trigger`),
      ];
      for (const attempt of attempts) {
        const response = await forge(attempt);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.status).not.toBe(404);
      }
      expect(await state()).toEqual(before);
    });

    it('accepts a same-origin request from the dashboard', async () => {
      const admin = await boot();
      const { pending, cancelled, state } = await targets(admin);
      const host = `localhost:${admin.port}`;
      const sameOrigin = (test: Test) =>
        test
          .set(XHR)
          .set('Host', host)
          .set('Origin', `http://${host}`)
          .set('Sec-Fetch-Site', 'same-origin');
      await admin.scheduler.pauseQueue('default');
      await sameOrigin(admin.http().delete(`${ADMIN}/tasks/${pending}`)).expect(200);
      await sameOrigin(admin.http().post(`${ADMIN}/tasks/${cancelled}/retry`))
        .send({})
        .expect(200);
      await sameOrigin(admin.http().post(`${ADMIN}/queues/mail/pause`))
        .send({})
        .expect(200);
      expect(await state()).toEqual({
        pending: 'cancelled',
        cancelled: 'pending',
        mailPaused: true,
      });
    });

    it('lets reads through without the header, whatever their Origin', async () => {
      const admin = await boot();
      const response = await admin
        .http()
        .get(`${ADMIN}/tasks`)
        .set('Origin', 'https://evil.example')
        .set('Sec-Fetch-Site', 'cross-site');
      expect(response.status).toBe(200);
      // No CORS grant: a foreign page's script cannot read the answer.
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('security headers', () => {
    it('come with every answer, successes and errors alike', async () => {
      const admin = await boot();
      for (const [method, path, headers] of [
        ['GET', `${ADMIN}/stats`, {}],
        ['GET', `${ADMIN}/tasks?limit=-1`, {}],
        ['GET', `${ADMIN}/tasks/nope`, {}],
        ['GET', `${ADMIN}/stats`, { host: 'evil.example' }],
        ['POST', `${ADMIN}/queues/mail/pause`, { 'content-type': 'application/json' }],
      ] as const) {
        const body = method === 'POST' ? '{}' : undefined;
        const response = await rawRequest(admin.url, method, path, headers, body);
        const csp = response.headers['content-security-policy'];
        expect([path, typeof csp]).toEqual([path, 'string']);
        expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
        expect(response.headers['x-content-type-options']).toBe('nosniff');
        expect(response.headers['cache-control']).toBe('no-store');
        expect(json(response.text)).toEqual(expect.objectContaining({}));
      }
    });
  });
});
