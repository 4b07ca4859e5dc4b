import { civilFromDays, dayOf, daysFromCivil, daysInMonth, instantToLocal, localToInstant, MS_PER_DAY, msOfDay } from './datetime.js';
import type { SqlType } from './sql-type.js';

/** Adds calendar months to a wall-clock timestamp, clamping the day (Jan 31 + 1 month = Feb 28/29). */
export function addMonthsLocal(localMs: number, months: number): number {
  const day = dayOf(localMs);
  const tod = msOfDay(localMs);
  return addMonthsDays(day, months) * MS_PER_DAY + tod;
}

/** Adds calendar months to a DATE (days), clamping the day of month. */
export function addMonthsDays(days: number, months: number): number {
  const { y, m, d } = civilFromDays(days);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return daysFromCivil(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

/** The wall clock of a DATE/TIMESTAMP/TIMESTAMP_LTZ value (ms), for field extraction. */
export function toLocalMs(v: number, type: SqlType, timeZone: string): number {
  switch (type.kind) {
    case 'DATE': return v * MS_PER_DAY;
    case 'TIMESTAMP_LTZ': return instantToLocal(v, timeZone);
    default: return v;
  }
}

/** ISO-8601 week number and week-based year of a day. */
function isoWeek(days: number): { week: number; year: number } {
  const dow = ((((days + 3) % 7) + 7) % 7) + 1; // Monday = 1
  const thursday = days - dow + 4;
  const { y } = civilFromDays(thursday);
  const jan1 = daysFromCivil(y, 1, 1);
  return { week: Math.floor((thursday - jan1) / 7) + 1, year: y };
}

/** Units EXTRACT accepts. */
export const EXTRACT_UNITS = new Set([
  'MILLENNIUM', 'CENTURY', 'DECADE', 'YEAR', 'ISOYEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'DOY', 'DOW', 'ISODOW',
  'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND', 'NANOSECOND', 'EPOCH',
]);

/**
 * A field of a wall-clock time in ms (from `toLocalMs`), as Flink's EXTRACT computes it.
 * DOW is Sunday=1..Saturday=7, ISODOW Monday=1..Sunday=7, WEEK the ISO week, SECOND without fraction.
 */
export function extractLocal(unit: string, localMs: number): number {
  const days = dayOf(localMs);
  const tod = msOfDay(localMs);
  switch (unit) {
    case 'HOUR': return Math.floor(tod / 3_600_000);
    case 'MINUTE': return Math.floor(tod / 60_000) % 60;
    case 'SECOND': return Math.floor(tod / 1000) % 60;
    case 'MILLISECOND': return (Math.floor(tod / 1000) % 60) * 1000 + (tod % 1000);
    case 'MICROSECOND': return ((Math.floor(tod / 1000) % 60) * 1000 + (tod % 1000)) * 1000;
    case 'NANOSECOND': return ((Math.floor(tod / 1000) % 60) * 1000 + (tod % 1000)) * 1_000_000;
    case 'EPOCH': return Math.floor(localMs / 1000);
    case 'DOW': return ((((days + 4) % 7) + 7) % 7) + 1;
    case 'ISODOW': return ((((days + 3) % 7) + 7) % 7) + 1;
    case 'WEEK': return isoWeek(days).week;
    case 'ISOYEAR': return isoWeek(days).year;
    default: break;
  }
  const { y, m } = civilFromDays(days);
  switch (unit) {
    case 'YEAR': return y;
    case 'MONTH': return m;
    case 'QUARTER': return Math.floor((m - 1) / 3) + 1;
    case 'DAY': return civilFromDays(days).d;
    case 'DOY': return days - daysFromCivil(y, 1, 1) + 1;
    case 'DECADE': return Math.floor(y / 10);
    case 'CENTURY': return y > 0 ? Math.floor((y + 99) / 100) : -Math.floor((-y + 99) / 100);
    case 'MILLENNIUM': return y > 0 ? Math.floor((y + 999) / 1000) : -Math.floor((-y + 999) / 1000);
    default: throw new RangeError(`unknown time unit ${unit}`);
  }
}

/** Truncates a wall-clock time to a unit (FLOOR(ts TO unit)); WEEK starts on Sunday as in Calcite. */
export function floorLocal(unit: string, localMs: number): number {
  const days = dayOf(localMs);
  switch (unit) {
    case 'MILLISECOND': return localMs;
    case 'SECOND': return Math.floor(localMs / 1000) * 1000;
    case 'MINUTE': return Math.floor(localMs / 60_000) * 60_000;
    case 'HOUR': return Math.floor(localMs / 3_600_000) * 3_600_000;
    case 'DAY': return days * MS_PER_DAY;
    case 'WEEK': return (days - (((days + 4) % 7) + 7) % 7) * MS_PER_DAY;
    default: break;
  }
  const { y, m } = civilFromDays(days);
  switch (unit) {
    case 'MONTH': return daysFromCivil(y, m, 1) * MS_PER_DAY;
    case 'QUARTER': return daysFromCivil(y, Math.floor((m - 1) / 3) * 3 + 1, 1) * MS_PER_DAY;
    case 'YEAR': return daysFromCivil(y, 1, 1) * MS_PER_DAY;
    case 'DECADE': return daysFromCivil(Math.floor(y / 10) * 10, 1, 1) * MS_PER_DAY;
    case 'CENTURY': return daysFromCivil(Math.floor((y - 1) / 100) * 100 + 1, 1, 1) * MS_PER_DAY;
    case 'MILLENNIUM': return daysFromCivil(Math.floor((y - 1) / 1000) * 1000 + 1, 1, 1) * MS_PER_DAY;
    default: throw new RangeError(`unknown time unit ${unit}`);
  }
}

/** Rounds a wall-clock time up to a unit (CEIL(ts TO unit)); unchanged when already on a boundary. */
export function ceilLocal(unit: string, localMs: number): number {
  const f = floorLocal(unit, localMs);
  if (f === localMs) return f;
  switch (unit) {
    case 'SECOND': return f + 1000;
    case 'MINUTE': return f + 60_000;
    case 'HOUR': return f + 3_600_000;
    case 'DAY': return f + MS_PER_DAY;
    case 'WEEK': return f + 7 * MS_PER_DAY;
    case 'MONTH': return addMonthsLocal(f, 1);
    case 'QUARTER': return addMonthsLocal(f, 3);
    case 'YEAR': return addMonthsLocal(f, 12);
    case 'DECADE': return addMonthsLocal(f, 120);
    case 'CENTURY': return addMonthsLocal(f, 1200);
    case 'MILLENNIUM': return addMonthsLocal(f, 12000);
    default: return f;
  }
}

/** Converts a wall clock back to the representation of `type` (days for DATE, instant for LTZ). */
export function fromLocalMs(localMs: number, type: SqlType, timeZone: string): number {
  switch (type.kind) {
    case 'DATE': return dayOf(localMs);
    case 'TIMESTAMP_LTZ': return localToInstant(localMs, timeZone);
    default: return localMs;
  }
}
