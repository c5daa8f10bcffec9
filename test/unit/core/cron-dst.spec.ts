import { describe, expect, it } from '@jest/globals';
import { CronExpression } from '../../../lib/core/cron/cron-expression.js';

const MINUTE = 60_000;

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Every fire after `from` up to and including `until`. */
function fireTimes(expression: string, timeZone: string, from: string, until: string): number[] {
  const cron = CronExpression.parse(expression, timeZone);
  const end = Date.parse(until);
  const out: number[] = [];
  for (let t = cron.next(Date.parse(from)); t !== null && t <= end; t = cron.next(t)) out.push(t);
  return out;
}

const fires = (expression: string, timeZone: string, from: string, until: string): string[] =>
  fireTimes(expression, timeZone, from, until).map(iso);

/** Real-time gaps between consecutive fires, in minutes. */
function intervals(times: number[]): number[] {
  return times.slice(1).map((t, i) => (t - times[i]) / MINUTE);
}

/** ISO strings every `stepMinutes` from `from` to `until`, inclusive. */
function every(stepMinutes: number, from: string, until: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(until); t += stepMinutes * MINUTE)
    out.push(iso(t));
  return out;
}

describe('America/New_York, spring forward 2026-03-08 (02:00 EST -> 03:00 EDT)', () => {
  const zone = 'America/New_York';

  it('runs a fixed-time job in the gap once, at the end of the gap', () => {
    expect(fires('30 2 * * *', zone, '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-07T07:30:00Z',
      '2026-03-08T07:00:00Z',
      '2026-03-09T06:30:00Z',
    ]);
  });

  it('runs a fixed-time job outside the gap as usual', () => {
    expect(fires('30 1 * * *', zone, '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-07T06:30:00Z',
      '2026-03-08T06:30:00Z',
      '2026-03-09T05:30:00Z',
    ]);
  });

  it('keeps real 15-minute intervals, skipping only local 02:xx', () => {
    const times = fireTimes('*/15 * * * *', zone, '2026-03-08T03:59:00Z', '2026-03-08T10:00:00Z');
    expect(times.map(iso)).toEqual(every(15, '2026-03-08T04:00:00Z', '2026-03-08T10:00:00Z'));
    expect(new Set(intervals(times))).toEqual(new Set([15]));
  });

  it('keeps real hourly intervals', () => {
    expect(fires('0 * * * *', zone, '2026-03-08T03:59:00Z', '2026-03-08T10:00:00Z')).toEqual([
      '2026-03-08T04:00:00Z',
      '2026-03-08T05:00:00Z',
      '2026-03-08T06:00:00Z',
      '2026-03-08T07:00:00Z',
      '2026-03-08T08:00:00Z',
      '2026-03-08T09:00:00Z',
      '2026-03-08T10:00:00Z',
    ]);
  });
});

describe('America/New_York, fall back 2026-11-01 (02:00 EDT -> 01:00 EST)', () => {
  const zone = 'America/New_York';

  it('runs a fixed-time job after the repeated hour as usual', () => {
    expect(fires('30 2 * * *', zone, '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-31T06:30:00Z',
      '2026-11-01T07:30:00Z',
      '2026-11-02T07:30:00Z',
    ]);
  });

  it('runs a fixed-time job in the repeated hour once, at the first occurrence', () => {
    expect(fires('30 1 * * *', zone, '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-31T05:30:00Z',
      '2026-11-01T05:30:00Z',
      '2026-11-02T06:30:00Z',
    ]);
    const cron = CronExpression.parse('30 1 * * *', zone);
    expect(iso(cron.next(Date.parse('2026-11-01T05:30:00Z'))!)).toBe('2026-11-02T06:30:00Z');
  });

  it('keeps real 15-minute intervals through both passes of 01:xx', () => {
    const times = fireTimes('*/15 * * * *', zone, '2026-11-01T02:59:00Z', '2026-11-01T09:00:00Z');
    expect(times.map(iso)).toEqual(every(15, '2026-11-01T03:00:00Z', '2026-11-01T09:00:00Z'));
    expect(new Set(intervals(times))).toEqual(new Set([15]));
  });

  it('keeps real hourly intervals, firing at 01:00 EDT and 01:00 EST', () => {
    expect(fires('0 * * * *', zone, '2026-11-01T02:59:00Z', '2026-11-01T09:00:00Z')).toEqual([
      '2026-11-01T03:00:00Z',
      '2026-11-01T04:00:00Z',
      '2026-11-01T05:00:00Z',
      '2026-11-01T06:00:00Z',
      '2026-11-01T07:00:00Z',
      '2026-11-01T08:00:00Z',
      '2026-11-01T09:00:00Z',
    ]);
  });

  it('finds the second pass of an earlier wall time when starting in the first pass', () => {
    const cron = CronExpression.parse('*/15 * * * *', zone);
    expect(iso(cron.next(Date.parse('2026-11-01T05:50:00Z'))!)).toBe('2026-11-01T06:00:00Z');
    const hourly = CronExpression.parse('0 * * * *', zone);
    expect(iso(hourly.next(Date.parse('2026-11-01T05:00:00Z'))!)).toBe('2026-11-01T06:00:00Z');
    expect(iso(hourly.next(Date.parse('2026-11-01T06:00:00Z'))!)).toBe('2026-11-01T07:00:00Z');
  });
});

