import { SqlTypeError } from '../types/errors.js';
import { Decimal } from '../types/decimal.js';
import { type SqlType, T, isCharacter, isTimestamp, withoutTimeAttribute } from '../types/sql-type.js';
import { dayOf, instantToLocal, localToInstant, MS_PER_DAY, parseTimestamp, isValidTimeZone } from '../types/datetime.js';
import { formatterFor, parserFor } from '../types/date-format.js';
import { addMonthsLocal, extractLocal, fromLocalMs, toLocalMs } from '../types/temporal.js';
import type { ArgInfo, EvalContext, ScalarFunction } from './define.js';
import { badArgs } from './define.js';
import { builtin, constArg } from './helpers.js';

const DEFAULT_FORMAT = 'yyyy-MM-dd HH:mm:ss';

/** Reads a DATE/TIMESTAMP/TIMESTAMP_LTZ argument (or a timestamp string) as a wall clock in ms. */
function localReader(t: SqlType, ctx: EvalContext): (v: unknown) => number | null {
  if (isCharacter(t)) return (v) => parseTimestamp(v as string) ?? null;
  return (v) => toLocalMs(v as number, t, ctx.timeZone);
}

/**
 * A string argument of DATE_FORMAT as Flink reads it: a lenient `yyyy-MM-dd HH:mm:ss` parse of the
 * string's beginning (Java's SimpleDateFormat), so a date without a time is NULL and fractional
 * seconds are ignored.
 */
function parseDateFormatInput(s: string): number | null {
  const m = /^\s*(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)/.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, sec, 0);
  return date.getTime();
}

function patternCheck(args: ArgInfo[], i: number, fn: string): void {
  const p = constArg(args, i);
  if (typeof p === 'string') {
    try {
      formatterFor(p);
    } catch (e) {
      throw new SqlTypeError(`${fn}: ${(e as Error).message}`);
    }
  }
}

const fieldFn = (name: string, unit: string): ScalarFunction => builtin({
  name, args: ['date'], form: `${name}(<DATE> | <TIMESTAMP>)`, returns: T.bigint(false),
  impl: (args, _r, ctx) => {
    const t = args[0]!.type;
    return (v: number) => extractLocal(unit, toLocalMs(v, t, ctx.timeZone));
  },
});

const UNIT_MS: Record<string, number> = {
  MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: MS_PER_DAY, WEEK: 7 * MS_PER_DAY,
  FRAC_SECOND: 1, MICROSECOND: 0.001, NANOSECOND: 0.000001,
};
const UNIT_MONTHS: Record<string, number> = { MONTH: 1, QUARTER: 3, YEAR: 12 };
const normUnit = (u: string): string => u.replace(/^SQL_TSI_/, '').replace(/S$/, '');

function checkUnit(args: ArgInfo[], fn: string): string {
  const u = constArg(args, 0);
  const unit = typeof u === 'string' ? normUnit(u) : '';
  if (UNIT_MS[unit] === undefined && UNIT_MONTHS[unit] === undefined) {
    throw new SqlTypeError(`'${String(u)}' is not a valid time unit for ${fn}; use SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER or YEAR`);
  }
  return unit;
}

/** Whole months from wall clock `a` to `b`, as Calcite counts them (a partial month does not count). */
function monthsBetween(a: number, b: number): number {
  const da = new Date(a);
  const db = new Date(b);
  let m = (db.getUTCFullYear() - da.getUTCFullYear()) * 12 + (db.getUTCMonth() - da.getUTCMonth());
  if (m > 0 && addMonthsLocal(a, m) > b) m--;
  else if (m < 0 && addMonthsLocal(a, m) < b) m++;
  return m;
}

