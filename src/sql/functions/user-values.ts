import { UserError } from '../../core/errors.js';
import { Decimal, isDecimal } from '../types/decimal.js';
import { castFn } from '../types/cast.js';
import { isIntegerKind, type SqlType, typeToString, withoutTimeAttribute } from '../types/sql-type.js';

/**
 * The checks and conversions between SQL values and what user functions (JS/TS modules) take and
 * return. A user function may return a plain JS number for DECIMAL, a `Date` for TIMESTAMP or an
 * object for a ROW; anything that does not fit the declared type fails the job with a message that
 * names the function, instead of travelling on as a wrongly typed value.
 */

/** Who a user function is, for messages: its SQL name and where it came from (`./udfs.js#score`). */
export interface UdfOrigin {
  name: string;
  /** The module and export, or undefined for functions registered from code. */
  module?: string | undefined;
}

export function describeUdf(o: UdfOrigin): string {
  return o.module ? `function ${o.name} (${o.module})` : `function ${o.name}`;
}

/** A short, readable rendering of argument values for error messages. */
export function formatArgs(args: readonly unknown[]): string {
  const one = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || isDecimal(v)) return String(v);
    if (Array.isArray(v)) return `[${v.slice(0, 5).map(one).join(', ')}${v.length > 5 ? ', …' : ''}]`;
    if (v instanceof Map) return `MAP(${v.size} entries)`;
    return typeof v;
  };
  return args.map(one).join(', ');
}

/** The error of a user function that threw while the job ran: the job fails with it, as in Flink. */
export function udfRuntimeError(o: UdfOrigin, method: string, args: readonly unknown[] | undefined, cause: unknown): UserError {
  const why = cause instanceof Error ? cause.message : String(cause);
  const at = args === undefined ? '' : ` on arguments (${formatArgs(args)})`;
  return new UserError(`${describeUdf(o)} threw in ${method}${at}: ${why}`, {
    origin: 'sql', cause, hint: 'fix the function or guard the input in SQL (e.g. WHERE ... or CASE WHEN ...)',
  });
}

type Convert = (v: unknown) => unknown;

const jsType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : v instanceof Map ? 'Map' : typeof v);

/**
 * A converter from a user function's result to a SQL value of `type`: `undefined` becomes NULL,
 * numbers become DECIMAL, `Date`s become TIMESTAMP/DATE values, objects become ROWs by field name.
 * It throws `what` plus the reason when the value does not fit.
 */
export function resultConverter(type: SqlType, o: UdfOrigin, what: string): Convert {
  const t = withoutTimeAttribute(type);
  const fail = (v: unknown, expected: string): never => {
    throw new UserError(`${describeUdf(o)} returned ${jsType(v)} ${formatArgs([v])} as ${what}, which is declared ${typeToString(t)}: expected ${expected}`, {
      origin: 'sql', hint: `return ${expected}, or change the declared type`,
    });
  };
  const nullable = t.nullable;
  const wrap = (inner: Convert): Convert => (v) => {
    if (v === null || v === undefined) {
      if (!nullable) fail(v, `a value (the type is NOT NULL)`);
      return null;
    }
    return inner(v);
  };
  switch (t.kind) {
    case 'BOOLEAN': return wrap((v) => (typeof v === 'boolean' ? v : fail(v, 'a boolean')));
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': return wrap((v) => {
      if (typeof v === 'bigint' && t.kind === 'BIGINT') return Number(v);
      return typeof v === 'number' && Number.isInteger(v) ? v : fail(v, 'a whole number');
    });
    case 'FLOAT': return wrap((v) => (typeof v === 'number' ? Math.fround(v) : fail(v, 'a number')));
    case 'DOUBLE': return wrap((v) => (typeof v === 'number' ? v : fail(v, 'a number')));
    case 'DECIMAL': {
      const scale = t.scale ?? 0;
      return wrap((v) => {
        if (isDecimal(v)) return v.setScale(scale);
        if (typeof v === 'number' && Number.isFinite(v)) return Decimal.fromNumber(v).setScale(scale);
        if (typeof v === 'bigint') return Decimal.fromInteger(v).setScale(scale);
        if (typeof v === 'string') { const d = Decimal.tryParse(v); if (d) return d.setScale(scale); }
        return fail(v, 'a Decimal, a finite number or a numeric string');
      });
    }
    case 'CHAR': case 'VARCHAR': return wrap((v) => (typeof v === 'string' ? v : fail(v, 'a string')));
    case 'BINARY': case 'VARBINARY': return wrap((v) => (v instanceof Uint8Array ? v : fail(v, 'a Uint8Array')));
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ': case 'TIME':
      return wrap((v) => (typeof v === 'number' ? v : v instanceof Date ? v.getTime() : fail(v, 'epoch milliseconds (a number) or a Date')));
    case 'DATE': return wrap((v) => (typeof v === 'number' ? v : v instanceof Date ? Math.floor(v.getTime() / 86_400_000) : fail(v, 'days since 1970-01-01 or a Date')));
    case 'ARRAY': case 'MULTISET': {
      const el = resultConverter(t.element!, o, `an element of ${what}`);
      return wrap((v) => (Array.isArray(v) ? v.map(el) : fail(v, 'an array')));
    }
    case 'MAP': {
      const k = resultConverter(t.key!, o, `a key of ${what}`);
      const val = resultConverter(t.value!, o, `a value of ${what}`);
      return wrap((v) => {
        if (v instanceof Map) return new Map([...v].map(([a, b]) => [k(a), val(b)]));
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) return new Map(Object.entries(v).map(([a, b]) => [k(a), val(b)]));
        return fail(v, 'a Map or an object');
      });
    }
    case 'ROW': return wrap(rowConverter(t, o, what));
    default: return wrap((v) => v);
  }
}

