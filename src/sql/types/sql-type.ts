import type { DataType } from '../parser/index.js';
import { parseDataType } from '../parser/index.js';
import { SqlTypeError } from './errors.js';

/** Every logical type weir's SQL knows. STRING is `VARCHAR(MAX_LENGTH)`, BYTES is `VARBINARY(MAX_LENGTH)`. */
export type TypeKind =
  | 'BOOLEAN' | 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT' | 'FLOAT' | 'DOUBLE' | 'DECIMAL'
  | 'CHAR' | 'VARCHAR' | 'BINARY' | 'VARBINARY'
  | 'DATE' | 'TIME' | 'TIMESTAMP' | 'TIMESTAMP_LTZ'
  | 'INTERVAL_DT' | 'INTERVAL_YM'
  | 'ARRAY' | 'MULTISET' | 'MAP' | 'ROW' | 'NULL';

/** A field of a ROW type. */
export interface RowFieldType {
  name: string;
  type: SqlType;
}

/**
 * A SQL type. Immutable by convention: build new ones with the helpers below rather than editing.
 * - `precision`: DECIMAL precision, CHAR/VARCHAR/BINARY/VARBINARY length, TIME/TIMESTAMP fractional digits.
 * - `scale`: DECIMAL scale.
 * - `element` (ARRAY, MULTISET), `key`/`value` (MAP), `fields` (ROW).
 * - `timeAttribute`: set on a rowtime (`TIMESTAMP(3) *ROWTIME*`) or proctime (`TIMESTAMP_LTZ(3) *PROCTIME*`) column.
 */
export interface SqlType {
  kind: TypeKind;
  nullable: boolean;
  precision?: number;
  scale?: number;
  element?: SqlType;
  key?: SqlType;
  value?: SqlType;
  fields?: RowFieldType[];
  timeAttribute?: 'ROWTIME' | 'PROCTIME';
}

/** Length of STRING and BYTES (Java's `Integer.MAX_VALUE`). */
export const MAX_LENGTH = 2147483647;
/** Largest DECIMAL precision Flink supports. */
export const MAX_DECIMAL_PRECISION = 38;

const DEFAULT_PRECISION: Partial<Record<TypeKind, number>> = {
  DECIMAL: 10, CHAR: 1, VARCHAR: 1, BINARY: 1, VARBINARY: 1, TIME: 0, TIMESTAMP: 6, TIMESTAMP_LTZ: 6,
};

/** Builds a type; `precision`/`scale` default as in Flink (DECIMAL(10, 0), TIMESTAMP(6), TIME(0), CHAR(1)). */
export function sqlType(kind: TypeKind, nullable = true, precision?: number, scale?: number): SqlType {
  const t: SqlType = { kind, nullable };
  const p = precision ?? DEFAULT_PRECISION[kind];
  if (p !== undefined) t.precision = p;
  if (kind === 'DECIMAL') t.scale = scale ?? 0;
  return t;
}