describe('Europe/London, spring forward 2026-03-29 (01:00 GMT -> 02:00 BST)', () => {
  const zone = 'Europe/London';

  it('runs a fixed-time job outside the gap as usual', () => {
    expect(fires('30 2 * * *', zone, '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-28T02:30:00Z',
      '2026-03-29T01:30:00Z',
      '2026-03-30T01:30:00Z',
    ]);
  });

  it('runs a fixed-time job in the gap once, at the end of the gap', () => {
    expect(fires('30 1 * * *', zone, '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-28T01:30:00Z',
      '2026-03-29T01:00:00Z',
      '2026-03-30T00:30:00Z',
    ]);
  });

  it('keeps real 15-minute and hourly intervals', () => {
    const quarter = fireTimes('*/15 * * * *', zone, '2026-03-28T21:59:00Z', '2026-03-29T04:00:00Z');
    expect(quarter.map(iso)).toEqual(every(15, '2026-03-28T22:00:00Z', '2026-03-29T04:00:00Z'));
    expect(fires('0 * * * *', zone, '2026-03-28T21:59:00Z', '2026-03-29T04:00:00Z')).toEqual([
      '2026-03-28T22:00:00Z',
      '2026-03-28T23:00:00Z',
      '2026-03-29T00:00:00Z',
      '2026-03-29T01:00:00Z',
      '2026-03-29T02:00:00Z',
      '2026-03-29T03:00:00Z',
      '2026-03-29T04:00:00Z',
    ]);
  });
});

describe('Europe/London, fall back 2026-10-25 (02:00 BST -> 01:00 GMT)', () => {
  const zone = 'Europe/London';

  it('runs a fixed-time job after the repeated hour as usual', () => {
    expect(fires('30 2 * * *', zone, '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z')).toEqual([
      '2026-10-24T01:30:00Z',
      '2026-10-25T02:30:00Z',
      '2026-10-26T02:30:00Z',
    ]);
  });

  it('runs a fixed-time job in the repeated hour once, at the first occurrence', () => {
    expect(fires('30 1 * * *', zone, '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z')).toEqual([
      '2026-10-24T00:30:00Z',
      '2026-10-25T00:30:00Z',
      '2026-10-26T01:30:00Z',
    ]);
  });

  it('keeps real 15-minute and hourly intervals', () => {
    const quarter = fireTimes('*/15 * * * *', zone, '2026-10-24T21:59:00Z', '2026-10-25T04:00:00Z');
    expect(quarter.map(iso)).toEqual(every(15, '2026-10-24T22:00:00Z', '2026-10-25T04:00:00Z'));
    expect(fires('0 * * * *', zone, '2026-10-24T21:59:00Z', '2026-10-25T04:00:00Z')).toEqual([
      '2026-10-24T22:00:00Z',
      '2026-10-24T23:00:00Z',
      '2026-10-25T00:00:00Z',
      '2026-10-25T01:00:00Z',
      '2026-10-25T02:00:00Z',
      '2026-10-25T03:00:00Z',
      '2026-10-25T04:00:00Z',
    ]);
  });
});

describe('Australia/Lord_Howe (30-minute DST shift)', () => {
  const zone = 'Australia/Lord_Howe';

  it('repeats 01:30-02:00 on 2026-04-05 and keeps 15-minute intervals', () => {
    const times = fireTimes('*/15 * * * *', zone, '2026-04-04T13:59:00Z', '2026-04-04T16:00:00Z');
    expect(times.map(iso)).toEqual(every(15, '2026-04-04T14:00:00Z', '2026-04-04T16:00:00Z'));
    expect(fires('30 1 * * *', zone, '2026-04-03T00:00:00Z', '2026-04-06T00:00:00Z')).toEqual([
      '2026-04-03T14:30:00Z',
      '2026-04-04T14:30:00Z',
      '2026-04-05T15:00:00Z',
    ]);
  });

  it('skips 02:00-02:30 on 2026-10-04', () => {
    expect(fires('15 2 * * *', zone, '2026-10-02T00:00:00Z', '2026-10-05T00:00:00Z')).toEqual([
      '2026-10-02T15:45:00Z',
      '2026-10-03T15:30:00Z',
      '2026-10-04T15:15:00Z',
    ]);
    const times = fireTimes('*/15 * * * *', zone, '2026-10-03T14:59:00Z', '2026-10-03T16:30:00Z');
    expect(times.map(iso)).toEqual(every(15, '2026-10-03T15:00:00Z', '2026-10-03T16:30:00Z'));
  });
});

describe('a fixed-time job over a whole year in a DST zone', () => {
  it.each(['America/New_York', 'Europe/London', 'Australia/Lord_Howe'])(
    'fires exactly once on every local date in %s',
    (zone) => {
      for (const expression of ['30 2 * * *', '30 1 * * *', '0 0 * * *']) {
        const times = fireTimes(expression, zone, '2025-12-31T12:00:00Z', '2026-12-31T11:59:59Z');
        const dates = times.map((t) =>
          new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(t),
        );
        expect(new Set(dates).size).toBe(365);
        expect(times).toHaveLength(365);
      }
    },
  );
});
