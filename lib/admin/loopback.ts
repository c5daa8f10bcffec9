import { header, peerAddress, type AdminRequest } from './admin-request.js';

/** Whether `address` is the loopback interface, in any of the forms a Node socket reports. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Whether a Host header names this machine: localhost (or a *.localhost
 * name, which browsers resolve to loopback), or a loopback address, with
 * any port. Any other name may be an attacker's DNS pointing at 127.0.0.1.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === '') return false;
  const name = host.startsWith('[')
    ? host.slice(0, host.indexOf(']') + 1)
    : host.replace(/:\d*$/, '');
  const lower = name.toLowerCase();
  return lower === 'localhost' || lower.endsWith('.localhost') || isLoopbackAddress(lower);
}

/**
 * The caller's address. Without trust in a proxy it is the socket's peer,
 * whatever X-Forwarded-For says. With `trustProxy` true it is the first
 * forwarded address; with a number n, the address n hops from the
 * application (the proxies nearest to it being the trusted ones).
 */
export function callerAddress(
  request: AdminRequest,
  trustProxy: boolean | number,
): string | undefined {
  const peer = peerAddress(request);
  if (trustProxy === false) return peer;
  const forwarded = (header(request, 'x-forwarded-for') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (forwarded.length === 0) return peer;
  if (trustProxy === true) return forwarded[0];
  // The chain as the application sees it: forwarded addresses, then the peer. The peer is hop 1.
  const chain = [...forwarded, peer ?? ''];
  return chain[Math.max(0, chain.length - 1 - trustProxy)];
}
