import type { HttpAdapterHost } from '@nestjs/core';

/**
 * Headers of every admin response. The page loads only its own script and
 * style (no inline code, no eval), talks only to its own origin, and may
 * not be framed; nothing is cached or sniffed.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** Sets the security headers on a response of either HTTP platform. */
export function applySecurityHeaders(adapterHost: HttpAdapterHost, response: unknown): void {
  const adapter = adapterHost.httpAdapter;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    adapter.setHeader(response, name, value);
  }
}
