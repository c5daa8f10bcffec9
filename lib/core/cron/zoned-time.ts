/**
 * Conversions between instants and wall-clock times in an IANA time zone.
 *
 * `Intl.DateTimeFormat` costs microseconds per call, far too slow for the
 * scheduler's hot path, so each zone caches its UTC offsets one UTC day at a
 * time: a day whose offsets at its two ends agree is taken to have one offset
 * throughout, and a day whose ends disagree has its single transition found
 * once by binary search. This assumes at most one transition per UTC day, the
 * same assumption the Temporal proposal makes when it probes one day either
 * side of a wall-clock time.
 */

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Fixed-offset zones skip Intl entirely; these are the names Intl resolves them to. */
const FIXED_ZONE_NAME =
  /^(?:UTC|GMT|Etc\/(?:UTC|UCT|GMT|Universal|Zulu|Greenwich)|Etc\/GMT[+-]\d{1,2})$/;

/** Offset memo entries per zone before the memo is dropped and rebuilt. */
const MAX_CACHED_DAYS = 10_000;

/** Zone lookups keyed by the name a caller gave, bounded because names come from users. */
const MAX_ZONE_ALIASES = 1_000;

/** A wall-clock time in some zone: `month` is 1-12, precision is whole seconds. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Number of days in a month (1-12) of a Gregorian year. */
export function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1];
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** Day of the week of a date, 0 = Sunday. */
export function weekdayOf(year: number, month: number, day: number): number {
  return (((daysFromCivil(year, month, day) + 4) % 7) + 7) % 7;
}

/** The wall-clock fields read as if they were UTC, in epoch milliseconds. */
export function localMsOf(wall: WallClock): number {
  const days = daysFromCivil(wall.year, wall.month, wall.day);
  return days * DAY_MS + wall.hour * HOUR_MS + wall.minute * MINUTE_MS + wall.second * SECOND_MS;
}

/** Fills `out` with the fields of epoch milliseconds read as UTC (milliseconds dropped). */
export function wallOfLocalMs(localMs: number, out: WallClock): WallClock {
  const days = Math.floor(localMs / DAY_MS);
  const msOfDay = localMs - days * DAY_MS;
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1_460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  out.month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  out.year = yearOfEra + era * 400 + (out.month <= 2 ? 1 : 0);
  out.day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  out.hour = Math.floor(msOfDay / HOUR_MS);
  out.minute = Math.floor((msOfDay % HOUR_MS) / MINUTE_MS);
  out.second = Math.floor((msOfDay % MINUTE_MS) / SECOND_MS);
  return out;
}