/** Shorthands for common types (nullable unless `false` is passed). */
export const T = {
  boolean: (n = true): SqlType => sqlType('BOOLEAN', n),
  tinyint: (n = true): SqlType => sqlType('TINYINT', n),
  smallint: (n = true): SqlType => sqlType('SMALLINT', n),
  int: (n = true): SqlType => sqlType('INT', n),
  bigint: (n = true): SqlType => sqlType('BIGINT', n),
  float: (n = true): SqlType => sqlType('FLOAT', n),
  double: (n = true): SqlType => sqlType('DOUBLE', n),
  decimal: (p: number, s: number, n = true): SqlType => sqlType('DECIMAL', n, p, s),
  char: (len: number, n = true): SqlType => sqlType('CHAR', n, len),
  varchar: (len: number, n = true): SqlType => sqlType('VARCHAR', n, len),
  string: (n = true): SqlType => sqlType('VARCHAR', n, MAX_LENGTH),
  bytes: (n = true): SqlType => sqlType('VARBINARY', n, MAX_LENGTH),
  date: (n = true): SqlType => sqlType('DATE', n),
  time: (p = 0, n = true): SqlType => sqlType('TIME', n, p),
  timestamp: (p = 6, n = true): SqlType => sqlType('TIMESTAMP', n, p),
  timestampLtz: (p = 6, n = true): SqlType => sqlType('TIMESTAMP_LTZ', n, p),
  intervalDT: (n = true): SqlType => ({ kind: 'INTERVAL_DT', nullable: n }),
  intervalYM: (n = true): SqlType => ({ kind: 'INTERVAL_YM', nullable: n }),
  array: (element: SqlType, n = true): SqlType => ({ kind: 'ARRAY', nullable: n, element }),
  multiset: (element: SqlType, n = true): SqlType => ({ kind: 'MULTISET', nullable: n, element }),
  map: (key: SqlType, value: SqlType, n = true): SqlType => ({ kind: 'MAP', nullable: n, key, value }),
  row: (fields: RowFieldType[], n = true): SqlType => ({ kind: 'ROW', nullable: n, fields }),
  null: (): SqlType => ({ kind: 'NULL', nullable: true }),
};

/** The same type with another nullability (a no-op when it already matches). */
export function withNullable(t: SqlType, nullable: boolean): SqlType {
  return t.nullable === nullable ? t : { ...t, nullable };
}

/** The same type without a time-attribute marker: what a rowtime becomes after a computation. */
export function withoutTimeAttribute(t: SqlType): SqlType {
  if (t.timeAttribute === undefined) return t;
  const { timeAttribute: _drop, ...rest } = t;
  return rest;
}

const INTEGER_RANK: Partial<Record<TypeKind, number>> = { TINYINT: 1, SMALLINT: 2, INT: 3, BIGINT: 4 };
/** DECIMAL precision of each integer type, used when an integer meets a DECIMAL. */
const INTEGER_DECIMAL_PRECISION: Partial<Record<TypeKind, number>> = { TINYINT: 3, SMALLINT: 5, INT: 10, BIGINT: 19 };

export const isIntegerKind = (k: TypeKind): boolean => INTEGER_RANK[k] !== undefined;
export const isExactNumeric = (t: SqlType): boolean => isIntegerKind(t.kind) || t.kind === 'DECIMAL';
export const isApproxNumeric = (t: SqlType): boolean => t.kind === 'FLOAT' || t.kind === 'DOUBLE';
export const isNumeric = (t: SqlType): boolean => isExactNumeric(t) || isApproxNumeric(t);
export const isCharacter = (t: SqlType): boolean => t.kind === 'CHAR' || t.kind === 'VARCHAR';
export const isBinary = (t: SqlType): boolean => t.kind === 'BINARY' || t.kind === 'VARBINARY';
export const isTimestamp = (t: SqlType): boolean => t.kind === 'TIMESTAMP' || t.kind === 'TIMESTAMP_LTZ';
export const isDatetime = (t: SqlType): boolean => t.kind === 'DATE' || t.kind === 'TIME' || isTimestamp(t);
export const isInterval = (t: SqlType): boolean => t.kind === 'INTERVAL_DT' || t.kind === 'INTERVAL_YM';

/** DECIMAL(p, s) seen for an exact numeric type: INT is DECIMAL(10, 0), BIGINT DECIMAL(19, 0). */
export function asDecimalType(t: SqlType): { precision: number; scale: number } {
  if (t.kind === 'DECIMAL') return { precision: t.precision ?? 10, scale: t.scale ?? 0 };
  const p = INTEGER_DECIMAL_PRECISION[t.kind];
  if (p === undefined) throw new Error(`internal: ${t.kind} is not an exact numeric type`);
  return { precision: p, scale: 0 };
}

