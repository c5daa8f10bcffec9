/**
 * Cron expressions evaluated in a time zone, with croner's DST semantics:
 *
 * - a fixed-time job (second, minute and hour each a single value) whose time
 *   falls in a gap runs once at the end of the gap, and runs once, at the first
 *   occurrence, when its time is repeated;
 * - any other job skips times inside a gap and runs on both occurrences of a
 *   repeated time, so that its real intervals are kept.
 */
import { InvalidArgumentError, InvalidCronExpressionError } from '../errors.js';
import type { CompiledPattern } from './compiled-pattern.js';
import { compilePattern } from './pattern-cache.js';
import {
  daysFromCivil,
  localMsOf,
  systemTimeZone,
  TimeZone,
  DAY_MS,
  type WallClock,
} from './zoned-time.js';

const MAX_EXPRESSION_LENGTH = 100;
const MAX_COUNT = 100_000;
const SECOND_MS = 1_000;

/** Searches start no earlier than this, so that zone lookups a day either side stay in year 1. */
const EARLIEST_START_MS = daysFromCivil(1, 1, 3) * DAY_MS;

/** A validated cron expression bound to a time zone. Create with {@link CronExpression.parse}. */
export class CronExpression {
  private constructor(
    /** The expression as given, trimmed. */
    readonly expression: string,
    /** The IANA zone used, as given (trimmed), or the process's zone. */
    readonly timeZone: string,
    /** Whether the expression has a leading seconds field (6-field form). */
    readonly hasSeconds: boolean,
    private readonly pattern: CompiledPattern,
    private readonly zone: TimeZone,
  ) {}

  /**
   * Parses and validates an expression: 5 fields, 6 fields with leading
   * seconds, or a macro (`@yearly`, `@annually`, `@monthly`, `@weekly`,
   * `@daily`, `@midnight`, `@hourly`).
   *
   * @param timeZone an IANA zone; defaults to the process's zone.
   * @throws InvalidCronExpressionError for an unparseable, over-long or never-firing expression.
   * @throws InvalidArgumentError for an unknown time zone.
   */
  static parse(expression: string, timeZone?: string): CronExpression {
    const text = validateText(expression);
    const zoneName = timeZone === undefined ? systemTimeZone() : timeZone;
    const zone = resolveZone(zoneName);
    const pattern = compilePattern(text);
    const hasSeconds = !text.startsWith('@') && text.split(/\s+/).length === 6;
    return new CronExpression(text, zoneName.trim(), hasSeconds, pattern, zone);
  }

  /**
   * The first fire instant strictly after `afterMs` (epoch ms), or null if
   * none before year 9999. Fires are on whole seconds.
   *
   * @throws InvalidArgumentError when `afterMs` is not a finite number.
   */
  next(afterMs: number): number | null {
    if (typeof afterMs !== 'number' || !Number.isFinite(afterMs)) {
      throw new InvalidArgumentError('afterMs', afterMs, 'use a finite epoch time in milliseconds');
    }
    const after = Math.max(afterMs, EARLIEST_START_MS);
    const floored = Math.floor(after / SECOND_MS) * SECOND_MS;
    const start = this.zone.wallClockOf(floored);
    start.second += 1;
    const first = this.walk(start, after);
    if (this.pattern.isFixedTime || this.zone.fixedOffset !== null) return first;
    return this.withRepeatedHour(floored, first);
  }

  /**
   * Up to `count` successive fire instants after `afterMs`.
   *
   * @throws InvalidArgumentError when `count` is not an integer from 0 to 100,000.
   */
  nextN(afterMs: number, count: number): number[] {
    if (!Number.isSafeInteger(count) || count < 0 || count > MAX_COUNT) {
      throw new InvalidArgumentError('count', count, `use an integer from 0 to ${MAX_COUNT}`);
    }
    const fires: number[] = [];
    let cursor = afterMs;
    while (fires.length < count) {
      const fire = this.next(cursor);
      if (fire === null) break;
      fires.push(fire);
      cursor = fire;
    }
    return fires;
  }

  /**
   * Walks matching wall-clock times from `wall` (inclusive) and returns the
   * first fire instant after `threshold`.
   */
  private walk(wall: WallClock, threshold: number): number | null {
    const { pattern, zone } = this;
    while (pattern.advance(wall)) {
      if (zone.fixedOffset !== null) return localMsOf(wall) - zone.fixedOffset;
      const instants = zone.instantsOf(wall);
      if (instants.length > 0) {
        const fire = this.pick(instants, threshold);
        if (fire !== null) return fire;
        wall.second += 1;
        continue;
      }
      const gapEnd = zone.gapEnd(wall);
      if (pattern.isFixedTime && gapEnd > threshold && zone.isSameDate(gapEnd, wall)) {
        return gapEnd;
      }
      this.skipGap(wall, gapEnd);
    }
    return null;
  }

  /** Chooses among the one or two instants of a matching wall-clock time. */
  private pick(instants: number[], threshold: number): number | null {
    if (instants[0] > threshold) return instants[0];
    if (instants.length === 2 && !this.pattern.isFixedTime && instants[1] > threshold) {
      return instants[1];
    }
    return null;
  }

  /** Every wall-clock time inside a gap is skipped alike, so jump straight past it. */
  private skipGap(wall: WallClock, gapEnd: number): void {
    const gapLocal = localMsOf(wall);
    const after = this.zone.wallClockOf(gapEnd);
    if (localMsOf(after) > gapLocal) Object.assign(wall, after);
    else wall.second += 1;
  }

  /**
   * When the search started in the first pass of a repeated hour, the second
   * pass of times earlier on the wall clock (which the walk has left behind)
   * is still ahead in real time.
   */
  private withRepeatedHour(floored: number, first: number | null): number | null {
    if (this.zone.offsetAt(floored - DAY_MS) === this.zone.offsetAt(floored + DAY_MS)) {
      return first;
    }
    const instants = this.zone.instantsOf(this.zone.wallClockOf(floored));
    if (instants.length !== 2 || instants[0] !== floored) return first;
    const repeatStart = this.zone.transitionBetween(floored, instants[1]);
    if (first !== null && first < repeatStart) return first;
    const second = this.walk(this.zone.wallClockOf(repeatStart), repeatStart - 1);
    if (first === null || second === null) return first ?? second;
    return Math.min(first, second);
  }
}

function validateText(expression: unknown): string {
  if (typeof expression !== 'string') {
    throw new InvalidCronExpressionError(expression, 'it must be a string');
  }
  const text = expression.trim();
  if (text === '') throw new InvalidCronExpressionError(expression, 'it is empty');
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new InvalidCronExpressionError(
      expression,
      `it is longer than ${MAX_EXPRESSION_LENGTH} characters`,
    );
  }
  return text;
}

function resolveZone(name: unknown): TimeZone {
  const expectation = "use an IANA time zone such as 'Europe/London'";
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidArgumentError('timeZone', name, expectation);
  }
  try {
    return TimeZone.of(name.trim());
  } catch {
    throw new InvalidArgumentError('timeZone', name, expectation);
  }
}
