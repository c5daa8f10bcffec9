/**
 * W3 cron: the next N fire times of 20 diverse expressions (5 and 6 fields,
 * steps, ranges, lists, names, L/W/#, macros) in several time zones, each
 * starting where its zone's DST changes are close, so that gaps and repeated
 * hours are on the path. Reported as fire times computed per second.
 */
import { CronExpression } from '../../lib/core/cron/cron-expression.js';
import type { Measurement } from './measurement.js';
import { median, now, perSecond } from './stats.js';
import type { RunParams, Workload, WorkloadResult } from './workload.js';

const WORKLOAD = 'W3 cron';
const DEFAULT_FIRES = 100;
const DEFAULT_ROUNDS = 7;
/** Each timed round repeats the whole set for about this long, so that timer resolution does not matter. */
const ROUND_MS = 200;

interface Case {
  expression: string;
  timeZone: string;
  /** Where the search starts (ISO); chosen near a DST change of the zone where it has one. */
  from: string;
}

// 2026 DST changes: US Mar 8 / Nov 1, EU Mar 29 / Oct 25, Sydney Apr 5 / Oct 4,
// Lord Howe (30-minute shift) Apr 5 / Oct 4, Chatham Apr 5 / Sep 27.
const CASES: readonly Case[] = [
  { expression: '* * * * *', timeZone: 'America/New_York', from: '2026-03-08T06:00:00Z' },
  { expression: '*/5 * * * *', timeZone: 'Europe/London', from: '2026-10-25T00:00:00Z' },
  { expression: '0 */2 * * *', timeZone: 'UTC', from: '2026-01-01T00:00:00Z' },
  { expression: '30 9 * * 1-5', timeZone: 'America/New_York', from: '2026-03-01T00:00:00Z' },
  { expression: '0 0 1 * *', timeZone: 'Asia/Shanghai', from: '2026-01-01T00:00:00Z' },
  { expression: '23 0-20/2 * * *', timeZone: 'Europe/Berlin', from: '2026-03-28T00:00:00Z' },
  { expression: '5 4 * * sun', timeZone: 'Australia/Sydney', from: '2026-03-01T00:00:00Z' },
  { expression: '0 0,12 1 */2 *', timeZone: 'America/Sao_Paulo', from: '2026-01-01T00:00:00Z' },
  {
    expression: '0 9 * JAN-MAR MON,WED,FRI',
    timeZone: 'Europe/Paris',
    from: '2026-01-01T00:00:00Z',
  },
  { expression: '*/10 * * * * *', timeZone: 'Europe/London', from: '2026-03-29T00:50:00Z' },
  { expression: '30 */15 9-17 * * MON-FRI', timeZone: 'Asia/Tokyo', from: '2026-02-01T00:00:00Z' },
  { expression: '0 0 L * *', timeZone: 'America/Los_Angeles', from: '2026-01-01T00:00:00Z' },
  { expression: '0 12 * * 5L', timeZone: 'Asia/Kolkata', from: '2026-01-01T00:00:00Z' },
  { expression: '0 10 * * 1#2', timeZone: 'Europe/Madrid', from: '2026-01-01T00:00:00Z' },
  { expression: '0 18 LW * *', timeZone: 'America/Chicago', from: '2026-01-01T00:00:00Z' },
  { expression: '@daily', timeZone: 'Australia/Lord_Howe', from: '2026-03-20T00:00:00Z' },
  { expression: '@hourly', timeZone: 'Pacific/Chatham', from: '2026-04-03T00:00:00Z' },
  { expression: '@weekly', timeZone: 'Asia/Kathmandu', from: '2026-01-01T00:00:00Z' },
  // A fixed time inside the spring gap (runs once at the gap's end) and the autumn repeat.
  { expression: '30 2 * * *', timeZone: 'America/New_York', from: '2026-03-01T00:00:00Z' },
  { expression: '0 30 1 * * *', timeZone: 'Europe/London', from: '2026-10-01T00:00:00Z' },
];

interface Prepared {
  cron: CronExpression;
  from: number;
}

/** Computes `fires` successive fire times of every case; returns a checksum so no work is dead code. */
function computeAll(cases: readonly Prepared[], fires: number): number {
  let checksum = 0;
  for (const { cron, from } of cases) {
    let cursor = from;
    for (let i = 0; i < fires; i += 1) {
      const next = cron.next(cursor);
      if (next === null || next <= cursor) {
        throw new Error(`${cron.expression} (${cron.timeZone}): no fire after ${cursor}`);
      }
      cursor = next;
      checksum = (checksum + (next % 1_000_003)) % 1_000_000_007;
    }
  }
  return checksum;
}

async function run(params: RunParams): Promise<WorkloadResult> {
  const fires = params.fires ?? DEFAULT_FIRES;
  const rounds = params.rounds ?? DEFAULT_ROUNDS;
  const cases = CASES.map(({ expression, timeZone, from }) => ({
    cron: CronExpression.parse(expression, timeZone),
    from: Date.parse(from),
  }));
  const expected = computeAll(cases, fires);
  // Repetitions per round, sized by the warm-up (which is untimed) to last about ROUND_MS.
  let repetitions = 1;
  if (!params.noWarmup) {
    const start = now();
    let done = 0;
    while (now() - start < ROUND_MS) {
      computeAll(cases, fires);
      done += 1;
    }
    repetitions = Math.max(1, done);
  }
  const rates: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const start = now();
    for (let i = 0; i < repetitions; i += 1) {
      if (computeAll(cases, fires) !== expected)
        throw new Error('cron results changed between runs');
    }
    rates.push(perSecond(repetitions * cases.length * fires, now() - start));
  }
  const perExpression = cases.map(({ cron, from }) => {
    const start = now();
    const times = cron.nextN(from, fires);
    return {
      expression: cron.expression,
      timeZone: cron.timeZone,
      firesPerSecond: perSecond(fires, now() - start),
      first: new Date(times[0]!).toISOString(),
      last: new Date(times.at(-1)!).toISOString(),
    };
  });
  const measurement: Measurement = {
    workload: WORKLOAD,
    metric: `next() over ${cases.length} expressions × ${fires} fires`,
    value: median(rates),
    unit: 'fires/s',
    samples: rates,
  };
  return {
    measurements: [measurement],
    details: {
      fires,
      rounds,
      repetitionsPerRound: repetitions,
      checksum: expected,
      perExpressionSingleRun: perExpression,
    },
  };
}

export const w3Cron: Workload = {
  id: 'w3',
  title: `next fire times of ${CASES.length} cron expressions`,
  run,
};
