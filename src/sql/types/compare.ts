import { Decimal } from './decimal.js';

/**
 * Orders two non-null values of the same SQL type: numbers, strings (UTF-16 code units, as Java's
 * `String.compareTo`), `Decimal` by value, booleans (FALSE < TRUE), bytes (unsigned), arrays and
 * rows element by element. NULLs must be handled by the caller.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Decimal && b instanceof Decimal) return a.compareTo(b);
  if (a instanceof Decimal) return a.compareTo(Decimal.fromNumber(b as number));
  if (b instanceof Decimal) return Decimal.fromNumber(a as number).compareTo(b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return a.length - b.length;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a[i];
      const y = b[i];
      if (x === null || y === null) {
        if (x !== y) return x === null ? -1 : 1;
        continue;
      }
      const c = compareValues(x, y);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** SQL equality of two non-null values (DECIMAL by value, bytes, arrays, maps and rows deep). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a === 'number' || typeof a === 'string' || typeof a === 'boolean') {
    if (b instanceof Decimal) return compareValues(a, b) === 0;
    return false;
  }
  if (a instanceof Decimal) return compareValues(a, b) === 0;
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k)) return false;
      const w = b.get(k);
      if (!(v === null ? w === null : valuesEqual(v, w))) return false;
    }
    return true;
  }
  if ((Array.isArray(a) && Array.isArray(b)) || (a instanceof Uint8Array && b instanceof Uint8Array)) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      const p = x[i];
      const q = y[i];
      if (p === null || q === null ? p !== q : !valuesEqual(p, q)) return false;
    }
    return true;
  }
  return false;
}

/**
 * A string key for a value such that equal SQL values get equal keys (DECIMAL `1.0` and `1.00`
 * alike); used for DISTINCT, MIN/MAX multisets and map lookups.
 */
export function valueKey(v: unknown): string {
  if (v === null || v === undefined) return '\u0000null';
  switch (typeof v) {
    case 'number': return `n${v}`;
    case 'string': return `s${v}`;
    case 'boolean': return v ? 'T' : 'F';
    default: break;
  }
  if (v instanceof Decimal) {
    let s = v.toString();
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
    if (s === '-0') s = '0';
    return `n${s}`;
  }
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return `[${v.map(valueKey).join(',')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${valueKey(k)}:${valueKey(x)}`).join(',')}}`;
  return `?${String(v)}`;
}
