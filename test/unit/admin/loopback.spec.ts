import { describe, expect, it } from '@jest/globals';
import type { AdminRequest } from '../../../lib/admin/admin-request.js';
import { callerAddress, isLoopbackAddress, isLoopbackHost } from '../../../lib/admin/loopback.js';

/** An Express-shaped request (the socket on the request itself). */
const expressRequest = (peer: string | undefined, headers: AdminRequest['headers'] = {}) => ({
  headers,
  socket: { remoteAddress: peer },
});

/** A Fastify-shaped request (the socket on the raw IncomingMessage). */
const fastifyRequest = (peer: string | undefined, headers: AdminRequest['headers'] = {}) => ({
  headers,
  raw: { socket: { remoteAddress: peer } },
});

describe('isLoopbackAddress', () => {
  it.each([
    '127.0.0.1',
    '127.0.0.2',
    '127.255.255.254',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    '::FFFF:127.0.0.1',
    '[::ffff:127.0.0.1]',
  ])('%s is loopback', (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });

  it.each([
    undefined,
    '',
    '10.0.0.1',
    '192.168.1.10',
    '203.0.113.7',
    '0.0.0.0',
    '::',
    '::2',
    '::ffff:10.0.0.1',
    '::ffff:203.0.113.7',
    'fe80::1',
    'fd00::2',
    '128.0.0.1',
    '1127.0.0.1',
    '127.0.0.1.evil.example',
    '127.0.0.1:8080',
    '127.0.0',
    '127.0.0.1 ',
    'localhost',
    'garbage',
    '::ffff:127.0.0.1.evil',
  ])('%p is not loopback', (address) => {
    expect(isLoopbackAddress(address)).toBe(false);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    'localhost',
    'localhost:3000',
    'LOCALHOST:3000',
    'app.localhost',
    'app.localhost:8080',
    '127.0.0.1',
    '127.0.0.1:3000',
    '127.0.0.2:3000',
    '[::1]',
    '[::1]:3000',
    '[::ffff:127.0.0.1]:3000',
  ])('%s names this machine', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'evil.example',
    'evil.example:3000',
    '127.0.0.1.evil.example',
    '127.0.0.1.evil.example:3000',
    'localhost.evil.example',
    'localhostevil.example',
    'notlocalhost',
    '[::2]:3000',
    '[::1',
    '10.0.0.1:3000',
    '0.0.0.0:3000',
    'localhost:3000:3000',
  ])('%p is foreign', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('callerAddress', () => {
  it.each([
    ['Express', expressRequest],
    ['Fastify', fastifyRequest],
  ])('reads the socket peer of a %s request', (_platform, make) => {
    expect(callerAddress(make('::ffff:127.0.0.1'), false)).toBe('::ffff:127.0.0.1');
    expect(callerAddress(make('203.0.113.7'), false)).toBe('203.0.113.7');
    expect(callerAddress(make(undefined), false)).toBeUndefined();
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', () => {
    const spoofed = expressRequest('203.0.113.7', { 'x-forwarded-for': '127.0.0.1' });
    expect(callerAddress(spoofed, false)).toBe('203.0.113.7');
    expect(isLoopbackAddress(callerAddress(spoofed, false))).toBe(false);
  });

  it('with trustProxy true, trusts every proxy on loopback, and takes the address before them', () => {
    const local = expressRequest('127.0.0.1', { 'x-forwarded-for': '::1, 127.0.0.1' });
    expect(callerAddress(local, true)).toBe('::1');
    const remote = expressRequest('127.0.0.1', { 'x-forwarded-for': ' 203.0.113.7 , 127.0.0.1' });
    expect(callerAddress(remote, true)).toBe('203.0.113.7');
  });

  it('with trustProxy true, a client cannot pass for local by writing 127.0.0.1 into the header', () => {
    // Through the local proxy, which appends the address it saw to the client's claim.
    const proxied = expressRequest('127.0.0.1', { 'x-forwarded-for': '127.0.0.1, 203.0.113.7' });
    expect(callerAddress(proxied, true)).toBe('203.0.113.7');
    // Straight to the application: the peer is no proxy of this machine.
    const direct = fastifyRequest('203.0.113.7', { 'x-forwarded-for': '127.0.0.1' });
    expect(callerAddress(direct, true)).toBe('203.0.113.7');
    // Through a proxy on another machine, which vouches for a "local" client of its own.
    const elsewhere = expressRequest('127.0.0.1', { 'x-forwarded-for': '127.0.0.1, 10.0.0.2' });
    expect(callerAddress(elsewhere, true)).toBe('10.0.0.2');
  });

  it('with a hop count, trusts at most that many proxies on loopback', () => {
    // The client claimed 127.0.0.1; the one trusted proxy appended the address it saw.
    const request = fastifyRequest('127.0.0.1', {
      'x-forwarded-for': '127.0.0.1, 203.0.113.7',
    });
    expect(callerAddress(request, 1)).toBe('203.0.113.7');
    const local = expressRequest('127.0.0.1', { 'x-forwarded-for': '203.0.113.7, 127.0.0.1' });
    expect(callerAddress(local, 1)).toBe('127.0.0.1');
    expect(callerAddress(local, 2)).toBe('203.0.113.7');
    const threeLocal = expressRequest('::1', {
      'x-forwarded-for': '203.0.113.7, 127.0.0.1, ::ffff:127.0.0.1',
    });
    expect(callerAddress(threeLocal, 1)).toBe('::ffff:127.0.0.1');
    expect(callerAddress(threeLocal, 2)).toBe('127.0.0.1');
    expect(callerAddress(threeLocal, 3)).toBe('203.0.113.7');
  });

  it('with a hop count, does not trust a peer or proxy off this machine', () => {
    const direct = expressRequest('203.0.113.7', { 'x-forwarded-for': '127.0.0.1' });
    expect(callerAddress(direct, 1)).toBe('203.0.113.7');
    const viaRemote = expressRequest('127.0.0.1', { 'x-forwarded-for': '127.0.0.1, 10.0.0.2' });
    expect(callerAddress(viaRemote, 2)).toBe('10.0.0.2');
  });

  it('with more trusted hops than the chain holds, takes its first address', () => {
    const request = expressRequest('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' });
    expect(callerAddress(request, 5)).toBe('203.0.113.7');
    const local = expressRequest('127.0.0.1', { 'x-forwarded-for': '127.0.0.1' });
    expect(callerAddress(local, 5)).toBe('127.0.0.1');
  });

  it('falls back to the peer when a trusted proxy sent no (or an empty) X-Forwarded-For', () => {
    expect(callerAddress(expressRequest('127.0.0.1'), true)).toBe('127.0.0.1');
    expect(callerAddress(expressRequest('127.0.0.1', { 'x-forwarded-for': ' , ' }), 1)).toBe(
      '127.0.0.1',
    );
  });

  it('reads the first of repeated X-Forwarded-For headers', () => {
    const request = expressRequest('127.0.0.1', {
      'x-forwarded-for': ['203.0.113.7', '127.0.0.1'],
    });
    expect(callerAddress(request, true)).toBe('203.0.113.7');
    expect(callerAddress(request, 1)).toBe('203.0.113.7');
  });
});