/** Converts a parsed `DataType` node (from the parser) into a `SqlType`. */
export function fromDataType(dt: DataType): SqlType {
  switch (dt.kind) {
    case 'PrimitiveType': {
      switch (dt.name) {
        case 'STRING': return T.string(dt.nullable);
        case 'BYTES': return T.bytes(dt.nullable);
        case 'NULL': return T.null();
        case 'DECIMAL': {
          const p = dt.precision ?? 10;
          const s = dt.scale ?? 0;
          if (p < 1 || p > MAX_DECIMAL_PRECISION) {
            throw new SqlTypeError(`Decimal precision must be between 1 and ${MAX_DECIMAL_PRECISION} (both inclusive), got ${p}`, dt.span);
          }
          if (s < 0 || s > p) throw new SqlTypeError(`Decimal scale must be between 0 and the precision ${p} (both inclusive), got ${s}`, dt.span);
          return sqlType('DECIMAL', dt.nullable, p, s);
        }
        case 'TIME': case 'TIMESTAMP': case 'TIMESTAMP_LTZ': {
          const p = dt.precision;
          const max = dt.name === 'TIME' ? 9 : 9;
          if (p !== undefined && (p < 0 || p > max)) {
            throw new SqlTypeError(`${dt.name} precision must be between 0 and ${max} (both inclusive), got ${p}`, dt.span);
          }
          return sqlType(dt.name, dt.nullable, p);
        }
        default: return sqlType(dt.name, dt.nullable, dt.precision);
      }
    }
    case 'ArrayType': return T.array(fromDataType(dt.element), dt.nullable);
    case 'MultisetType': return T.multiset(fromDataType(dt.element), dt.nullable);
    case 'MapType': return T.map(fromDataType(dt.key), fromDataType(dt.value), dt.nullable);
    case 'RowType': return T.row(dt.fields.map((f) => ({ name: f.name, type: fromDataType(f.type) })), dt.nullable);
    case 'IntervalType': {
      const ym = dt.qualifier.start === 'YEAR' || dt.qualifier.start === 'MONTH';
      return ym ? T.intervalYM(dt.nullable) : T.intervalDT(dt.nullable);
    }
  }
}

/**
 * Parses a type written in Flink SQL (`'DECIMAL(10, 2) NOT NULL'`, `'ARRAY<STRING>'`).
 *
 * @example
 * parseSqlType('ROW<a INT, b STRING>') // { kind: 'ROW', fields: [...] }
 */
export function parseSqlType(text: string): SqlType {
  return fromDataType(parseDataType(text));
}

