import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { applySecurityHeaders } from './security-headers.js';

/** Adds the security headers to every successful admin response (errors get them from the filter). */
@Injectable()
export class SecurityHeadersInterceptor implements NestInterceptor {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    applySecurityHeaders(this.adapterHost, context.switchToHttp().getResponse<unknown>());
    return next.handle();
  }
}