/** Built-in temporal functions (Flink "Temporal Functions"). */
export const DATETIME_FUNCTIONS: ScalarFunction[] = [
  builtin({ name: 'NOW', args: [], form: 'NOW()', returns: T.timestampLtz(3, false), deterministic: false, impl: (_a, _r, ctx) => () => ctx.now() }),
  builtin({ name: 'CURRENT_ROW_TIMESTAMP', args: [], form: 'CURRENT_ROW_TIMESTAMP()', returns: T.timestampLtz(3, false), deterministic: false, impl: (_a, _r, ctx) => () => ctx.now() }),
  builtin({
    name: 'PROCTIME', args: [], form: 'PROCTIME()', returns: { ...T.timestampLtz(3, false), timeAttribute: 'PROCTIME' }, deterministic: false,
    impl: (_a, _r, ctx) => () => ctx.now(),
  }),
  builtin({
    name: 'DATE_FORMAT', args: ['any', 'string'], form: "DATE_FORMAT(<TIMESTAMP> | <STRING>, <STRING>)", returns: T.string(true),
    impl: (args, _r, ctx) => {
      const t = args[0]!.type;
      if (!isTimestamp(t) && !isCharacter(t) && t.kind !== 'DATE' && t.kind !== 'NULL') throw badArgs('DATE_FORMAT', args, 'DATE_FORMAT(<TIMESTAMP>, <STRING>)');
      patternCheck(args, 1, 'DATE_FORMAT');
      const read = isCharacter(t) ? (v: unknown) => parseDateFormatInput(v as string) : localReader(t, ctx);
      return (v: unknown, p: string) => {
        const ms = read(v);
        return ms === null ? null : formatterFor(p)(ms);
      };
    },
  }),
  builtin({
    name: 'TO_TIMESTAMP', args: ['string'], arity: [1, 2], form: 'TO_TIMESTAMP(<STRING>[, <STRING>])', returns: T.timestamp(3, true),
    impl: (args) => {
      patternCheck(args, 1, 'TO_TIMESTAMP');
      return (s: string, p?: string) => (p === undefined ? parseTimestamp(s) : parserFor(p)(s)) ?? null;
    },
  }),
  builtin({
    name: 'TO_DATE', args: ['string'], arity: [1, 2], form: 'TO_DATE(<STRING>[, <STRING>])', returns: T.date(true),
    impl: (args) => {
      patternCheck(args, 1, 'TO_DATE');
      return (s: string, p?: string) => {
        const ms = parserFor(p ?? 'yyyy-MM-dd')(s);
        return ms === undefined ? null : dayOf(ms);
      };
    },
  }),
  builtin({
    name: 'TO_TIMESTAMP_LTZ', args: ['any', 'any'], arity: [1, 3], form: 'TO_TIMESTAMP_LTZ(<NUMERIC>[, <INTEGER>]) | TO_TIMESTAMP_LTZ(<STRING>[, <STRING>[, <STRING>]])',
    returns: (args) => (isCharacter(args[0]!.type) ? T.timestampLtz(3, true) : T.timestampLtz(3, false)),
    impl: (args, _r, ctx) => {
      const t = args[0]!.type;
      if (isCharacter(t)) {
        return (s: string, p?: string, tz?: string) => {
          const local = p === undefined ? parseTimestamp(s) : parserFor(p)(s);
          if (local === undefined) return null;
          return localToInstant(local, tz ?? ctx.timeZone);
        };
      }
      if (t.kind === 'NULL' || (t.kind !== 'DECIMAL' && t.kind !== 'DOUBLE' && t.kind !== 'FLOAT' && !['TINYINT', 'SMALLINT', 'INT', 'BIGINT'].includes(t.kind))) {
        throw badArgs('TO_TIMESTAMP_LTZ', args, 'TO_TIMESTAMP_LTZ(<NUMERIC>, <INTEGER>)');
      }
      const p = args.length > 1 ? constArg(args, 1) : 3;
      if (p !== 0 && p !== 3) {
        throw new SqlTypeError(`The precision of TO_TIMESTAMP_LTZ must be 0 (seconds) or 3 (milliseconds), got ${String(p)}`);
      }
      const factor = p === 0 ? 1000 : 1;
      if (t.kind === 'DECIMAL') return (v: Decimal) => Math.floor(v.toNumber() * factor);
      return (v: number) => Math.floor(v * factor);
    },
  }),
  builtin({
    name: 'UNIX_TIMESTAMP', args: ['string'], arity: [0, 2], form: 'UNIX_TIMESTAMP([<STRING>[, <STRING>]])', returns: (a) => T.bigint(a.length > 0), deterministic: false,
    impl: (args, _r, ctx) => {
      if (args.length === 0) return () => Math.floor(ctx.now() / 1000);
      return (s: string, p = DEFAULT_FORMAT) => {
        // Flink parses with SimpleDateFormat, which reads the default format from the string's start
        const local = p === DEFAULT_FORMAT ? (parseDateFormatInput(s) ?? undefined) : parserFor(p)(s);
        return local === undefined ? null : Math.floor(localToInstant(local, ctx.timeZone) / 1000);
      };
    },
  }),
  builtin({
    name: 'FROM_UNIXTIME', args: ['integer', 'string'], arity: [1, 2], form: 'FROM_UNIXTIME(<INTEGER>[, <STRING>])', returns: T.string(false),
    impl: (args, _r, ctx) => {
      patternCheck(args, 1, 'FROM_UNIXTIME');
      return (sec: number, p = DEFAULT_FORMAT) => formatterFor(p)(instantToLocal(sec * 1000, ctx.timeZone));
    },
  }),
  {
    name: 'TIMESTAMPADD', minArgs: 3, maxArgs: 3, signature: 'TIMESTAMPADD(<unit>, <INTEGER>, <DATETIME>)',
    inferType(args) {
      checkUnit(args, 'TIMESTAMPADD');
      const t = args[2]!.type;
      if (!['INT', 'BIGINT', 'SMALLINT', 'TINYINT', 'NULL'].includes(args[1]!.type.kind) || !(isTimestamp(t) || t.kind === 'DATE' || t.kind === 'NULL')) {
        throw badArgs('TIMESTAMPADD', args.slice(1), 'TIMESTAMPADD(<unit>, <INTEGER>, <DATETIME>)');
      }
      const base = withoutTimeAttribute(t);
      return { ...base, nullable: args[1]!.type.nullable || t.nullable };
    },
    create(args, result, ctx) {
      const unit = checkUnit(args, 'TIMESTAMPADD');
      const t = args[2]!.type;
      const months = UNIT_MONTHS[unit];
      const ms = UNIT_MS[unit];
      const tz = ctx.timeZone;
      if (t.kind === 'DATE' && months === undefined && ms! < MS_PER_DAY) {
        // Adding hours to a DATE gives a TIMESTAMP in Calcite; weir keeps DATE and adds whole days only.
        return (_u: string, n: number, d: number) => d + Math.trunc((n * ms!) / MS_PER_DAY);
      }
      return (_u: string, n: number, v: number) => {
        const local = toLocalMs(v, t, tz);
        const moved = months !== undefined ? addMonthsLocal(local, n * months) : local + n * ms!;
        return fromLocalMs(moved, result, tz);
      };
    },
  },
  {
    name: 'TIMESTAMPDIFF', minArgs: 3, maxArgs: 3, signature: 'TIMESTAMPDIFF(<unit>, <DATETIME>, <DATETIME>)',
    inferType(args) {
      checkUnit(args, 'TIMESTAMPDIFF');
      const [a, b] = [args[1]!.type, args[2]!.type];
      const ok = (t: SqlType): boolean => isTimestamp(t) || t.kind === 'DATE' || t.kind === 'NULL';
      if (!ok(a) || !ok(b)) throw badArgs('TIMESTAMPDIFF', args.slice(1), 'TIMESTAMPDIFF(<unit>, <DATETIME>, <DATETIME>)');
      return T.int(a.nullable || b.nullable);
    },
    create(args, _r, ctx) {
      const unit = checkUnit(args, 'TIMESTAMPDIFF');
      const [ta, tb] = [args[1]!.type, args[2]!.type];
      const months = UNIT_MONTHS[unit];
      const ms = UNIT_MS[unit]!;
      const tz = ctx.timeZone;
      // Both sides as instants when either is LTZ, else as wall clocks.
      const ltz = ta.kind === 'TIMESTAMP_LTZ' || tb.kind === 'TIMESTAMP_LTZ';
      const read = (t: SqlType) => (v: number): number => (ltz ? (t.kind === 'TIMESTAMP_LTZ' ? v : localToInstant(toLocalMs(v, t, tz), tz)) : toLocalMs(v, t, tz));
      const ra = read(ta);
      const rb = read(tb);
      return (_u: string, a: number, b: number) => {
        const x = ra(a);
        const y = rb(b);
        if (months !== undefined) {
          const lx = ltz ? instantToLocal(x, tz) : x;
          const ly = ltz ? instantToLocal(y, tz) : y;
          return Math.trunc(monthsBetween(lx, ly) / months);
        }
        return Math.trunc((y - x) / ms);
      };
    },
  },
  fieldFn('YEAR', 'YEAR'), fieldFn('QUARTER', 'QUARTER'), fieldFn('MONTH', 'MONTH'), fieldFn('WEEK', 'WEEK'),
  fieldFn('DAYOFYEAR', 'DOY'), fieldFn('DAYOFMONTH', 'DAY'), fieldFn('DAYOFWEEK', 'DOW'),
  builtin({
    name: 'HOUR', args: ['timestamp'], form: 'HOUR(<TIMESTAMP>)', returns: T.bigint(false),
    impl: (a, _r, ctx) => (v: number) => extractLocal('HOUR', toLocalMs(v, a[0]!.type, ctx.timeZone)),
  }),
  builtin({
    name: 'MINUTE', args: ['timestamp'], form: 'MINUTE(<TIMESTAMP>)', returns: T.bigint(false),
    impl: (a, _r, ctx) => (v: number) => extractLocal('MINUTE', toLocalMs(v, a[0]!.type, ctx.timeZone)),
  }),
  builtin({
    name: 'SECOND', args: ['timestamp'], form: 'SECOND(<TIMESTAMP>)', returns: T.bigint(false),
    impl: (a, _r, ctx) => (v: number) => extractLocal('SECOND', toLocalMs(v, a[0]!.type, ctx.timeZone)),
  }),
  builtin({
    name: 'CONVERT_TZ', args: ['string'], arity: [3, 3], form: 'CONVERT_TZ(<STRING>, <STRING>, <STRING>)', returns: T.string(true),
    impl: (args) => {
      for (const i of [1, 2]) {
        const z = constArg(args, i);
        if (typeof z === 'string' && !isValidTimeZone(z)) throw new SqlTypeError(`CONVERT_TZ: unknown time zone '${z}'`);
      }
      const fmt = formatterFor(DEFAULT_FORMAT);
      return (s: string, from: string, to: string) => {
        const local = parseTimestamp(s);
        if (local === undefined) return null;
        return fmt(instantToLocal(localToInstant(local, from), to));
      };
    },
  }),
];