function quoteName(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/**
 * The type as Flink prints it (`DESCRIBE`, error messages): `BIGINT NOT NULL`, `DECIMAL(10, 2)`,
 * `STRING`, `TIMESTAMP(3) *ROWTIME*`, ``ROW<`a` INT, `b` STRING>``.
 */
export function typeToString(t: SqlType): string {
  const nn = t.nullable ? '' : ' NOT NULL';
  let base: string;
  switch (t.kind) {
    case 'VARCHAR': base = t.precision === MAX_LENGTH ? 'STRING' : `VARCHAR(${t.precision ?? 1})`; break;
    case 'VARBINARY': base = t.precision === MAX_LENGTH ? 'BYTES' : `VARBINARY(${t.precision ?? 1})`; break;
    case 'CHAR': case 'BINARY': base = `${t.kind}(${t.precision ?? 1})`; break;
    case 'DECIMAL': base = `DECIMAL(${t.precision ?? 10}, ${t.scale ?? 0})`; break;
    case 'TIME': base = `TIME(${t.precision ?? 0})`; break;
    case 'TIMESTAMP': base = `TIMESTAMP(${t.precision ?? 6})`; break;
    case 'TIMESTAMP_LTZ': base = `TIMESTAMP_LTZ(${t.precision ?? 6})`; break;
    case 'INTERVAL_DT': base = 'INTERVAL DAY(2) TO SECOND(3)'; break;
    case 'INTERVAL_YM': base = 'INTERVAL YEAR(2) TO MONTH'; break;
    case 'ARRAY': base = `ARRAY<${typeToString(t.element!)}>`; break;
    case 'MULTISET': base = `MULTISET<${typeToString(t.element!)}>`; break;
    case 'MAP': base = `MAP<${typeToString(t.key!)}, ${typeToString(t.value!)}>`; break;
    case 'ROW': base = `ROW<${(t.fields ?? []).map((f) => `${quoteName(f.name)} ${typeToString(f.type)}`).join(', ')}>`; break;
    default: base = t.kind;
  }
  if (t.kind === 'NULL') return 'NULL';
  const attr = t.timeAttribute ? ` *${t.timeAttribute}*` : '';
  return base + nn + attr;
}

/** Structural equality of two types, nullability included, time attributes ignored. */
export function typesEqual(a: SqlType, b: SqlType, ignoreNullability = false): boolean {
  if (a.kind !== b.kind || (!ignoreNullability && a.nullable !== b.nullable)) return false;
  if (a.precision !== b.precision || a.scale !== b.scale) return false;
  if (a.element && !typesEqual(a.element, b.element!, ignoreNullability)) return false;
  if (a.key && !(typesEqual(a.key, b.key!, ignoreNullability) && typesEqual(a.value!, b.value!, ignoreNullability))) return false;
  if (a.fields) {
    const bf = b.fields!;
    if (a.fields.length !== bf.length) return false;
    for (let i = 0; i < a.fields.length; i++) {
      if (a.fields[i]!.name !== bf[i]!.name || !typesEqual(a.fields[i]!.type, bf[i]!.type, ignoreNullability)) return false;
    }
  }
  return true;
}

/** Flink's DECIMAL precision/scale adjustment when a result would exceed 38 digits: keep integer digits, shrink the scale but not below 6. */
export function adjustDecimal(precision: number, scale: number): { precision: number; scale: number } {
  if (precision <= MAX_DECIMAL_PRECISION) return { precision, scale };
  const intDigits = precision - scale;
  const minScale = Math.min(scale, 6);
  return { precision: MAX_DECIMAL_PRECISION, scale: Math.max(MAX_DECIMAL_PRECISION - intDigits, minScale) };
}

/** Result type of DECIMAL `+`/`-` (Flink `LogicalTypeMerging.findAdditionDecimalType`). */
export function decimalAddType(p1: number, s1: number, p2: number, s2: number): { precision: number; scale: number } {
  const scale = Math.max(s1, s2);
  return adjustDecimal(Math.max(p1 - s1, p2 - s2) + scale + 1, scale);
}
/** Result type of DECIMAL `*`. */
export function decimalMulType(p1: number, s1: number, p2: number, s2: number): { precision: number; scale: number } {
  return adjustDecimal(p1 + p2, s1 + s2);
}
/** Result type of DECIMAL `/`. */
export function decimalDivType(p1: number, s1: number, p2: number, s2: number): { precision: number; scale: number } {
  const scale = Math.max(6, s1 + p2 + 1);
  return adjustDecimal(p1 - s1 + s2 + scale, scale);
}
/** Result type of DECIMAL `%` / MOD. */
export function decimalModType(p1: number, s1: number, p2: number, s2: number): { precision: number; scale: number } {
  const scale = Math.max(s1, s2);
  return adjustDecimal(Math.min(p1 - s1, p2 - s2) + scale, scale);
}

/**
 * The least restrictive common type of `types` as Flink computes it for CASE, COALESCE, IN, UNION
 * and comparisons, or `undefined` when there is none (e.g. INT and STRING). Nullable if any input is.
 */
export function leastRestrictive(types: SqlType[]): SqlType | undefined {
  let acc: SqlType | undefined;
  let nullable = false;
  for (const t of types) {
    nullable ||= t.nullable;
    if (t.kind === 'NULL') continue;
    if (acc === undefined) {
      acc = withoutTimeAttribute(t);
      continue;
    }
    const m = mergePair(acc, t);
    if (m === undefined) return undefined;
    acc = m;
  }
  if (acc === undefined) return T.null();
  return withNullable(acc, nullable);
}

function mergePair(a: SqlType, b: SqlType): SqlType | undefined {
  const n = a.nullable || b.nullable;
  if (isNumeric(a) && isNumeric(b)) {
    if (a.kind === 'DOUBLE' || b.kind === 'DOUBLE') return T.double(n);
    if (a.kind === 'FLOAT' || b.kind === 'FLOAT') {
      return T.float(n);
    }
    if (a.kind === 'DECIMAL' || b.kind === 'DECIMAL') {
      const da = asDecimalType(a);
      const db = asDecimalType(b);
      const scale = Math.max(da.scale, db.scale);
      const intDigits = Math.max(da.precision - da.scale, db.precision - db.scale);
      const precision = Math.min(MAX_DECIMAL_PRECISION, intDigits + scale);
      return T.decimal(precision, Math.min(scale, precision), n);
    }
    return INTEGER_RANK[a.kind]! >= INTEGER_RANK[b.kind]! ? withNullable(a, n) : withNullable(b, n);
  }
  if (isCharacter(a) && isCharacter(b)) {
    const len = Math.max(a.precision ?? 1, b.precision ?? 1);
    if (a.kind === 'CHAR' && b.kind === 'CHAR' && a.precision === b.precision) return withNullable(a, n);
    // Flink turns CHARs of different lengths into VARCHAR instead of padding (ragged union to varying).
    return T.varchar(len, n);
  }
  if (isBinary(a) && isBinary(b)) {
    const len = Math.max(a.precision ?? 1, b.precision ?? 1);
    return a.kind === 'BINARY' && b.kind === 'BINARY' && a.precision === b.precision ? withNullable(a, n) : sqlType('VARBINARY', n, len);
  }
  if (a.kind === b.kind) {
    switch (a.kind) {
      case 'BOOLEAN': case 'DATE': case 'INTERVAL_DT': case 'INTERVAL_YM':
        return withNullable(a, n);
      case 'TIME': case 'TIMESTAMP': case 'TIMESTAMP_LTZ':
        return sqlType(a.kind, n, Math.max(a.precision ?? 0, b.precision ?? 0));
      case 'ARRAY': case 'MULTISET': {
        const e = leastRestrictive([a.element!, b.element!]);
        return e ? { kind: a.kind, nullable: n, element: e } : undefined;
      }
      case 'MAP': {
        const k = leastRestrictive([a.key!, b.key!]);
        const v = leastRestrictive([a.value!, b.value!]);
        return k && v ? T.map(k, v, n) : undefined;
      }
      case 'ROW': {
        const fa = a.fields!;
        const fb = b.fields!;
        if (fa.length !== fb.length) return undefined;
        const fields: RowFieldType[] = [];
        for (let i = 0; i < fa.length; i++) {
          const ft = leastRestrictive([fa[i]!.type, fb[i]!.type]);
          if (!ft) return undefined;
          fields.push({ name: fa[i]!.name, type: ft });
        }
        return T.row(fields, n);
      }
      default: return undefined;
    }
  }
  if (isTimestamp(a) && isTimestamp(b)) {
    // TIMESTAMP and TIMESTAMP_LTZ meet at TIMESTAMP_LTZ.
    return T.timestampLtz(Math.max(a.precision ?? 6, b.precision ?? 6), n);
  }
  if ((a.kind === 'DATE' && isTimestamp(b)) || (b.kind === 'DATE' && isTimestamp(a))) {
    return withNullable(a.kind === 'DATE' ? b : a, n);
  }
  return undefined;
}

/** Whether values of `from` may be converted to `to` implicitly (argument passing, INSERT into a sink). */
export function canImplicitlyCast(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'NULL') return true;
  if (from.kind === to.kind) return true;
  if (isNumeric(from) && isNumeric(to)) return true;
  if (isCharacter(from) && isCharacter(to)) return true;
  if (isBinary(from) && isBinary(to)) return true;
  if (isTimestamp(from) && isTimestamp(to)) return true;
  if (from.kind === 'DATE' && isTimestamp(to)) return true;
  return false;
}
