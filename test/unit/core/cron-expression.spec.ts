import { describe, expect, it } from '@jest/globals';
import { CronExpression } from '../../../lib/core/cron/cron-expression.js';
import { compiledPatternCacheSize, compilePattern } from '../../../lib/core/cron/pattern-cache.js';
import { InvalidArgumentError, InvalidCronExpressionError } from '../../../lib/core/errors.js';

const iso = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString().replace('.000Z', 'Z');

/** Every fire after `from` up to and including `until`, as ISO strings. */
function fires(expression: string, timeZone: string, from: string, until: string): string[] {
  const cron = CronExpression.parse(expression, timeZone);
  const end = Date.parse(until);
  const out: string[] = [];
  for (let t = cron.next(Date.parse(from)); t !== null && t <= end; t = cron.next(t)) {
    out.push(iso(t)!);
  }
  return out;
}

const first = (expression: string, from: string, timeZone = 'UTC'): string | null =>
  iso(CronExpression.parse(expression, timeZone).next(Date.parse(from)));

describe('CronExpression.parse', () => {
  it('keeps the trimmed text, the zone and the seconds flag', () => {
    const cron = CronExpression.parse('  */10 * * * * *  ', 'Europe/London');
    expect(cron.expression).toBe('*/10 * * * * *');
    expect(cron.timeZone).toBe('Europe/London');
    expect(cron.hasSeconds).toBe(true);
    expect(CronExpression.parse('0 9 * * *', 'UTC').hasSeconds).toBe(false);
    expect(CronExpression.parse('@daily', 'UTC').hasSeconds).toBe(false);
  });

  it("defaults to the process's time zone", () => {
    const processZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(CronExpression.parse('0 9 * * *').timeZone).toBe(processZone);
  });

  it('shares one compiled pattern between expressions with the same text', () => {
    const text = '7 13 * * 3';
    const before = compiledPatternCacheSize();
    CronExpression.parse(text, 'UTC');
    CronExpression.parse(text, 'America/New_York');
    expect(compiledPatternCacheSize()).toBe(before + 1);
    expect(compilePattern(text)).toBe(compilePattern(text));
  });

  it('keeps a pattern shared while it is used and lets unused ones go', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc).toBeDefined();
    const held = compilePattern('1 2 * * *');
    for (let i = 0; i < 600; i++) compilePattern(`${i % 60} ${Math.floor(i / 60)} * * *`);
    expect(compiledPatternCacheSize()).toBeGreaterThanOrEqual(500);
    for (let round = 0; round < 3; round++) {
      gc!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(compiledPatternCacheSize()).toBeLessThanOrEqual(20);
    expect(compilePattern('1 2 * * *')).toBe(held);
  });
});

describe('CronExpression rejects', () => {
  const invalid: Array<[unknown, string]> = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['* * *', '3 fields'],
    ['0 0 * * * * 2026', '7 fields'],
    ['61 * * * *', 'minute'],
    ['0 0 * * FOO', 'illegal characters'],
    ['*/0 * * * *', 'stepping'],
    ['@reboot', '@reboot'],
    ['@fortnightly', 'unknown macro'],
    ['@daily 5', 'unknown macro'],
    [`0 0 1 1 ${'1,'.repeat(60)}1`, 'longer than 100 characters'],
    ['0 0 30 2 *', 'it never fires'],
    ['0 0 31 4 *', 'it never fires'],
    ['0 0 31 2,4,6 *', 'it never fires'],
    [42, 'must be a string'],
    [null, 'must be a string'],
  ];

  it.each(invalid)('%p (%s)', (expression, reason) => {
    let caught: unknown;
    try {
      CronExpression.parse(expression as string, 'UTC');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidCronExpressionError);
    const error = caught as InvalidCronExpressionError;
    expect(error.code).toBe('INVALID_CRON_EXPRESSION');
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain('CronPattern:');
    const named = typeof expression === 'string' ? JSON.stringify(expression).slice(0, 60) : '';
    expect(error.message).toContain(named || String(expression));
  });

  it.each(['Mars/Olympus', '', 'Europe/Nowhere'])('the time zone %p', (zone) => {
    let caught: unknown;
    try {
      CronExpression.parse('0 9 * * *', zone);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).code).toBe('INVALID_ARGUMENT');
    expect((caught as Error).message).toContain(`timeZone: ${JSON.stringify(zone)}`);
    expect((caught as Error).message).toContain("'Europe/London'");
  });

  it('a non-finite start or a bad count', () => {
    const cron = CronExpression.parse('0 9 * * *', 'UTC');
    expect(() => cron.next(Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => cron.nextN(0, -1)).toThrow(/count: -1/);
    expect(() => cron.nextN(0, 1.5)).toThrow(InvalidArgumentError);
  });
});

