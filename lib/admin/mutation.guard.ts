import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { badRequest, forbidden } from './admin-http-error.js';
import { header, type AdminRequest } from './admin-request.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses requests a foreign page could make a browser send. A changing
 * request must carry `X-Requested-With: XMLHttpRequest` (a header no form
 * can set, and which a cross-origin script can only send after a CORS
 * preflight the API never grants), a POST must be JSON, and a request
 * whose Origin or Sec-Fetch-Site says it comes from another site is refused.
 */
@Injectable()
export class MutationGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const method = (request.method ?? 'GET').toUpperCase();
    if (SAFE_METHODS.has(method)) return true;
    const site = header(request, 'sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw forbidden(`Cross-site request refused (Sec-Fetch-Site: ${site}).`);
    }
    const origin = header(request, 'origin');
    if (origin !== undefined && !sameOrigin(origin, header(request, 'host'))) {
      throw forbidden('Cross-origin request refused (its Origin is not this server).');
    }
    if (header(request, 'x-requested-with')?.toLowerCase() !== 'xmlhttprequest') {
      throw forbidden('Changing requests must carry the header X-Requested-With: XMLHttpRequest.');
    }
    if (method === 'POST') {
      const type = (header(request, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') {
        throw badRequest(
          'POST requests take a JSON body (Content-Type: application/json).',
          'content-type',
          ['application/json'],
        );
      }
    }
    return true;
  }
}

/** Whether an Origin header names the host the request was sent to. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false; // "null" (a sandboxed frame, a file) or garbage: not this server
  }
}
