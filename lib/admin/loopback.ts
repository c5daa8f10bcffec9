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
 * The caller's address: the nearest address of the chain (the forwarded
 * addresses, then the socket's peer) that is not a trusted proxy. Without
 * trust in a proxy it is the peer, whatever X-Forwarded-For says. A proxy
 * is trusted only on this machine (a loopback address): with `trustProxy`
 * true any number of them, with a number n at most n. So a client cannot
 * pass for a local one by writing 127.0.0.1 into the header, neither
 * through a proxy that appends to it nor by sending it straight to the
 * application.
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
  const chain = [...forwarded, peer ?? ''];
  const trusted = trustProxy === true ? forwarded.length : Math.min(trustProxy, forwarded.length);
  let hop = chain.length - 1;
  for (let step = 0; step < trusted && isLoopbackAddress(chain[hop]); step += 1) hop -= 1;
  return chain[hop];
}