describe('CronExpression.next in UTC', () => {
  it('finds Feb 29 across years', () => {
    expect(first('0 0 29 2 *', '2026-01-01T00:00:00Z')).toBe('2028-02-29T00:00:00Z');
    expect(first('0 12 29 2 *', '2028-03-01T00:00:00Z')).toBe('2032-02-29T12:00:00Z');
    expect(first('0 12 29 2 *', '2096-03-01T00:00:00Z')).toBe('2104-02-29T12:00:00Z');
  });

  it('skips months without a 31st', () => {
    expect(fires('0 0 31 * *', 'UTC', '2026-01-01T00:00:00Z', '2026-12-31T23:00:00Z')).toEqual([
      '2026-01-31T00:00:00Z',
      '2026-03-31T00:00:00Z',
      '2026-05-31T00:00:00Z',
      '2026-07-31T00:00:00Z',
      '2026-08-31T00:00:00Z',
      '2026-10-31T00:00:00Z',
      '2026-12-31T00:00:00Z',
    ]);
  });

  it('fires on the last day of each month with L', () => {
    expect(fires('0 0 L * *', 'UTC', '2027-01-01T00:00:00Z', '2027-05-01T00:00:00Z')).toEqual([
      '2027-01-31T00:00:00Z',
      '2027-02-28T00:00:00Z',
      '2027-03-31T00:00:00Z',
      '2027-04-30T00:00:00Z',
    ]);
    expect(fires('0 0 L * *', 'UTC', '2028-01-15T00:00:00Z', '2028-04-01T00:00:00Z')).toEqual([
      '2028-01-31T00:00:00Z',
      '2028-02-29T00:00:00Z',
      '2028-03-31T00:00:00Z',
    ]);
    expect(fires('0 0 L 2 *', 'UTC', '2026-03-01T00:00:00Z', '2029-12-31T00:00:00Z')).toEqual([
      '2027-02-28T00:00:00Z',
      '2028-02-29T00:00:00Z',
      '2029-02-28T00:00:00Z',
    ]);
  });

  it('supports LW, W, nth and last weekdays', () => {
    expect(fires('0 0 LW * *', 'UTC', '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z')).toEqual([
      '2026-01-30T00:00:00Z',
      '2026-02-27T00:00:00Z',
      '2026-03-31T00:00:00Z',
      '2026-04-30T00:00:00Z',
      '2026-05-29T00:00:00Z',
    ]);
    expect(fires('0 0 1W * *', 'UTC', '2026-01-15T00:00:00Z', '2026-09-01T00:00:00Z')).toEqual([
      '2026-02-02T00:00:00Z',
      '2026-03-02T00:00:00Z',
      '2026-04-01T00:00:00Z',
      '2026-05-01T00:00:00Z',
      '2026-06-01T00:00:00Z',
      '2026-07-01T00:00:00Z',
      '2026-08-03T00:00:00Z',
      '2026-09-01T00:00:00Z',
    ]);
    expect(fires('0 0 15W * *', 'UTC', '2026-02-01T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-02-16T00:00:00Z',
      '2026-03-16T00:00:00Z',
    ]);
    expect(fires('0 0 * * 5L', 'UTC', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-01-30T00:00:00Z',
      '2026-02-27T00:00:00Z',
      '2026-03-27T00:00:00Z',
    ]);
    expect(fires('0 0 * * MON#2', 'UTC', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-01-12T00:00:00Z',
      '2026-02-09T00:00:00Z',
      '2026-03-09T00:00:00Z',
    ]);
  });

  it('ORs day-of-month and day-of-week, and ANDs them with +', () => {
    expect(fires('0 0 13 * FRI', 'UTC', '2026-04-01T00:00:00Z', '2026-05-02T00:00:00Z')).toEqual([
      '2026-04-03T00:00:00Z',
      '2026-04-10T00:00:00Z',
      '2026-04-13T00:00:00Z',
      '2026-04-17T00:00:00Z',
      '2026-04-24T00:00:00Z',
      '2026-05-01T00:00:00Z',
    ]);
    expect(fires('0 0 13 * +FRI', 'UTC', '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z')).toEqual([
      '2026-02-13T00:00:00Z',
      '2026-03-13T00:00:00Z',
      '2026-11-13T00:00:00Z',
    ]);
  });

  it('reads 0 and 7 as Sunday, and month and day names', () => {
    expect(fires('0 0 * * 7', 'UTC', '2026-01-01T00:00:00Z', '2026-01-12T00:00:00Z')).toEqual([
      '2026-01-04T00:00:00Z',
      '2026-01-11T00:00:00Z',
    ]);
    expect(fires('0 0 * * 0', 'UTC', '2026-01-01T00:00:00Z', '2026-01-12T00:00:00Z')).toEqual([
      '2026-01-04T00:00:00Z',
      '2026-01-11T00:00:00Z',
    ]);
    expect(fires('0 9 * * MON-FRI', 'UTC', '2026-01-02T10:00:00Z', '2026-01-07T00:00:00Z')).toEqual(
      ['2026-01-05T09:00:00Z', '2026-01-06T09:00:00Z'],
    );
    expect(fires('0 0 1 JAN,JUL *', 'UTC', '2026-01-01T00:00:00Z', '2027-12-31T00:00:00Z')).toEqual(
      ['2026-07-01T00:00:00Z', '2027-01-01T00:00:00Z', '2027-07-01T00:00:00Z'],
    );
    expect(first('0 9 * * mon-fri', '2026-01-03T00:00:00Z')).toBe('2026-01-05T09:00:00Z');
  });

  it('expands macros', () => {
    const from = '2026-01-01T00:00:00Z';
    expect(first('@yearly', from)).toBe('2027-01-01T00:00:00Z');
    expect(first('@annually', from)).toBe('2027-01-01T00:00:00Z');
    expect(first('@monthly', from)).toBe('2026-02-01T00:00:00Z');
    expect(first('@weekly', from)).toBe('2026-01-04T00:00:00Z');
    expect(first('@daily', from)).toBe('2026-01-02T00:00:00Z');
    expect(first('@midnight', from)).toBe('2026-01-02T00:00:00Z');
    expect(first('@hourly', from)).toBe('2026-01-01T01:00:00Z');
    expect(first('@Daily', from)).toBe('2026-01-02T00:00:00Z');
  });

  it('handles steps, ranges, lists and seconds', () => {
    expect(fires('*/10 * * * * *', 'UTC', '2026-01-01T00:00:05Z', '2026-01-01T00:00:40Z')).toEqual([
      '2026-01-01T00:00:10Z',
      '2026-01-01T00:00:20Z',
      '2026-01-01T00:00:30Z',
      '2026-01-01T00:00:40Z',
    ]);
    expect(fires('1-30/5 2 * * *', 'UTC', '2026-01-01T00:00:00Z', '2026-01-02T02:01:00Z')).toEqual([
      '2026-01-01T02:01:00Z',
      '2026-01-01T02:06:00Z',
      '2026-01-01T02:11:00Z',
      '2026-01-01T02:16:00Z',
      '2026-01-01T02:21:00Z',
      '2026-01-01T02:26:00Z',
      '2026-01-02T02:01:00Z',
    ]);
    expect(fires('0 8-10,17 * * *', 'UTC', '2026-01-01T08:00:00Z', '2026-01-02T08:00:00Z')).toEqual(
      [
        '2026-01-01T09:00:00Z',
        '2026-01-01T10:00:00Z',
        '2026-01-01T17:00:00Z',
        '2026-01-02T08:00:00Z',
      ],
    );
    expect(first('*/15 * * * *', '2026-01-01T00:07:30.500Z')).toBe('2026-01-01T00:15:00Z');
    expect(first('59 59 23 31 12 *', '2026-06-01T00:00:00Z')).toBe('2026-12-31T23:59:59Z');
  });

  it('is strictly after the start, including a start on a fire time or mid-second', () => {
    expect(first('0 0 * * *', '2026-01-01T00:00:00Z')).toBe('2026-01-02T00:00:00Z');
    expect(first('* * * * * *', '2026-01-01T00:00:00.999Z')).toBe('2026-01-01T00:00:01Z');
    expect(first('* * * * * *', '2025-12-31T23:59:59.999Z')).toBe('2026-01-01T00:00:00Z');
  });

  it('uses fixed offsets of :30 and :45', () => {
    expect(
      fires('0 9 * * *', 'Asia/Kolkata', '2026-01-01T00:00:00Z', '2026-01-02T12:00:00Z'),
    ).toEqual(['2026-01-01T03:30:00Z', '2026-01-02T03:30:00Z']);
    expect(
      fires('0 9 * * *', 'Asia/Kathmandu', '2026-01-01T00:00:00Z', '2026-01-02T12:00:00Z'),
    ).toEqual(['2026-01-01T03:15:00Z', '2026-01-02T03:15:00Z']);
    expect(
      fires('*/30 * * * *', 'Asia/Kathmandu', '2026-01-01T00:00:00Z', '2026-01-01T01:30:00Z'),
    ).toEqual(['2026-01-01T00:15:00Z', '2026-01-01T00:45:00Z', '2026-01-01T01:15:00Z']);
    expect(first('0 0 * * *', '2026-01-01T00:00:00Z', 'Etc/GMT+5')).toBe('2026-01-01T05:00:00Z');
  });

  it('returns null past year 9998 and lists with nextN', () => {
    const cron = CronExpression.parse('0 0 * * *', 'UTC');
    expect(cron.next(Date.parse('9998-12-31T12:00:00Z'))).toBeNull();
    expect(cron.nextN(Date.parse('9998-12-29T12:00:00Z'), 5).map(iso)).toEqual([
      '9998-12-30T00:00:00Z',
      '9998-12-31T00:00:00Z',
    ]);
    expect(cron.nextN(0, 0)).toEqual([]);
    expect(cron.nextN(0, 3).map(iso)).toEqual([
      '1970-01-02T00:00:00Z',
      '1970-01-03T00:00:00Z',
      '1970-01-04T00:00:00Z',
    ]);
  });
});
