import { describe, expect, it } from '@jest/globals';
import type { CanActivate } from '@nestjs/common';
import {
  DEFAULT_ADMIN_PATH,
  resolveAdminOptions,
  type AdminOptions,
} from '../../../lib/admin/admin-options.js';
import { SchedulerConfigurationError } from '../../../lib/core/errors.js';

/** The configuration error `admin` is refused with. */
function refusal(admin: unknown): SchedulerConfigurationError {
  try {
    resolveAdminOptions(admin as AdminOptions);
  } catch (error) {
    if (error instanceof SchedulerConfigurationError) return error;
    throw error;
  }
  throw new Error(`accepted ${String(admin)}`);
}

describe('resolveAdminOptions', () => {
  it.each([undefined, false])('is off for %p, with the defaults otherwise in place', (admin) => {
    expect(resolveAdminOptions(admin)).toEqual({
      enabled: false,
      path: DEFAULT_ADMIN_PATH,
      guards: [],
      allowRemote: false,
      trustProxy: false,
      redact: new Set(['password', 'secret', 'token', 'authorization']),
    });
  });

  it('is on with every default for true and for {}', () => {
    const expected = {
      enabled: true,
      path: 'admin/scheduler',
      guards: [],
      allowRemote: false,
      trustProxy: false,
      redact: new Set(['password', 'secret', 'token', 'authorization']),
    };
    expect(resolveAdminOptions(true)).toEqual(expected);
    expect(resolveAdminOptions({})).toEqual(expected);
  });

  it('takes every option', () => {
    class ClassGuard implements CanActivate {
      canActivate(): boolean {
        return true;
      }
    }
    const instance: CanActivate = { canActivate: () => true };
    expect(
      resolveAdminOptions({
        path: '/ops/jobs/',
        guards: [ClassGuard, instance],
        allowRemote: true,
        trustProxy: 2,
        redact: ['apiKey', 'Cookie'],
      }),
    ).toEqual({
      enabled: true,
      path: 'ops/jobs',
      guards: [ClassGuard, instance],
      allowRemote: true,
      trustProxy: 2,
      redact: new Set(['apikey', 'cookie']),
    });
    expect(resolveAdminOptions({ trustProxy: true }).trustProxy).toBe(true);
    expect(resolveAdminOptions({ redact: [] }).redact.size).toBe(0);
  });

  it.each([
    ['a number', 1, 'Invalid admin option 1'],
    ['a string', 'yes', 'Invalid admin option "yes"'],
    ['null', null, 'Invalid admin option null'],
    ['an empty path', { path: '' }, 'Invalid admin.path ""'],
    ['a slash path', { path: '/' }, 'Invalid admin.path "/"'],
    ['a path with ..', { path: 'admin/../x' }, 'Invalid admin.path "admin/../x"'],
    ['a path of .', { path: '.' }, 'Invalid admin.path "."'],
    ['a path with a space', { path: 'admin panel' }, 'Invalid admin.path "admin panel"'],
    ['a path with a query', { path: 'admin?x=1' }, 'Invalid admin.path "admin?x=1"'],
    ['a path with a parameter', { path: 'admin/:id' }, 'Invalid admin.path "admin/:id"'],
    ['a path with //', { path: 'admin//x' }, 'Invalid admin.path "admin//x"'],
    ['a numeric path', { path: 42 }, 'Invalid admin.path 42'],
    ['guards not in an array', { guards: { canActivate: () => true } }, 'Invalid admin.guards'],
    ['a guard without canActivate', { guards: [{}] }, 'Invalid admin.guards'],
    ['a null guard', { guards: [null] }, 'Invalid admin.guards'],
    ['trustProxy 0', { trustProxy: 0 }, 'Invalid admin.trustProxy 0'],
    ['trustProxy -1', { trustProxy: -1 }, 'Invalid admin.trustProxy -1'],
    ['trustProxy 1.5', { trustProxy: 1.5 }, 'Invalid admin.trustProxy 1.5'],
    ['trustProxy 33', { trustProxy: 33 }, 'Invalid admin.trustProxy 33'],
    ['trustProxy NaN', { trustProxy: Number.NaN }, 'Invalid admin.trustProxy NaN'],
    ['trustProxy as text', { trustProxy: 'loopback' }, 'Invalid admin.trustProxy "loopback"'],
    ['redact as text', { redact: 'token' }, 'Invalid admin.redact'],
    ['an empty redact key', { redact: ['token', ''] }, 'Invalid admin.redact'],
    ['a non-string redact key', { redact: [1] }, 'Invalid admin.redact'],
    ['allowRemote as text', { allowRemote: 'true' }, 'Invalid admin.allowRemote "true"'],
    ['allowRemote 1', { allowRemote: 1 }, 'Invalid admin.allowRemote 1'],
  ])('refuses %s, naming the value', (_what, admin, message) => {
    const error = refusal(admin);
    expect(error.code).toBe('CONFIGURATION');
    expect(error.message).toContain(message);
  });
});