/** A fresh wall clock set to 1970-01-01 00:00:00. */
export function emptyWallClock(): WallClock {
  return { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
}

/** Offsets in force during one UTC day: `before` until the instant `at`, `after` from it. */
interface DayOffsets {
  readonly before: number;
  readonly after: number;
  readonly at: number;
}

const zonesByName = new Map<string, TimeZone>();
const zonesByCanonicalName = new Map<string, TimeZone>();

/** The time zone of the running process, as an IANA name. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The rules of one time zone, with its offsets cached. Obtain instances with {@link TimeZone.of}. */
export class TimeZone {
  private readonly days = new Map<number, DayOffsets>();
  private readonly scratch = emptyWallClock();

  private constructor(
    /** Canonical IANA name, as Intl resolves it. */
    readonly name: string,
    private readonly formatter: Intl.DateTimeFormat,
    /** The offset in milliseconds when the zone never changes it, otherwise null. */
    readonly fixedOffset: number | null,
  ) {}

  /**
   * The shared instance for a zone name.
   *
   * @throws RangeError when Intl does not know the zone.
   */
  static of(name: string): TimeZone {
    const known = zonesByName.get(name);
    if (known) return known;
    const formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    const canonical = formatter.resolvedOptions().timeZone;
    let zone = zonesByCanonicalName.get(canonical);
    if (!zone) {
      const fixed = FIXED_ZONE_NAME.test(canonical) ? offsetFromIntl(formatter, 0) : null;
      zone = new TimeZone(canonical, formatter, fixed);
      zonesByCanonicalName.set(canonical, zone);
    }
    if (zonesByName.size >= MAX_ZONE_ALIASES) zonesByName.clear();
    zonesByName.set(name, zone);
    return zone;
  }

  /** The UTC offset in milliseconds (local minus UTC) in force at an instant. */
  offsetAt(instantMs: number): number {
    if (this.fixedOffset !== null) return this.fixedOffset;
    const day = Math.floor(instantMs / DAY_MS);
    const offsets = this.days.get(day) ?? this.loadDay(day);
    return instantMs < offsets.at ? offsets.before : offsets.after;
  }

  /** The wall clock at an instant; fills `out` when given. */
  wallClockOf(instantMs: number, out: WallClock = emptyWallClock()): WallClock {
    const whole = Math.floor(instantMs / SECOND_MS) * SECOND_MS;
    return wallOfLocalMs(whole + this.offsetAt(whole), out);
  }

  /**
   * The instants showing a wall-clock time, in ascending order: none inside
   * a gap (spring forward), two inside a repeated hour (fall back).
   */
  instantsOf(wall: WallClock): number[] {
    const local = localMsOf(wall);
    if (this.fixedOffset !== null) return [local - this.fixedOffset];
    const early = this.offsetAt(local - DAY_MS);
    const late = this.offsetAt(local + DAY_MS);
    const result: number[] = [];
    if (this.offsetAt(local - early) === early) result.push(local - early);
    if (late !== early && this.offsetAt(local - late) === late) result.push(local - late);
    if (result.length === 2 && result[0] > result[1]) result.reverse();
    return result;
  }

  /** The first instant after the gap that hides a wall-clock time (which must be in a gap). */
  gapEnd(wall: WallClock): number {
    const local = localMsOf(wall);
    const early = local - this.offsetAt(local - DAY_MS);
    const late = local - this.offsetAt(local + DAY_MS);
    return this.transitionBetween(Math.min(early, late), Math.max(early, late));
  }

  /**
   * The first whole-second instant in (`lowMs`, `highMs`] whose offset
   * differs from the offset at `lowMs`, or `highMs` when there is none.
   */
  transitionBetween(lowMs: number, highMs: number): number {
    const base = this.offsetAt(lowMs);
    let low = Math.floor(lowMs / SECOND_MS) * SECOND_MS;
    let high = highMs;
    while (high - low > SECOND_MS) {
      const middle = low + Math.floor((high - low) / (2 * SECOND_MS)) * SECOND_MS;
      if (this.offsetAt(middle) === base) low = middle;
      else high = middle;
    }
    return high;
  }

  /** True when the wall-clock date of an instant is the date of `wall`. */
  isSameDate(instantMs: number, wall: WallClock): boolean {
    const other = this.wallClockOf(instantMs, this.scratch);
    return other.year === wall.year && other.month === wall.month && other.day === wall.day;
  }

  private loadDay(day: number): DayOffsets {
    const start = day * DAY_MS;
    const end = start + DAY_MS;
    const before = this.days.get(day - 1)?.after ?? offsetFromIntl(this.formatter, start);
    const after = this.days.get(day + 1)?.before ?? offsetFromIntl(this.formatter, end);
    const at = before === after ? Infinity : this.searchTransition(start, end, before);
    if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
    const offsets = { before, after, at };
    this.days.set(day, offsets);
    return offsets;
  }

  /** Binary search, to the second, for where the offset stops being `base`. */
  private searchTransition(lowMs: number, highMs: number, base: number): number {
    let low = lowMs;
    let high = highMs;
    while (high - low > SECOND_MS) {
      const middle = low + Math.floor((high - low) / (2 * SECOND_MS)) * SECOND_MS;
      if (offsetFromIntl(this.formatter, middle) === base) low = middle;
      else high = middle;
    }
    return high;
  }
}

/** Asks Intl for the offset at a whole-second instant. */
function offsetFromIntl(formatter: Intl.DateTimeFormat, instantMs: number): number {
  const wall = emptyWallClock();
  for (const part of formatter.formatToParts(instantMs)) {
    switch (part.type) {
      case 'year':
        wall.year = Number(part.value);
        break;
      case 'month':
        wall.month = Number(part.value);
        break;
      case 'day':
        wall.day = Number(part.value);
        break;
      case 'hour':
        wall.hour = Number(part.value) % 24;
        break;
      case 'minute':
        wall.minute = Number(part.value);
        break;
      case 'second':
        wall.second = Number(part.value);
        break;
    }
  }
  return localMsOf(wall) - instantMs;
}

/**
 * The wall clock at an instant in a zone.
 *
 * @throws RangeError for an unknown zone.
 */
export function wallClockOf(instantMs: number, zone: string): WallClock {
  return TimeZone.of(zone).wallClockOf(instantMs);
}

/**
 * The instants (0 in a gap, 1, or 2 in a repeated hour) at which a zone's
 * clocks show a wall-clock time, ascending.
 *
 * @throws RangeError for an unknown zone.
 */
export function instantsOf(wall: WallClock, zone: string): number[] {
  return TimeZone.of(zone).instantsOf(wall);
}
