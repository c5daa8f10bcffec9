import { describe, expect, it } from '@jest/globals';
import { CronExpression } from '../../../lib/core/cron/cron-expression.js';

const EXPRESSIONS = [
  '*/15 * * * *',
  '0 * * * *',
  '30 2 * * *',
  '30 1 * * *',
  '*/10 * * * * *',
  '0 9 * * MON-FRI',
  '0 0 L * *',
  '15 1-3 * * *',
];
const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu'];

/** Small deterministic generator, so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const YEAR_START = Date.parse('2026-01-01T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;

/** Random instants in 2026, plus instants every 5 minutes 13 seconds across each DST transition. */
function startInstants(zone: string): number[] {
  const next = random(zone.length * 7919);
  const starts: number[] = [];
  for (let i = 0; i < 2_000; i++) starts.push(YEAR_START + Math.floor(next() * YEAR_MS));
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  const offsetAt = (t: number): string | undefined =>
    format.formatToParts(t).find((part) => part.type === 'timeZoneName')?.value;
  for (let day = YEAR_START; day < YEAR_START + YEAR_MS; day += 86_400_000) {
    if (offsetAt(day) === offsetAt(day + 86_400_000)) continue;
    for (let t = day - 3_600_000; t < day + 27 * 3_600_000; t += 313_000) starts.push(t);
  }
  return starts;
}

/** Checks one start instant; returns a description of what is wrong, or null. */
function violation(cron: CronExpression, start: number): string | null {
  const fire = cron.next(start);
  if (fire === null) return `no fire after ${start}`;
  if (fire <= start) return `next(${start}) = ${fire} is not later`;
  if (fire % 1000 !== 0) return `next(${start}) = ${fire} is not a whole second`;
  if (cron.next(fire - 1) !== fire) return `next(next(${start}) - 1) !== next(${start})`;
  const later = cron.next(fire);
  if (later === null || later <= fire) return `next(${fire}) = ${later} does not advance`;
  const midpoint = start + Math.floor((fire - start) / 2);
  if (cron.next(midpoint) !== fire) return `next(${midpoint}) skips past ${fire}`;
  return null;
}

describe('CronExpression.next properties', () => {
  // Expectations are collected rather than asserted one by one: tens of
  // thousands of expect() calls would dominate the run time.
  it.each(ZONES)('is strictly later, stable and monotonic from any start in %s', (zone) => {
    const starts = startInstants(zone);
    const problems: string[] = [];
    for (const expression of EXPRESSIONS) {
      const cron = CronExpression.parse(expression, zone);
      for (const start of starts) {
        const problem = violation(cron, start);
        if (problem !== null) problems.push(`${expression}: ${problem}`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it.each(ZONES)('never leaves more than 15 minutes between fires of */15 in %s', (zone) => {
    const cron = CronExpression.parse('*/15 * * * *', zone);
    const times = cron.nextN(YEAR_START, 40_000);
    const gaps = new Set(times.slice(1).map((t, i) => (t - times[i]) / 60_000));
    expect([...gaps]).toEqual([15]);
  });
});