/** ROW values: positional arrays of the declared width, or objects read by field name. */
export function rowConverter(t: SqlType, o: UdfOrigin, what: string): Convert {
  const fields = t.fields ?? [];
  const convs = fields.map((f) => resultConverter(f.type, o, `field '${f.name}' of ${what}`));
  return (v) => {
    if (Array.isArray(v)) {
      if (v.length !== fields.length) {
        throw new UserError(`${describeUdf(o)} returned ${what} with ${v.length} values, but ${typeToString(t)} has ${fields.length} fields`, {
          origin: 'sql', hint: `return [${fields.map((f) => f.name).join(', ')}] or an object with those keys`,
        });
      }
      return v.map((x, i) => convs[i]!(x));
    }
    if (typeof v === 'object' && v !== null && !(v instanceof Map)) {
      const obj = v as Record<string, unknown>;
      return fields.map((f, i) => convs[i]!(obj[f.name]));
    }
    throw new UserError(`${describeUdf(o)} returned ${jsType(v)} as ${what}, which is declared ${typeToString(t)}: expected an array or an object`, { origin: 'sql' });
  };
}

/** Casts from the argument types SQL passes to the declared parameter types (undefined where none is needed). */
export function argConverters(from: readonly SqlType[], to: readonly SqlType[] | undefined): (Convert | undefined)[] {
  if (!to) return from.map(() => undefined);
  return from.map((f, i) => {
    const p = to[i]!;
    const a = withoutTimeAttribute(f);
    if (a.kind === 'NULL' || (a.kind === p.kind && a.precision === p.precision && a.scale === p.scale)) return undefined;
    if (isIntegerKind(a.kind) && (isIntegerKind(p.kind) || p.kind === 'DOUBLE' || p.kind === 'FLOAT')) return undefined;
    const cast = castFn(a, p, { timeZone: 'UTC' });
    return (v) => (v === null || v === undefined ? null : cast(v));
  });
}

/**
 * Why `v` would not survive a checkpoint (checkpoints copy state with V8's structured clone), or
 * undefined when it does: plain objects, arrays, Map, Set, Date, typed arrays and primitives keep
 * their shape; functions, symbols and class instances do not (a class instance comes back as a plain
 * object without its methods).
 */
export function unserializablePart(v: unknown, path = 'accumulator', depth = 0): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = typeof v;
  if (t === 'number' || t === 'string' || t === 'boolean' || t === 'bigint') return undefined;
  if (t === 'function') return `${path} is a function`;
  if (t === 'symbol') return `${path} is a symbol`;
  if (depth > 32) return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = unserializablePart(v[i], `${path}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  if (v instanceof Date || ArrayBuffer.isView(v)) return undefined;
  if (v instanceof Map) {
    for (const [k, x] of v) {
      const bad = unserializablePart(k, `a key of ${path}`, depth + 1) ?? unserializablePart(x, `${path}.get(${String(k)})`, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  if (v instanceof Set) {
    for (const x of v) {
      const bad = unserializablePart(x, `an element of ${path}`, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    const cls = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'a class';
    return `${path} is an instance of ${cls}`;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const bad = unserializablePart(x, `${path}.${k}`, depth + 1);
    if (bad) return bad;
  }
  return undefined;
}
