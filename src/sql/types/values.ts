/**
 * How SQL values live in JavaScript. A row is a positional array `unknown[]`; SQL NULL is `null`.
 *
 * | SQL type                         | JS value                                                        |
 * |----------------------------------|-----------------------------------------------------------------|
 * | BOOLEAN                          | `boolean`                                                       |
 * | TINYINT, SMALLINT, INT           | `number`; `+ - *` wrap at 8/16/32 bits as Java does             |
 * | BIGINT                           | `number`, exact only to ±2^53 (a deliberate difference from Flink's 64-bit long; arithmetic does not wrap) |
 * | FLOAT, DOUBLE                    | `number`; FLOAT results are rounded with `Math.fround`          |
 * | DECIMAL(p, s)                    | `Decimal` (scaled bigint), HALF_UP rounding like BigDecimal     |
 * | CHAR, VARCHAR, STRING            | `string`                                                        |
 * | BINARY, VARBINARY, BYTES         | `Uint8Array`                                                    |
 * | DATE                             | days since 1970-01-01 (`number`)                                |
 * | TIME(p)                          | ms of the day (`number`)                                        |
 * | TIMESTAMP(p)                     | epoch ms of the wall clock read as UTC (`number`)               |
 * | TIMESTAMP_LTZ(p)                 | epoch ms of the instant (`number`)                              |
 * | INTERVAL DAY TO SECOND           | ms (`number`)                                                   |
 * | INTERVAL YEAR TO MONTH           | months (`number`)                                               |
 * | ARRAY, MULTISET                  | `unknown[]` (a MULTISET keeps duplicates)                        |
 * | MAP                              | `Map<unknown, unknown>`                                         |
 * | ROW                              | `unknown[]`, positional                                         |
 *
 * TIME and TIMESTAMP precision above 3 is accepted in types but values keep milliseconds only:
 * digits beyond are truncated on input and printed as zeros.
 */
import { SqlRuntimeError } from './errors.js';
import { Decimal } from './decimal.js';
import {
  formatDate, formatTime, formatTimestamp, instantToLocal, parseDate, parseTime, parseTimestamp,
} from './datetime.js';
import { type SqlType, typeToString, MAX_LENGTH } from './sql-type.js';

/** Prints a double as Java's `Double.toString` does: `1.0`, `0.1`, `1.0E10`, `1.234E-5`, `NaN`, `Infinity`. */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  return javaStyle(v, String(Math.abs(v)).includes('e') ? Math.abs(v).toExponential() : undefined);
}

/** Prints a float as Java's `Float.toString`: the shortest digits that round-trip through 32 bits. */
export function formatFloat(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatDouble(v);
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return javaStyle(Number(s), Math.abs(Number(s)).toExponential());
  }
  return formatDouble(f);
}

function javaStyle(v: number, expText?: string): string {
  const a = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  if (a >= 1e-3 && a < 1e7) {
    const s = String(a);
    if (s.includes('e')) {
      // Tiny or huge values never reach here; keep a safe fallback.
      return sign + a.toFixed(20).replace(/0+$/, '').replace(/\.$/, '.0');
    }
    return sign + (s.includes('.') ? s : s + '.0');
  }
  const e = expText ?? a.toExponential();
  const [mant, exp] = e.split('e') as [string, string];
  const m = mant.includes('.') ? mant : mant + '.0';
  return `${sign}${m}E${Number(exp)}`;
}

