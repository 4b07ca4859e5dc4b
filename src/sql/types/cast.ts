import { SqlRuntimeError } from './errors.js';
import { Decimal } from './decimal.js';
import { dayOf, instantToLocal, localToInstant, MS_PER_DAY, msOfDay, parseDate, parseTime, parseTimestamp } from './datetime.js';
import {
  type SqlType, isBinary, isCharacter, isIntegerKind, isNumeric, isTimestamp, MAX_LENGTH, typeToString,
} from './sql-type.js';
import { formatValue, parseJavaDouble } from './values.js';

/** Session settings a conversion may need. */
export interface CastContext {
  /** Session time zone (`table.local-time-zone`) for TIMESTAMP <-> TIMESTAMP_LTZ and DATE -> TIMESTAMP_LTZ. */
  timeZone: string;
}

/** A conversion of one non-null value; it throws `SqlRuntimeError` when the value cannot be converted. */
export type CastFn = (v: unknown) => unknown;

const TRUE_STRINGS = new Set(['t', 'true', 'y', 'yes', '1']);
const FALSE_STRINGS = new Set(['f', 'false', 'n', 'no', '0']);

function castError(v: unknown, from: SqlType, to: SqlType): never {
  const shown = typeof v === 'string' ? `'${v}'` : formatValue(v, from);
  throw new SqlRuntimeError(`Cannot cast ${shown} of type ${typeToString(from)} to ${typeToString(to)}`,
    'use TRY_CAST to get NULL instead of an error');
}

/** Java's narrowing of an integral value to 8, 16 or 32 bits (`(byte)`, `(short)`, `(int)`). */
export function wrapInteger(n: number, kind: SqlType['kind']): number {
  switch (kind) {
    case 'TINYINT': return (n << 24) >> 24;
    case 'SMALLINT': return (n << 16) >> 16;
    case 'INT': return n | 0;
    default: return n;
  }
}

/** Java's `(long) d` / `(int) d`: truncate toward zero, NaN to 0, saturate at the type's range, then narrow. */
function doubleToIntegral(d: number, kind: SqlType['kind']): number {
  if (Number.isNaN(d)) return 0;
  const t = Math.trunc(d);
  if (kind === 'BIGINT') return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, t));
  const i = Math.max(-2147483648, Math.min(2147483647, t));
  return wrapInteger(i, kind);
}

/** Parses integer text as Flink's `BinaryStringDataUtil.toLong`: trims, allows a sign, drops a fraction. */
function parseIntegral(s: string): number | undefined {
  const m = /^\s*([+-]?\d+)(?:\.\d*)?\s*$/.exec(s);
  if (!m) return undefined;
  return Number(m[1]);
}

const INT_LIMITS: Record<string, [number, number]> = {
  TINYINT: [-128, 127], SMALLINT: [-32768, 32767], INT: [-2147483648, 2147483647],
  BIGINT: [-(2 ** 63), 2 ** 63],
};

/** Whether a conversion to DECIMAL can overflow its precision (and so yield NULL). */
export function castMayOverflow(from: SqlType, to: SqlType): boolean {
  if (to.kind !== 'DECIMAL') return false;
  const intDigits = (to.precision ?? 10) - (to.scale ?? 0);
  if (isIntegerKind(from.kind)) return ({ TINYINT: 3, SMALLINT: 5, INT: 10, BIGINT: 19 } as Record<string, number>)[from.kind]! > intDigits;
  if (from.kind === 'DECIMAL') return (from.precision ?? 10) - (from.scale ?? 0) > intDigits;
  return true;
}

/** Why `from` cannot be cast to `to`, or `undefined` when the cast is supported. */
export function castProblem(from: SqlType, to: SqlType): string | undefined {
  if (from.kind === 'NULL' || from.kind === to.kind) {
    if (from.kind === 'ROW' && to.kind === 'ROW' && from.fields!.length !== to.fields!.length) return 'the rows have different numbers of fields';
    return undefined;
  }
  if (isCharacter(to)) return undefined;
  if (isCharacter(from)) return isNumeric(to) || to.kind === 'BOOLEAN' || to.kind === 'DATE' || to.kind === 'TIME' || isTimestamp(to) || isBinary(to) ? undefined : 'unsupported';
  if (isNumeric(from) && (isNumeric(to) || to.kind === 'BOOLEAN')) return undefined;
  if (from.kind === 'BOOLEAN' && isNumeric(to)) return undefined;
  if (isNumeric(from) && to.kind === 'TIMESTAMP_LTZ') return undefined;
  if (isTimestamp(from) && isTimestamp(to)) return undefined;
  if (isTimestamp(from) && (to.kind === 'DATE' || to.kind === 'TIME')) return undefined;
  if (from.kind === 'DATE' && isTimestamp(to)) return undefined;
  if (isTimestamp(from) && (to.kind === 'BIGINT' || to.kind === 'INT')) return undefined;
  if (isBinary(from) && isBinary(to)) return undefined;
  if ((from.kind === 'INTERVAL_DT' || from.kind === 'INTERVAL_YM') && isIntegerKind(to.kind)) return undefined;
  if (isIntegerKind(from.kind) && (to.kind === 'INTERVAL_DT' || to.kind === 'INTERVAL_YM')) return undefined;
  if ((from.kind === 'ARRAY' && to.kind === 'ARRAY') || (from.kind === 'MAP' && to.kind === 'MAP')) return undefined;
  return 'unsupported';
}

