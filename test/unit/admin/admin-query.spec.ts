import { describe, expect, it } from '@jest/globals';
import { HttpException } from '@nestjs/common';
import { MAX_PAGE_SIZE, parseTaskQuery, type RawQuery } from '../../../lib/admin/admin-query.js';
import { TASK_STATUSES } from '../../../lib/core/types.js';

/** The 400 body parseTaskQuery throws for `query`. */
function refusal(query: RawQuery): { error: string; field?: string; allowed?: string[] } {
  try {
    parseTaskQuery(query);
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    expect(error.getStatus()).toBe(400);
    return error.getResponse() as { error: string; field?: string; allowed?: string[] };
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('parseTaskQuery', () => {
  it('defaults to the first page of 50', () => {
    expect(parseTaskQuery({})).toEqual({ limit: 50, offset: 0 });
  });

  it('reads every filter', () => {
    expect(
      parseTaskQuery({
        status: 'failed',
        queue: 'mail',
        name: 'email',
        limit: '10',
        offset: '20',
      }),
    ).toEqual({ status: ['failed'], queue: 'mail', name: 'email', limit: 10, offset: 20 });
  });

  it('takes a comma-separated status list, spaces allowed', () => {
    expect(parseTaskQuery({ status: 'pending, running,failed' }).status).toEqual([
      'pending',
      'running',
      'failed',
    ]);
  });

  it('treats empty values as absent', () => {
    expect(parseTaskQuery({ status: '', queue: '', name: '', limit: '', offset: '' })).toEqual({
      limit: 50,
      offset: 0,
    });
  });

  it('accepts the page size bounds', () => {
    expect(parseTaskQuery({ limit: '1' }).limit).toBe(1);
    expect(parseTaskQuery({ limit: String(MAX_PAGE_SIZE) }).limit).toBe(1000);
    expect(parseTaskQuery({ offset: '0' }).offset).toBe(0);
    expect(parseTaskQuery({ offset: '9007199254740991' }).offset).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('names the allowed statuses for an unknown one', () => {
    expect(refusal({ status: 'pending,done' })).toEqual({
      error: 'Unknown status "done".',
      field: 'status',
      allowed: [...TASK_STATUSES],
    });
    expect(refusal({ status: 'PENDING' }).field).toBe('status');
    expect(refusal({ status: 'pending,' }).field).toBe('status');
  });

  it('cuts a long unknown status in its message', () => {
    expect(refusal({ status: 'x'.repeat(150) }).error.length).toBeLessThan(80);
  });

  it.each([
    ['limit', '0'],
    ['limit', '1001'],
    ['limit', '-1'],
    ['limit', '1.5'],
    ['limit', '1e3'],
    ['limit', 'NaN'],
    ['limit', 'Infinity'],
    ['limit', ' 10'],
    ['limit', '0x10'],
    ['limit', '+5'],
    ['limit', '99999999999999999999'],
    ['offset', '-1'],
    ['offset', 'abc'],
    ['offset', '9007199254740993'],
    ['offset', '١٢'],
  ])('refuses %s=%p, naming the field and the allowed range', (field, value) => {
    const body = refusal({ [field]: value });
    expect(body.field).toBe(field);
    expect(body.allowed).toEqual([field === 'limit' ? '1..1000' : '0..']);
    expect(body.error).toContain(field);
  });

  it.each([
    ['status', ['pending', 'failed']],
    ['limit', ['1', '2']],
    ['queue', { x: '1' }],
    ['name', ['a']],
  ])('refuses a repeated or nested %s', (field, value) => {
    expect(refusal({ [field]: value })).toEqual({
      error: `Query parameter ${field} must be given once, as plain text.`,
      field,
    });
  });

  it.each(['foo', '__proto__', 'constructor', 'limit[x]', 'LIMIT', ''])(
    'refuses the unknown parameter %p, listing the known ones',
    (key) => {
      const query: RawQuery = Object.create(null) as RawQuery;
      query[key] = '1';
      expect(refusal(query)).toEqual({
        error: `Unknown query parameter ${JSON.stringify(key)}.`,
        field: key,
        allowed: ['status', 'queue', 'name', 'limit', 'offset'],
      });
    },
  );

  it('refuses queue and name filters longer than 200 characters', () => {
    expect(parseTaskQuery({ queue: 'q'.repeat(200) }).queue).toHaveLength(200);
    expect(refusal({ queue: 'q'.repeat(201) }).field).toBe('queue');
    expect(refusal({ name: 'n'.repeat(201) }).field).toBe('name');
  });
});
