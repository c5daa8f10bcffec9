import {
  Inject,
  Injectable,
  Logger,
  type CanActivate,
  type ExecutionContext,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ResolvedAdminOptions } from './admin-options.js';
import { SCHEDULER_ADMIN_OPTIONS } from './admin.constants.js';
import { forbidden, notFound } from './admin-http-error.js';
import { header, type AdminRequest } from './admin-request.js';
import { callerAddress, isLoopbackAddress, isLoopbackHost } from './loopback.js';

/**
 * Who may use the admin API, the page and the event stream. By default only
 * callers on loopback, asking by a loopback Host name (a foreign Host is a
 * DNS rebinding attempt); the application's own guards replace that rule,
 * and `allowRemote` lifts it.
 */
@Injectable()
export class AdminAccessGuard implements CanActivate, OnModuleInit {
  private guards: CanActivate[] = [];

  constructor(
    @Inject(SCHEDULER_ADMIN_OPTIONS) private readonly options: ResolvedAdminOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.options.enabled) return;
    this.guards = await Promise.all(this.options.guards.map((guard) => this.instantiate(guard)));
    if (this.options.allowRemote && this.guards.length === 0) {
      new Logger('Scheduler').warn(
        `The admin API at /${this.options.path} answers any caller (admin.allowRemote): anyone who can reach this application can cancel and retry its tasks. Protect it with admin.guards instead.`,
      );
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.options.enabled) throw notFound('Not found');
    if (this.guards.length > 0) {
      for (const guard of this.guards) {
        if (!(await guard.canActivate(context))) throw forbidden('Forbidden');
      }
      return true;
    }
    if (this.options.allowRemote) return true;
    const request = context.switchToHttp().getRequest<AdminRequest>();
    if (!isLoopbackAddress(callerAddress(request, this.options.trustProxy))) {
      throw forbidden(
        'The scheduler admin API only answers callers on this machine; configure admin.guards to open it to others.',
      );
    }
    if (!isLoopbackHost(header(request, 'host'))) {
      throw forbidden('The scheduler admin API only answers requests addressed to localhost.');
    }
    return true;
  }

  private async instantiate(guard: Type<CanActivate> | CanActivate): Promise<CanActivate> {
    if (typeof guard !== 'function') return guard;
    try {
      return this.moduleRef.get(guard, { strict: false });
    } catch {
      // Not a provider anywhere: build it with its dependencies, as @UseGuards would.
      return this.moduleRef.create(guard);
    }
  }
}
