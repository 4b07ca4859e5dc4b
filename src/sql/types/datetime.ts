/**
 * Calendar arithmetic for SQL DATE/TIME/TIMESTAMP values without allocating `Date` objects on hot
 * paths. DATE is days since 1970-01-01, TIME is ms of day, TIMESTAMP is ms since the epoch read as a
 * wall clock in UTC ("local" time), TIMESTAMP_LTZ is an instant in epoch ms. Conversions between the
 * last two go through the session time zone.
 */

export const MS_PER_DAY = 86_400_000;

/** Days since the epoch of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Year, month (1-12) and day of a day number. */
export function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** Day number of an epoch-ms timestamp (floor, so times before 1970 land on the right day). */
export function dayOf(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** ms within the day of an epoch-ms timestamp, 0..86399999. */
export function msOfDay(ms: number): number {
  const r = ms % MS_PER_DAY;
  return r < 0 ? r + MS_PER_DAY : r;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
}

/** `yyyy-MM-dd`. */
export function formatDate(days: number): string {
  const { y, m, d } = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** `HH:mm:ss` plus `precision` fraction digits (ms, zero padded beyond 3). */
export function formatTime(msOfDayValue: number, precision = 0): string {
  const h = Math.floor(msOfDayValue / 3_600_000);
  const mi = Math.floor(msOfDayValue / 60_000) % 60;
  const s = Math.floor(msOfDayValue / 1000) % 60;
  let out = `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`;
  if (precision > 0) {
    const frac = pad(msOfDayValue % 1000, 3) + '000000';
    out += '.' + frac.slice(0, precision);
  }
  return out;
}

/** `yyyy-MM-dd HH:mm:ss[.fraction]` with `precision` fraction digits, as Flink casts a TIMESTAMP(p) to STRING. */
export function formatTimestamp(ms: number, precision = 3): string {
  return `${formatDate(dayOf(ms))} ${formatTime(msOfDay(ms), precision)}`;
}

const DATE_RE = /^\s*(-?\d{1,9})-(\d{1,2})-(\d{1,2})\s*$/;
const TIME_RE = /^\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?\s*$/;
const TS_RE = /^\s*(-?\d{1,9})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*$/;

function validDate(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

function fractionMs(frac: string | undefined): number {
  if (!frac) return 0;
  return Number((frac + '00').slice(0, 3));
}

/** Parses `yyyy-MM-dd` (leading/trailing spaces allowed) into days, or `undefined`. */
export function parseDate(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return validDate(y, mo, d) ? daysFromCivil(y, mo, d) : undefined;
}

/** Parses `HH:mm[:ss[.fff]]` into ms of day (fraction beyond ms truncated), or `undefined`. */
export function parseTime(text: string): number | undefined {
  const m = TIME_RE.exec(text);
  if (!m) return undefined;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3] ?? 0);
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return h * 3_600_000 + mi * 60_000 + s * 1000 + fractionMs(m[4]);
}

/**
 * Parses `yyyy-MM-dd[( |T)HH:mm[:ss[.fraction]]]` into epoch ms of that wall clock (read as UTC),
 * or `undefined`. Digits beyond milliseconds are truncated.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = TS_RE.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (!validDate(y, mo, d)) return undefined;
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return daysFromCivil(y, mo, d) * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + fractionMs(m[7]);
}

// ---------------------------------------------------------------- time zones

const UTC_NAMES = new Set(['UTC', 'GMT', 'Z', 'Etc/UTC', 'Etc/GMT', 'UTC+00:00', '+00:00']);
const formatters = new Map<string, Intl.DateTimeFormat>();
const FIXED_RE = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/;

/** Whether `tz` is a zone weir can use: an IANA name (`Europe/Berlin`), `UTC`, or a fixed offset (`+08:00`, `GMT-3`). */
export function isValidTimeZone(tz: string): boolean {
  if (UTC_NAMES.has(tz) || FIXED_RE.test(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Offset of `tz` from UTC in ms at the instant `epochMs` (positive east of Greenwich). */
export function zoneOffsetMs(tz: string, epochMs: number): number {
  if (UTC_NAMES.has(tz)) return 0;
  const fixed = FIXED_RE.exec(tz);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 3_600_000 + Number(fixed[3] ?? 0) * 60_000);
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
    });
    formatters.set(tz, f);
  }
  const whole = Math.floor(epochMs / 1000) * 1000;
  const parts = f.formatToParts(new Date(whole));
  let y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0, bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
      case 'era': bc = p.value === 'BC' || p.value === 'B'; break;
      default: break;
    }
  }
  if (bc) y = 1 - y;
  const local = daysFromCivil(y, mo, d) * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000;
  return local - whole;
}

/** The wall clock (TIMESTAMP value) in `tz` of an instant (TIMESTAMP_LTZ value). */
export function instantToLocal(epochMs: number, tz: string): number {
  return epochMs + zoneOffsetMs(tz, epochMs);
}

/**
 * The instant of a wall clock in `tz`. In a DST gap the clock is moved forward; in an overlap the
 * earlier instant wins, as `java.time.LocalDateTime.atZone` does.
 */
export function localToInstant(localMs: number, tz: string): number {
  const o1 = zoneOffsetMs(tz, localMs);
  const guess = localMs - o1;
  const o2 = zoneOffsetMs(tz, guess);
  if (o1 === o2) {
    const earlier = localMs - zoneOffsetMs(tz, guess - 3_600_000);
    if (earlier !== guess && instantToLocal(earlier, tz) === localMs) return Math.min(earlier, guess);
    return guess;
  }
  const alt = localMs - o2;
  if (instantToLocal(alt, tz) === localMs) return alt;
  // Gap: shift by the gap length like java.time.
  return localMs - Math.min(o1, o2);
}
