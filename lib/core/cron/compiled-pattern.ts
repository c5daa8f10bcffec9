/**
 * A cron pattern reduced to a few hundred bytes of lookup tables.
 *
 * croner parses and validates the text, but every `CronPattern` carries a
 * 10,000-entry year table, so it is dropped as soon as the fields are copied.
 * Day matching mirrors croner's: day-of-month OR day-of-week unless either is
 * `*` or the day-of-week starts with `+` (then AND); `L`, `LW`, `nW`, `n#k`,
 * `nL` and 7-as-Sunday behave as in croner.
 */
import type { CronPattern } from 'croner';
import { daysInMonth, weekdayOf, type WallClock } from './zoned-time.js';

/** Wall-clock years from this one on are out of range. */
export const END_YEAR = 9999;

/** croner's day-of-week value meaning "any occurrence in the month". */
const ANY_OCCURRENCE = 63;
/** croner's day-of-week bit meaning "the last occurrence in the month". */
const LAST_OCCURRENCE = 32;

/** The Gregorian calendar, weekdays included, repeats every 400 years. */
const CYCLE_START_YEAR = 2000;
const CYCLE_YEARS = 400;

/**
 * Table where entry `i` is the first allowed value `>= i`, or -1. It has one
 * entry past the largest value, so a field carried one past its range
 * (second 60, hour 24) reads as "none left".
 */
function nextValueTable(allowed: ArrayLike<number>, offset: number): Int8Array {
  const table = new Int8Array(allowed.length + offset + 1).fill(-1);
  for (let value = allowed.length + offset - 1; value >= 0; value--) {
    const index = value - offset;
    const isAllowed = index >= 0 && allowed[index] !== 0;
    table[value] = isAllowed ? value : table[value + 1];
  }
  return table;
}

/** Bit `d - 1` set for each day `d` (1-31) whose entry is non-zero. */
function dayBits(allowed: ArrayLike<number>): number {
  let bits = 0;
  for (let index = 0; index < 31; index++) if (allowed[index]) bits |= 1 << index;
  return bits;
}

/** The weekday (Monday-Friday) nearest to `day`, without leaving the month; -1 past its end. */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  if (day > last) return -1;
  const weekday = weekdayOf(year, month, day);
  if (weekday === 0) return day === last ? day - 2 : day + 1;
  if (weekday === 6) return day === 1 ? day + 2 : day - 1;
  return day;
}

/** The last Monday-Friday of a month. */
function lastWeekday(year: number, month: number): number {
  const last = daysInMonth(year, month);
  const weekday = weekdayOf(year, month, last);
  return weekday === 0 ? last - 2 : weekday === 6 ? last - 1 : last;
}

/** Whether `day` is one of the occurrences (`#n` bits, `L` bit) its weekday allows. */
function occurrenceAllowed(flags: number, day: number, last: number): boolean {
  if (flags === ANY_OCCURRENCE) return true;
  if (flags & (1 << Math.floor((day - 1) / 7))) return true;
  return (flags & LAST_OCCURRENCE) !== 0 && day + 7 > last;
}

/** The compact form of a parsed cron pattern, immutable apart from a one-month memo. */
export class CompiledPattern {
  /** Whether second, minute and hour each hold a single value (croner's 'single-value' rule). */
  readonly isFixedTime: boolean;
  private readonly nextSecond: Int8Array;
  private readonly nextMinute: Int8Array;
  private readonly nextHour: Int8Array;
  /** Indexed by month 1-12. */
  private readonly nextMonth: Int8Array;
  private readonly daysOfMonth: number;
  private readonly nearestWeekdayDays: number;
  private readonly lastDayOfMonth: boolean;
  private readonly lastWeekdayOfMonth: boolean;
  /** Per weekday (0 = Sunday): 0, or croner's occurrence flags. */
  private readonly daysOfWeek: Uint8Array;
  private readonly anyDayOfMonth: boolean;
  private readonly anyDayOfWeek: boolean;
  private readonly bothDayFields: boolean;
  /** One-entry memo: consecutive lookups almost always ask for the same month. */
  private memoMonth = Number.NaN;
  private memoDays = 0;

  /** Copies what matching needs out of a croner pattern, keeping no reference to it. */
  constructor(source: CronPattern) {
    this.isFixedTime = source.isFixedTime;
    this.nextSecond = nextValueTable(source.second, 0);
    this.nextMinute = nextValueTable(source.minute, 0);
    this.nextHour = nextValueTable(source.hour, 0);
    this.nextMonth = nextValueTable(source.month, 1);
    this.daysOfMonth = dayBits(source.day);
    this.nearestWeekdayDays = dayBits(source.nearestWeekdays);
    this.lastDayOfMonth = source.lastDayOfMonth;
    this.lastWeekdayOfMonth = source.lastWeekday;
    this.daysOfWeek = Uint8Array.from(source.dayOfWeek.slice(0, 7));
    this.anyDayOfMonth = source.starDOM;
    this.anyDayOfWeek = source.starDOW;
    this.bothDayFields = source.useAndLogic;
  }

