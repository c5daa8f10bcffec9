import { InvalidDurationError } from './errors.js';

/** A duration: milliseconds as a number, or a string such as `'250ms'`, `'30s'`, `'5m'`, `'1h'`, `'2d'`. */
export type Duration = number | string;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** The longest duration accepted anywhere: 100 years. Longer is a mistake, not a plan. */
export const MAX_DURATION_MS = 100 * 365 * UNIT_MS.d!;

/**
 * Converts a {@link Duration} to whole milliseconds.
 *
 * @param field names the option in the error message (`'delay'`, `'queues.high.timeout'`).
 * @throws InvalidDurationError for negative, non-finite, unparseable or absurdly long values.
 */
export function parseDuration(value: unknown, field: string): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value);
    if (!match) throw new InvalidDurationError(field, value);
    ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  } else {
    throw new InvalidDurationError(field, value);
  }
  if (!Number.isFinite(ms)) throw new InvalidDurationError(field, value, 'it must be finite');
  if (ms < 0) throw new InvalidDurationError(field, value, 'it must not be negative');
  if (ms > MAX_DURATION_MS) {
    throw new InvalidDurationError(field, value, 'it must be at most 100 years');
  }
  return Math.round(ms);
}

/** Like {@link parseDuration}, but zero is refused too. */
export function parsePositiveDuration(value: unknown, field: string): number {
  const ms = parseDuration(value, field);
  if (ms === 0) throw new InvalidDurationError(field, value, 'it must be greater than zero');
  return ms;
}
