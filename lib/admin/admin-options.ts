import type { CanActivate, Type } from '@nestjs/common';
import { SchedulerConfigurationError, describeValue } from '../core/errors.js';

/** Options of the admin API and dashboard (`admin` in the module options). */
export interface AdminOptions {
  /** URL path under which the API and the page are served (default 'admin/scheduler'). */
  path?: string;
  /**
   * The application's own guards (classes resolved through DI, or instances).
   * With guards, they decide who may call, instead of the loopback rule.
   */
  guards?: readonly (Type<CanActivate> | CanActivate)[];
  /** Answers any caller, not only loopback ones; logs a warning at startup. Prefer guards. */
  allowRemote?: boolean;
  /**
   * Trust X-Forwarded-For from proxies on this machine: true trusts any
   * number of them, a number n the n nearest to the application; the caller
   * is the nearest address that is not such a proxy. Off by default, so
   * that a caller cannot claim to be local.
   */
  trustProxy?: boolean | number;
  /** Payload keys shown as "[redacted]" (any depth, any case); default password, secret, token, authorization. */
  redact?: readonly string[];
}

/** The admin options with every default applied. */
export interface ResolvedAdminOptions {
  enabled: boolean;
  path: string;
  guards: readonly (Type<CanActivate> | CanActivate)[];
  allowRemote: boolean;
  trustProxy: boolean | number;
  redact: ReadonlySet<string>;
}

export const DEFAULT_ADMIN_PATH = 'admin/scheduler';
export const DEFAULT_REDACTED_KEYS: readonly string[] = Object.freeze([
  'password',
  'secret',
  'token',
  'authorization',
]);

const PATH_PATTERN = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;

/** Checks and completes the `admin` option; false or absent means the admin API is off. */
export function resolveAdminOptions(
  admin: boolean | AdminOptions | undefined,
): ResolvedAdminOptions {
  if (admin === undefined || admin === false) return { ...defaults(), enabled: false };
  if (admin === true) return { ...defaults(), enabled: true };
  if (typeof admin !== 'object' || admin === null) {
    throw new SchedulerConfigurationError(
      `Invalid admin option ${describeValue(admin)}: use true, false or an object { path, guards, allowRemote, trustProxy, redact }.`,
    );
  }
  const path = normalizePath(admin.path ?? DEFAULT_ADMIN_PATH);
  const guards = admin.guards ?? [];
  if (!Array.isArray(guards) || guards.some((guard) => !isGuard(guard))) {
    throw new SchedulerConfigurationError(
      'Invalid admin.guards: use an array of guard classes or objects with a canActivate() method.',
    );
  }
  const trustProxy = admin.trustProxy ?? false;
  if (
    typeof trustProxy !== 'boolean' &&
    !(Number.isInteger(trustProxy) && trustProxy >= 1 && trustProxy <= 32)
  ) {
    throw new SchedulerConfigurationError(
      `Invalid admin.trustProxy ${describeValue(trustProxy)}: use true, false, or the number of proxies in front of the application (1 to 32).`,
    );
  }
  const redact = admin.redact ?? DEFAULT_REDACTED_KEYS;
  if (!Array.isArray(redact) || redact.some((key) => typeof key !== 'string' || key === '')) {
    throw new SchedulerConfigurationError(
      'Invalid admin.redact: use an array of non-empty payload key names.',
    );
  }
  if (admin.allowRemote !== undefined && typeof admin.allowRemote !== 'boolean') {
    throw new SchedulerConfigurationError(
      `Invalid admin.allowRemote ${describeValue(admin.allowRemote)}: use true or false.`,
    );
  }
  return {
    enabled: true,
    path,
    guards,
    allowRemote: admin.allowRemote ?? false,
    trustProxy,
    redact: new Set(redact.map((key) => key.toLowerCase())),
  };
}

function defaults(): ResolvedAdminOptions {
  return {
    enabled: false,
    path: DEFAULT_ADMIN_PATH,
    guards: [],
    allowRemote: false,
    trustProxy: false,
    redact: new Set(DEFAULT_REDACTED_KEYS),
  };
}

function normalizePath(path: unknown): string {
  const trimmed = typeof path === 'string' ? path.replace(/^\/+|\/+$/g, '') : path;
  if (
    typeof trimmed !== 'string' ||
    !PATH_PATTERN.test(trimmed) ||
    // Clients resolve '.' and '..' segments before sending, so such a path could never be reached.
    trimmed.split('/').some((segment) => segment === '.' || segment === '..')
  ) {
    throw new SchedulerConfigurationError(
      `Invalid admin.path ${describeValue(path)}: use URL path segments of letters, digits, '.', '_', '~' and '-', such as 'admin/scheduler'.`,
    );
  }
  return trimmed;
}

function isGuard(guard: unknown): boolean {
  if (typeof guard === 'function') return true;
  return (
    typeof guard === 'object' &&
    guard !== null &&
    typeof (guard as { canActivate?: unknown }).canActivate === 'function'
  );
}
