import { describe, expect, it } from '@jest/globals';
import {
  daysFromCivil,
  daysInMonth,
  instantsOf,
  TimeZone,
  wallClockOf,
  wallOfLocalMs,
  emptyWallClock,
  weekdayOf,
  type WallClock,
} from '../../../lib/core/cron/zoned-time.js';

const wall = (text: string): WallClock => {
  const [date, time] = text.split('T');
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute, second] = time.split(':').map(Number);
  return { year, month, day, hour, minute, second };
};

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('calendar arithmetic', () => {
  it('agrees with Date over a wide range of days', () => {
    for (let day = -800_000; day < 3_000_000; day += 997) {
      const date = new Date(day * 86_400_000);
      const fields = wallOfLocalMs(day * 86_400_000 + 45_296_000, emptyWallClock());
      expect([fields.year, fields.month, fields.day, fields.hour, fields.minute]).toEqual([
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        12,
        34,
      ]);
      expect(daysFromCivil(fields.year, fields.month, fields.day)).toBe(day);
      expect(weekdayOf(fields.year, fields.month, fields.day)).toBe(date.getUTCDay());
    }
  });

  it('knows month lengths', () => {
    expect([2024, 2025, 2100, 2000].map((year) => daysInMonth(year, 2))).toEqual([29, 28, 28, 29]);
    expect(daysInMonth(2026, 4)).toBe(30);
    expect(daysInMonth(2026, 12)).toBe(31);
  });
});

describe('wallClockOf', () => {
  it('reads wall clocks in DST, half-hour and fixed zones', () => {
    expect(wallClockOf(Date.parse('2026-03-08T07:00:00Z'), 'America/New_York')).toEqual(
      wall('2026-03-08T03:00:00'),
    );
    expect(wallClockOf(Date.parse('2026-03-08T06:59:59.999Z'), 'America/New_York')).toEqual(
      wall('2026-03-08T01:59:59'),
    );
    expect(wallClockOf(Date.parse('2026-01-01T00:00:00Z'), 'Asia/Kathmandu')).toEqual(
      wall('2026-01-01T05:45:00'),
    );
    expect(wallClockOf(Date.parse('2026-07-01T12:00:00Z'), 'Etc/UTC')).toEqual(
      wall('2026-07-01T12:00:00'),
    );
  });

  it('throws RangeError for an unknown zone', () => {
    expect(() => wallClockOf(0, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('instantsOf', () => {
  it('finds no instant in a gap, two in a repeated hour, one otherwise', () => {
    expect(instantsOf(wall('2026-03-08T02:30:00'), 'America/New_York')).toEqual([]);
    expect(instantsOf(wall('2026-11-01T01:30:00'), 'America/New_York').map(iso)).toEqual([
      '2026-11-01T05:30:00Z',
      '2026-11-01T06:30:00Z',
    ]);
    expect(instantsOf(wall('2026-07-01T09:00:00'), 'America/New_York').map(iso)).toEqual([
      '2026-07-01T13:00:00Z',
    ]);
    expect(instantsOf(wall('2026-03-29T01:15:00'), 'Europe/London')).toEqual([]);
    expect(instantsOf(wall('2026-10-25T01:00:00'), 'Europe/London').map(iso)).toEqual([
      '2026-10-25T00:00:00Z',
      '2026-10-25T01:00:00Z',
    ]);
    expect(instantsOf(wall('2026-04-05T01:45:00'), 'Australia/Lord_Howe').map(iso)).toEqual([
      '2026-04-04T14:45:00Z',
      '2026-04-04T15:15:00Z',
    ]);
    expect(instantsOf(wall('2026-01-01T00:00:00'), 'UTC').map(iso)).toEqual([
      '2026-01-01T00:00:00Z',
    ]);
  });
});

describe('TimeZone', () => {
  it('finds the transition inside a gap by binary search', () => {
    const newYork = TimeZone.of('America/New_York');
    expect(iso(newYork.gapEnd(wall('2026-03-08T02:30:00')))).toBe('2026-03-08T07:00:00Z');
    const lordHowe = TimeZone.of('Australia/Lord_Howe');
    expect(iso(lordHowe.gapEnd(wall('2026-10-04T02:10:00')))).toBe('2026-10-03T15:30:00Z');
    expect(
      iso(
        newYork.transitionBetween(
          Date.parse('2026-11-01T00:00:00Z'),
          Date.parse('2026-11-02T00:00:00Z'),
        ),
      ),
    ).toBe('2026-11-01T06:00:00Z');
  });

  it('shares one instance per zone and treats UTC aliases as fixed', () => {
    expect(TimeZone.of('Europe/London')).toBe(TimeZone.of('Europe/London'));
    expect(TimeZone.of('Etc/UTC')).toBe(TimeZone.of('UTC'));
    expect(TimeZone.of('Etc/UTC').fixedOffset).toBe(0);
    expect(TimeZone.of('Etc/GMT-3').fixedOffset).toBe(3 * 3_600_000);
    expect(TimeZone.of('America/New_York').fixedOffset).toBeNull();
  });

  it('reports offsets on both sides of a transition', () => {
    const london = TimeZone.of('Europe/London');
    expect(london.offsetAt(Date.parse('2026-03-29T00:59:59Z'))).toBe(0);
    expect(london.offsetAt(Date.parse('2026-03-29T01:00:00Z'))).toBe(3_600_000);
    expect(london.offsetAt(Date.parse('2026-10-25T00:59:59.999Z'))).toBe(3_600_000);
    expect(london.offsetAt(Date.parse('2026-10-25T01:00:00Z'))).toBe(0);
  });
});
