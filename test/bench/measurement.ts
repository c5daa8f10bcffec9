/** What a workload reports: one row of the results table each. */

/** A goal a measured value is compared with; reported, never enforced. */
export interface Target {
  op: '>=' | '<=';
  value: number;
  /** What the team aims for beyond the target, shown beside it. */
  aim?: number;
  /** The value is only aimed for, not held to: shown as `aim >= …`, judged `report`. */
  aimOnly?: boolean;
}

/** One measured figure. */
export interface Measurement {
  /** 'W1 burst', 'W2 lateness', … */
  workload: string;
  metric: string;
  value: number | null;
  unit: string;
  /** Absent: the figure is reported only. */
  target?: Target;
  /** Raw per-round values behind `value` (a median), for results.json. */
  samples?: number[];
  note?: string;
}

/** How a measurement compares with its target. */
export type Verdict = 'pass' | 'near' | 'fail' | 'report';

/** Within this fraction of the target a pass counts as a near miss, worth profiling. */
export const NEAR_MARGIN = 0.2;

export function verdict(measurement: Measurement): Verdict {
  const { target, value } = measurement;
  if (target === undefined || target.aimOnly === true || value === null) return 'report';
  const passes = target.op === '>=' ? value >= target.value : value <= target.value;
  if (!passes) return 'fail';
  const near =
    target.op === '>='
      ? value < target.value * (1 + NEAR_MARGIN)
      : value > target.value * (1 - NEAR_MARGIN);
  return near ? 'near' : 'pass';
}

/** A number for the table: thousands grouped, a few significant decimals for small values. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  const digits = Number.isInteger(value) || abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function formatValue(measurement: Measurement): string {
  if (measurement.value === null) return 'n/a';
  return `${formatNumber(measurement.value)} ${measurement.unit}`.trim();
}

export function formatTarget(measurement: Measurement): string {
  const { target, unit } = measurement;
  if (target === undefined) return 'report';
  if (target.aimOnly === true) return `aim ${target.op} ${formatNumber(target.value)} ${unit}`;
  const aim = target.aim === undefined ? '' : ` (aim ${formatNumber(target.aim)} ${unit})`;
  return `${target.op} ${formatNumber(target.value)} ${unit}${aim}`.replace(/ +/g, ' ');
}