/** Options of `formatValue`. */
export interface FormatOptions {
  /** Session time zone TIMESTAMP_LTZ values are shown in; default UTC. */
  timeZone?: string;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Formats a value as Flink prints it (CAST to STRING, the print sink, JSON text of temporal types):
 * TIMESTAMP(3) `2024-01-01 10:00:00.000`, DECIMAL with all its scale digits, DOUBLE as Java
 * (`1.0E10`), BOOLEAN `TRUE`/`FALSE`, ARRAY `[1, 2]`, MAP `{a=1}`, ROW `(1, a)`, NULL `NULL`.
 */
export function formatValue(v: unknown, type: SqlType, options: FormatOptions = {}): string {
  if (v === null || v === undefined) return 'NULL';
  switch (type.kind) {
    case 'BOOLEAN': return v ? 'TRUE' : 'FALSE';
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': return String(v);
    case 'FLOAT': return formatFloat(v as number);
    case 'DOUBLE': return formatDouble(v as number);
    case 'DECIMAL': return v instanceof Decimal ? v.setScale(type.scale ?? 0).toString() : String(v);
    case 'CHAR': case 'VARCHAR': return v as string;
    case 'BINARY': case 'VARBINARY': return v instanceof Uint8Array ? hex(v) : String(v);
    case 'DATE': return formatDate(v as number);
    case 'TIME': return formatTime(v as number, type.precision ?? 0);
    case 'TIMESTAMP': return formatTimestamp(v as number, type.precision ?? 6);
    case 'TIMESTAMP_LTZ': return formatTimestamp(instantToLocal(v as number, options.timeZone ?? 'UTC'), type.precision ?? 6);
    case 'INTERVAL_DT': return formatIntervalDT(v as number);
    case 'INTERVAL_YM': return formatIntervalYM(v as number);
    case 'ARRAY': case 'MULTISET': return `[${(v as unknown[]).map((e) => formatValue(e, type.element!, options)).join(', ')}]`;
    case 'MAP': {
      const parts: string[] = [];
      for (const [k, val] of v as Map<unknown, unknown>) parts.push(`${formatValue(k, type.key!, options)}=${formatValue(val, type.value!, options)}`);
      return `{${parts.join(', ')}}`;
    }
    case 'ROW': {
      const fields = type.fields ?? [];
      return `(${(v as unknown[]).map((e, i) => formatValue(e, fields[i]?.type ?? type, options)).join(', ')})`;
    }
    case 'NULL': return 'NULL';
  }
}

/** `+1 02:03:04.000` as Flink prints INTERVAL DAY TO SECOND(3). */
export function formatIntervalDT(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const a = Math.abs(ms);
  const d = Math.floor(a / 86_400_000);
  return `${sign}${d} ${formatTime(a % 86_400_000, 3)}`;
}

/** `+1-02` as Flink prints INTERVAL YEAR TO MONTH. */
export function formatIntervalYM(months: number): string {
  const sign = months < 0 ? '-' : '+';
  const a = Math.abs(months);
  return `${sign}${Math.floor(a / 12)}-${String(a % 12).padStart(2, '0')}`;
}

/**
 * Converts a value to what JSON should hold: numbers stay numbers, DECIMAL becomes a number when it
 * is exact as a double (else its text), temporal types become Flink's SQL text, bytes base64, MAP an object.
 */
export function toJsonValue(v: unknown, type: SqlType, options: FormatOptions = {}): unknown {
  if (v === null || v === undefined) return null;
  switch (type.kind) {
    case 'BOOLEAN': case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': case 'FLOAT': case 'DOUBLE':
    case 'CHAR': case 'VARCHAR':
      return v;
    case 'DECIMAL': {
      const d = (v as Decimal).setScale(type.scale ?? 0);
      const n = d.toNumber();
      return Decimal.fromNumber(n).equals(d) ? n : d.toString();
    }
    case 'BINARY': case 'VARBINARY': return Buffer.from(v as Uint8Array).toString('base64');
    case 'ARRAY': case 'MULTISET': return (v as unknown[]).map((e) => toJsonValue(e, type.element!, options));
    case 'MAP': {
      const o: Record<string, unknown> = {};
      for (const [k, val] of v as Map<unknown, unknown>) o[String(k)] = toJsonValue(val, type.value!, options);
      return o;
    }
    case 'ROW': {
      const o: Record<string, unknown> = {};
      (type.fields ?? []).forEach((f, i) => (o[f.name] = toJsonValue((v as unknown[])[i], f.type, options)));
      return o;
    }
    default: return formatValue(v, type, options);
  }
}

function fail(field: string | undefined, text: unknown, type: SqlType, why: string): never {
  const where = field ? `field '${field}': ` : '';
  const shown = typeof text === 'string' ? `'${text}'` : JSON.stringify(text);
  throw new SqlRuntimeError(`${where}cannot read ${shown} as ${typeToString(type)}: ${why}`);
}

const INT_RANGE: Record<string, [number, number]> = {
  TINYINT: [-128, 127], SMALLINT: [-32768, 32767], INT: [-2147483648, 2147483647],
  BIGINT: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * Reads a value of `type` from CSV text or a parsed JSON value. `field` names the column in errors,
 * e.g. "field 'price': cannot read 'abc' as DECIMAL(10, 2): not a number". `null`/`undefined` is NULL;
 * so is an empty string for non-string types (CSV's convention).
 */
export function parseValue(input: unknown, type: SqlType, field?: string): unknown {
  if (input === null || input === undefined) return null;
  const text = typeof input === 'string' ? input : undefined;
  if (text === '' && type.kind !== 'CHAR' && type.kind !== 'VARCHAR') return null;
  switch (type.kind) {
    case 'BOOLEAN': {
      if (typeof input === 'boolean') return input;
      const t = text?.trim().toLowerCase();
      if (t === 'true') return true;
      if (t === 'false') return false;
      return fail(field, input, type, 'expected true or false');
    }
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': {
      const n = typeof input === 'number' ? input : text !== undefined && /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : NaN;
      if (!Number.isInteger(n)) return fail(field, input, type, 'not an integer');
      const [lo, hi] = INT_RANGE[type.kind]!;
      if (n < lo || n > hi) return fail(field, input, type, `out of range [${lo}, ${hi}]`);
      return n;
    }
    case 'FLOAT': case 'DOUBLE': {
      const n = typeof input === 'number' ? input : text !== undefined ? parseJavaDouble(text) : NaN;
      if (Number.isNaN(n) && !(text !== undefined && text.trim() === 'NaN')) return fail(field, input, type, 'not a number');
      return type.kind === 'FLOAT' ? Math.fround(n) : n;
    }
    case 'DECIMAL': {
      const d = typeof input === 'number' ? Decimal.fromNumber(input) : text !== undefined ? Decimal.tryParse(text) : undefined;
      if (!d) return fail(field, input, type, 'not a number');
      if (!d.fits(type.precision ?? 10, type.scale ?? 0)) return fail(field, input, type, 'too many digits for the precision');
      return d.setScale(type.scale ?? 0);
    }
    case 'CHAR': case 'VARCHAR':
      if (typeof input === 'object') return JSON.stringify(input);
      return String(input);
    case 'BINARY': case 'VARBINARY':
      if (input instanceof Uint8Array) return input;
      if (text === undefined) return fail(field, input, type, 'expected base64 text');
      return new Uint8Array(Buffer.from(text, 'base64'));
    case 'DATE': {
      const d = text !== undefined ? parseDate(text) : typeof input === 'number' ? input : undefined;
      return d ?? fail(field, input, type, "expected 'yyyy-MM-dd'");
    }
    case 'TIME': {
      const t = text !== undefined ? parseTime(text) : typeof input === 'number' ? input : undefined;
      return t ?? fail(field, input, type, "expected 'HH:mm:ss[.SSS]'");
    }
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ': {
      if (typeof input === 'number') return input;
      const t = text !== undefined ? parseTimestamp(text.replace(/Z$/, '')) : undefined;
      return t ?? fail(field, input, type, "expected 'yyyy-MM-dd HH:mm:ss[.SSS]'");
    }
    case 'INTERVAL_DT': case 'INTERVAL_YM': {
      const n = typeof input === 'number' ? input : Number(text);
      if (!Number.isFinite(n)) return fail(field, input, type, 'expected a number');
      return n;
    }
    case 'ARRAY': case 'MULTISET': {
      let arr: unknown = input;
      if (typeof input === 'string') arr = tryJson(input);
      if (!Array.isArray(arr)) return fail(field, input, type, 'expected a JSON array');
      return arr.map((e, i) => parseValue(e, type.element!, `${field ?? ''}[${i + 1}]`));
    }
    case 'MAP': {
      let obj: unknown = input;
      if (typeof input === 'string') obj = tryJson(input);
      if (obj instanceof Map) return obj;
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return fail(field, input, type, 'expected a JSON object');
      const m = new Map<unknown, unknown>();
      for (const [k, v] of Object.entries(obj)) m.set(parseValue(k, type.key!, field), parseValue(v, type.value!, `${field ?? ''}.${k}`));
      return m;
    }
    case 'ROW': {
      let obj: unknown = input;
      if (typeof input === 'string') obj = tryJson(input);
      const fields = type.fields ?? [];
      if (Array.isArray(obj)) return fields.map((f, i) => parseValue(obj[i], f.type, f.name));
      if (obj === null || typeof obj !== 'object') return fail(field, input, type, 'expected a JSON object');
      return fields.map((f) => parseValue((obj as Record<string, unknown>)[f.name], f.type, field ? `${field}.${f.name}` : f.name));
    }
    case 'NULL': return null;
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Parses a double as Java's `Double.parseDouble` (accepts `1e3`, `1.0E10`, `.5`, `NaN`, `Infinity`, a trailing d/f). */
export function parseJavaDouble(text: string): number {
  const t = text.trim().replace(/[dDfF]$/, '');
  if (/^[+-]?(NaN|Infinity)$/.test(t)) return Number(t);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return NaN;
  return Number(t);
}

/** Whether `type` is STRING (VARCHAR of the maximum length). */
export function isStringType(type: SqlType): boolean {
  return type.kind === 'VARCHAR' && type.precision === MAX_LENGTH;
}
