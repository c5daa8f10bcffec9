/**
 * Random query strings and task ids against the admin API, on Express and
 * on Fastify: no answer is a 5xx, and every error is JSON that says nothing
 * of the server's insides. Seeded, so a failure replays: the failing request
 * is in the message.
 */
import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../utils/seeded-random.js';
import {
  ADMIN,
  PLATFORMS,
  XHR,
  bootAdminApp,
  closeAdminApps,
  rawRequest,
  type AdminApp,
  type RawResponse,
} from './admin-app.js';

afterEach(closeAdminApps);

const SEED = 0x5eed_ad31;
const QUERY_CASES = 200;
const ID_CASES = 120;

const KNOWN_KEYS = ['status', 'queue', 'name', 'limit', 'offset'];
const ODD_KEYS = [
  'foo',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'limit[x]',
  'status[]',
  'limit[]',
  '__proto__[limit]',
  'a.b',
  '',
  'LIMIT',
  '%zz',
  '%E0%A4%A',
  '%00',
  encodeURIComponent('ключ'),
  'k'.repeat(300),
];
const VALUES = [
  '',
  '-1',
  '0',
  '1',
  '7',
  '1000',
  '1001',
  '99999999999999999999',
  '9007199254740993',
  '1e3',
  '1.5',
  '-0',
  'NaN',
  'Infinity',
  '0x10',
  '+5',
  '%201',
  'pending',
  'failed,completed',
  'pending,,',
  'PENDING',
  'running,retrying,cancelled',
  'default',
  'mail',
  'work',
  '%F0%9F%92%A9',
  '%C3%A9',
  encodeURIComponent('名前'),
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '%0A%0D',
  encodeURIComponent("' OR 1=1 --"),
  encodeURIComponent('<script>alert(1)</script>'),
  '../../etc/passwd',
  'a'.repeat(300),
  encodeURIComponent('é'.repeat(700)),
  '[]',
  '{}',
  'null',
  'true',
  '__proto__',
  'constructor',
];

/** What no error body may contain: stack frames, file paths, connection strings. */
const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\bat [^\s"]+ \(|\bat (?:file:|node:|\/)/],
  ['a file path', /(?:^|[\s"'(])\/[^\s"']*(?:node_modules|\.ts\b|\.js:\d)/],
  ['a connection string', /\b(?:postgres(?:ql)?|mysql|mariadb|sqlite|mongodb):\/\//i],
  ['an error class name', /\b(?:TypeError|ReferenceError|RangeError|SyntaxError)\b/],
];

function generator(seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const noise = () =>
    Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
      random() < 0.5
        ? `%${Math.floor(random() * 256)
            .toString(16)
            .padStart(2, '0')}`
        : pick(['a', 'Z', '9', '-', '.', '_', '~', '!', '*', "'", '(', ')', ',', ';', ':', '@']),
    ).join('');
  return {
    random,
    query(): string {
      const pairs: string[] = [];
      const count = Math.floor(random() * 5);
      for (let i = 0; i < count; i += 1) {
        const roll = random();
        const key = roll < 0.65 ? pick(KNOWN_KEYS) : roll < 0.9 ? pick(ODD_KEYS) : noise();
        const value = random() < 0.85 ? pick(VALUES) : noise();
        pairs.push(random() < 0.05 ? key : `${key}=${value}`);
        // Repeats make arrays of a parameter on both platforms.
        if (random() < 0.1) pairs.push(`${key}=${pick(VALUES)}`);
      }
      const separator = random() < 0.05 ? '&&' : '&';
      return pairs.join(separator);
    },
    id(): string {
      const parts = [
        () => 'task-1',
        () => noise(),
        () => '%20',
        () => '%2F',
        () => '%2e%2e',
        () => '..',
        () => '__proto__',
        () => 'constructor',
        () => encodeURIComponent('タスク'),
        () => '%00',
        () => '%zz',
        () => 'x'.repeat(Math.floor(random() * 700)),
        () => 'schedule@2026-01-01T00:00:00.000Z',
      ];
      return Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(parts)()).join('');
    },
  };
}

/** Why `response` breaks the rules, or null. */
function violation(response: RawResponse): string | null {
  if (response.status >= 500) return `status ${response.status}`;
  if (response.status < 400) return null;
  if (!/^application\/json/.test(response.headers['content-type'] ?? '')) {
    return `content-type ${response.headers['content-type']}`;
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return 'a body that is not JSON';
  }
  if (typeof (body as { error?: unknown }).error !== 'string') return 'no string error';
  for (const [what, pattern] of LEAKS) if (pattern.test(response.text)) return what;
  return null;
}

async function populate(admin: AdminApp): Promise<void> {
  await admin.scheduler.addDelayedJob('1h', 'work', { token: 'secret' }, { id: 'task-1' });
  await admin.scheduler.addDelayedJob('1h', 'email', {}, { id: 'task-2' });
}

describe.each(PLATFORMS)('admin API fuzzing on %s', (platform) => {
  it(`answers ${QUERY_CASES} random GET /tasks query strings without a 5xx or a leak`, async () => {
    const admin = await bootAdminApp(platform);
    await populate(admin);
    const generate = generator(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < QUERY_CASES; i += 1) {
      const path = `${ADMIN}/tasks?${generate.query()}`;
      const response = await rawRequest(admin.url, 'GET', path);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      let problem = violation(response);
      if (problem === null && response.status === 200) {
        const body = JSON.parse(response.text) as { tasks?: unknown; total?: unknown };
        if (!Array.isArray(body.tasks) || typeof body.total !== 'number') problem = 'a bad list';
      }
      if (problem !== null) {
        failures.push(`#${i} GET ${path} -> ${problem}: ${response.text.slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
    // The cases reach both the listing and the validation.
    expect(statuses.get(200)).toBeGreaterThan(10);
    expect(statuses.get(400)).toBeGreaterThan(10);
  });

  it(`answers ${ID_CASES} random task ids on every task route without a 5xx or a leak`, async () => {
    const admin = await bootAdminApp(platform);
    await populate(admin);
    const generate = generator(SEED + 1);
    const failures: string[] = [];
    const json = { ...XHR, 'content-type': 'application/json' };
    for (let i = 0; i < ID_CASES; i += 1) {
      const id = generate.id();
      for (const [method, path, headers, body] of [
        ['GET', `${ADMIN}/tasks/${id}`, {}, undefined],
        ['DELETE', `${ADMIN}/tasks/${id}`, XHR, undefined],
        ['POST', `${ADMIN}/tasks/${id}/retry`, json, '{}'],
        ['POST', `${ADMIN}/schedules/${id}/trigger`, json, '{}'],
        ['POST', `${ADMIN}/queues/${id}/pause`, json, '{}'],
      ] as const) {
        const response = await rawRequest(admin.url, method, path, headers, body);
        const problem = violation(response);
        if (problem !== null) {
          failures.push(`#${i} ${method} ${path} -> ${problem}: ${response.text.slice(0, 300)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