  /** Bit `d - 1` set for each day `d` of the month (1-12) that the day fields allow. */
  daysOf(year: number, month: number): number {
    const key = year * 16 + month;
    if (key !== this.memoMonth) {
      this.memoDays = this.computeDays(year, month);
      this.memoMonth = key;
    }
    return this.memoDays;
  }

  /**
   * Moves `wall` to the first wall-clock time at or after it that matches.
   * One field may be one past its range (second 60, day 32...): it carries.
   *
   * @returns false when no match exists before {@link END_YEAR}.
   */
  advance(wall: WallClock): boolean {
    while (wall.year < END_YEAR) {
      const month = wall.month > 12 ? -1 : this.nextMonth[wall.month];
      if (month < 0) {
        resetFrom(wall, 'month');
        wall.year += 1;
        continue;
      }
      if (month !== wall.month) resetFrom(wall, 'day');
      wall.month = month;
      const day = this.nextDay(wall.year, month, wall.day);
      if (day < 0) {
        resetFrom(wall, 'day');
        wall.month += 1;
        continue;
      }
      if (day !== wall.day) resetFrom(wall, 'hour');
      wall.day = day;
      if (this.advanceTime(wall)) return true;
    }
    return false;
  }

  /** Whether the day fields allow at least one day in a full calendar cycle. */
  firesWithinCycle(): boolean {
    for (let year = CYCLE_START_YEAR; year < CYCLE_START_YEAR + CYCLE_YEARS; year++) {
      for (let month = this.nextMonth[1]; month > 0; month = this.nextMonth[month + 1]) {
        if (this.computeDays(year, month) !== 0) return true;
      }
    }
    return false;
  }

  /** Matches hour, minute and second within the current day; on failure moves to the next day. */
  private advanceTime(wall: WallClock): boolean {
    const hour = this.nextHour[wall.hour];
    if (hour < 0) {
      resetFrom(wall, 'hour');
      wall.day += 1;
      return false;
    }
    if (hour !== wall.hour) resetFrom(wall, 'minute');
    wall.hour = hour;
    const minute = this.nextMinute[wall.minute];
    if (minute < 0) {
      resetFrom(wall, 'minute');
      wall.hour += 1;
      return this.advanceTime(wall);
    }
    if (minute !== wall.minute) wall.second = 0;
    wall.minute = minute;
    const second = this.nextSecond[wall.second];
    if (second < 0) {
      wall.second = 0;
      wall.minute += 1;
      return this.advanceTime(wall);
    }
    wall.second = second;
    return true;
  }

  /** The first allowed day `>= day` in the month, or -1. */
  private nextDay(year: number, month: number, day: number): number {
    if (day > 31) return -1;
    const remaining = this.daysOf(year, month) & (-1 << (day - 1));
    if (remaining === 0) return -1;
    return 32 - Math.clz32(remaining & -remaining);
  }

  private computeDays(year: number, month: number): number {
    const last = daysInMonth(year, month);
    const inMonth = last === 31 ? 0x7fffffff : (1 << last) - 1;
    let days = this.daysOfMonth & inMonth;
    if (this.lastDayOfMonth) days |= 1 << (last - 1);
    if (this.lastWeekdayOfMonth) days |= 1 << (lastWeekday(year, month) - 1);
    for (let bits = this.nearestWeekdayDays; bits !== 0; bits &= bits - 1) {
      const target = nearestWeekday(year, month, 32 - Math.clz32(bits & -bits));
      if (target > 0) days |= 1 << (target - 1);
    }
    if (this.anyDayOfWeek) return days;
    const weekdays = this.weekdayDays(year, month, last);
    if (this.bothDayFields || this.anyDayOfMonth) return days & weekdays;
    return days | weekdays;
  }

  /** Days of the month that the day-of-week field allows. */
  private weekdayDays(year: number, month: number, last: number): number {
    const firstWeekday = weekdayOf(year, month, 1);
    let days = 0;
    for (let day = 1; day <= last; day++) {
      const flags = this.daysOfWeek[(firstWeekday + day - 1) % 7];
      if (flags !== 0 && occurrenceAllowed(flags, day, last)) days |= 1 << (day - 1);
    }
    return days;
  }
}

const FIELD_RANK = { month: 0, day: 1, hour: 2, minute: 3 } as const;

/** Sets `field` and every field below it to its smallest value. */
function resetFrom(wall: WallClock, field: keyof typeof FIELD_RANK): void {
  const rank = FIELD_RANK[field];
  if (rank <= 0) wall.month = 1;
  if (rank <= 1) wall.day = 1;
  if (rank <= 2) wall.hour = 0;
  wall.minute = 0;
  wall.second = 0;
}