function truncatePrecision(ms: number, precision: number | undefined): number {
  if (precision === undefined || precision >= 3) return ms;
  const unit = 10 ** (3 - precision);
  return Math.floor(ms / unit) * unit;
}

/**
 * A conversion from `from` to `to` for non-null values, following Flink's CAST: strings are trimmed
 * and parsed, numbers narrow as Java does, DECIMAL rounds HALF_UP and becomes NULL when it overflows
 * its precision, VARCHAR(n)/CHAR(n) truncate (CHAR pads), TIMESTAMP <-> TIMESTAMP_LTZ use the session zone.
 * Check `castProblem` first: an unsupported pair throws here.
 */
export function castFn(from: SqlType, to: SqlType, ctx: CastContext): CastFn {
  const k = to.kind;
  const fk = from.kind;
  if (fk === 'NULL') return () => null;
  switch (k) {
    case 'CHAR': case 'VARCHAR': {
      const len = to.precision ?? 1;
      const pad = k === 'CHAR';
      const zone = { timeZone: ctx.timeZone };
      const fmt = isCharacter(from) ? (v: unknown) => v as string : (v: unknown) => formatValue(v, from, zone);
      if (len === MAX_LENGTH) return fmt;
      return (v) => {
        let s = fmt(v);
        if (s.length > len) s = s.slice(0, len);
        else if (pad && s.length < len) s = s.padEnd(len, ' ');
        return s;
      };
    }
    case 'BOOLEAN':
      if (fk === 'BOOLEAN') return (v) => v;
      if (isCharacter(from)) {
        return (v) => {
          const s = (v as string).trim().toLowerCase();
          if (TRUE_STRINGS.has(s)) return true;
          if (FALSE_STRINGS.has(s)) return false;
          return castError(v, from, to);
        };
      }
      if (fk === 'DECIMAL') return (v) => (v as Decimal).signum() !== 0;
      if (isNumeric(from)) return (v) => v !== 0;
      break;
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': {
      if (isIntegerKind(fk)) return (v) => wrapInteger(v as number, k);
      if (fk === 'FLOAT' || fk === 'DOUBLE') return (v) => doubleToIntegral(v as number, k);
      if (fk === 'DECIMAL') return (v) => wrapInteger(Number(BigInt.asIntN(64, (v as Decimal).toBigInt())), k);
      if (fk === 'BOOLEAN') return (v) => (v ? 1 : 0);
      if (isCharacter(from)) {
        const [lo, hi] = INT_LIMITS[k]!;
        return (v) => {
          const n = parseIntegral(v as string);
          if (n === undefined || n < lo || n > hi) return castError(v, from, to);
          return n;
        };
      }
      if (isTimestamp(from)) {
        // Flink casts TIMESTAMP_LTZ to BIGINT as epoch seconds.
        return fk === 'TIMESTAMP_LTZ' ? (v) => Math.floor((v as number) / 1000)
          : (v) => Math.floor(localToInstant(v as number, ctx.timeZone) / 1000);
      }
      if (fk === 'INTERVAL_DT' || fk === 'INTERVAL_YM') return (v) => v;
      break;
    }
    case 'FLOAT': case 'DOUBLE': {
      const round = k === 'FLOAT' ? Math.fround : (x: number) => x;
      if (fk === 'DECIMAL') return (v) => round((v as Decimal).toNumber());
      if (isNumeric(from)) return (v) => round(v as number);
      if (fk === 'BOOLEAN') return (v) => (v ? 1 : 0);
      if (isCharacter(from)) {
        return (v) => {
          const n = parseJavaDouble(v as string);
          if (Number.isNaN(n) && !/^\s*[+-]?NaN\s*$/.test(v as string)) return castError(v, from, to);
          return round(n);
        };
      }
      break;
    }
    case 'DECIMAL': {
      const p = to.precision ?? 10;
      const s = to.scale ?? 0;
      const fit = (d: Decimal): Decimal | null => {
        const r = d.setScale(s);
        return r.fits(p, s) ? r : null;
      };
      if (fk === 'DECIMAL') return (v) => fit(v as Decimal);
      if (isIntegerKind(fk)) return (v) => fit(Decimal.fromInteger(v as number));
      if (fk === 'FLOAT' || fk === 'DOUBLE') return (v) => (Number.isFinite(v as number) ? fit(Decimal.fromNumber(v as number)) : null);
      if (fk === 'BOOLEAN') return (v) => fit(Decimal.fromInteger(v ? 1 : 0));
      if (isCharacter(from)) {
        return (v) => {
          const d = Decimal.tryParse(v as string);
          return d ? fit(d) : castError(v, from, to);
        };
      }
      break;
    }
    case 'DATE':
      if (isCharacter(from)) {
        return (v) => {
          const str = v as string;
          const d = parseDate(str) ?? (() => {
            const ts = parseTimestamp(str);
            return ts === undefined ? undefined : dayOf(ts);
          })();
          return d ?? castError(v, from, to);
        };
      }
      if (fk === 'TIMESTAMP') return (v) => dayOf(v as number);
      if (fk === 'TIMESTAMP_LTZ') return (v) => dayOf(instantToLocal(v as number, ctx.timeZone));
      break;
    case 'TIME': {
      const p = to.precision;
      if (fk === 'TIME') return (v) => truncatePrecision(v as number, p);
      if (isCharacter(from)) return (v) => { const t = parseTime(v as string); return t === undefined ? castError(v, from, to) : truncatePrecision(t, p); };
      if (fk === 'TIMESTAMP') return (v) => truncatePrecision(msOfDay(v as number), p);
      if (fk === 'TIMESTAMP_LTZ') return (v) => truncatePrecision(msOfDay(instantToLocal(v as number, ctx.timeZone)), p);
      break;
    }
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ': {
      const p = to.precision;
      const ltz = k === 'TIMESTAMP_LTZ';
      const tz = ctx.timeZone;
      if (fk === k) return (v) => truncatePrecision(v as number, p);
      if (isTimestamp(from)) {
        return ltz ? (v) => truncatePrecision(localToInstant(v as number, tz), p)
          : (v) => truncatePrecision(instantToLocal(v as number, tz), p);
      }
      if (fk === 'DATE') return ltz ? (v) => localToInstant((v as number) * MS_PER_DAY, tz) : (v) => (v as number) * MS_PER_DAY;
      if (isCharacter(from)) {
        return (v) => {
          const t = parseTimestamp(v as string);
          if (t === undefined) return castError(v, from, to);
          return truncatePrecision(ltz ? localToInstant(t, tz) : t, p);
        };
      }
      if (ltz && isNumeric(from)) {
        return fk === 'DECIMAL' ? (v) => truncatePrecision(Math.floor((v as Decimal).toNumber() * 1000), p)
          : (v) => truncatePrecision(Math.floor((v as number) * 1000), p);
      }
      break;
    }
    case 'BINARY': case 'VARBINARY': {
      const len = to.precision ?? MAX_LENGTH;
      const enc = new TextEncoder();
      const cut = (b: Uint8Array): Uint8Array => (b.length > len ? b.subarray(0, len) : b);
      if (isCharacter(from)) return (v) => cut(enc.encode(v as string));
      if (isBinary(from)) return (v) => cut(v as Uint8Array);
      break;
    }
    case 'INTERVAL_DT': case 'INTERVAL_YM':
      return (v) => v;
    case 'ARRAY': case 'MULTISET': {
      if (fk !== k) break;
      const ef = castFn(from.element!, to.element!, ctx);
      return (v) => (v as unknown[]).map((e) => (e === null ? null : ef(e)));
    }
    case 'MAP': {
      if (fk !== 'MAP') break;
      const kf = castFn(from.key!, to.key!, ctx);
      const vf = castFn(from.value!, to.value!, ctx);
      return (v) => {
        const out = new Map<unknown, unknown>();
        for (const [a, b] of v as Map<unknown, unknown>) out.set(a === null ? null : kf(a), b === null ? null : vf(b));
        return out;
      };
    }
    case 'ROW': {
      if (fk !== 'ROW') break;
      const fs = to.fields!.map((f, i) => castFn(from.fields![i]!.type, f.type, ctx));
      return (v) => (v as unknown[]).map((e, i) => (e === null ? null : fs[i]!(e)));
    }
    case 'NULL':
      return () => null;
  }
  throw new SqlRuntimeError(`Cast function cannot convert value of type ${typeToString(from)} to type ${typeToString(to)}`);
}
