import { UserError } from '../core/errors.js';

/**
 * Declared output column types of a model (`OUTPUT (score DOUBLE, label BIGINT)`) and the conversion
 * of raw tensor values to them. Types are SQL spellings; ml does not depend on the SQL package, so it
 * reads the type names itself.
 */

/** The type families a model output can be converted to. */
export type ColumnKind = 'double' | 'float' | 'integer' | 'bigint' | 'boolean' | 'string' | 'decimal';

/** One declared output column. */
export interface OutputColumn {
  name: string;
  /** SQL type as written, e.g. `DOUBLE`, `BIGINT`, `VARCHAR(10)`, `INT NOT NULL`. Omitted: the value stays as the tensor gives it (int64 as number). */
  type?: string;
  /** Where the value comes from; omitted: chosen by name and position, see `ScoreMapping`. */
  from?: OutputSource;
}

/**
 * Where an output column's value comes from: a model output, and for outputs with several values per
 * row either the element `index` or, for a classifier's probabilities, the `classLabel`.
 */
export interface OutputSource {
  output: string;
  index?: number;
  classLabel?: string | number;
}

const KINDS: Record<string, ColumnKind> = {
  DOUBLE: 'double',
  'DOUBLE PRECISION': 'double',
  FLOAT: 'float',
  REAL: 'float',
  TINYINT: 'integer',
  SMALLINT: 'integer',
  INT: 'integer',
  INTEGER: 'integer',
  BIGINT: 'bigint',
  BOOLEAN: 'boolean',
  BOOL: 'boolean',
  STRING: 'string',
  VARCHAR: 'string',
  CHAR: 'string',
  DECIMAL: 'decimal',
  DEC: 'decimal',
  NUMERIC: 'decimal',
};

const INT_RANGES: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
  INTEGER: [-2147483648, 2147483647],
};

/** A parsed column type: its family and, for small integers, the allowed range. */
export interface ColumnType {
  sql: string;
  kind: ColumnKind;
  range?: [number, number];
  scale?: number;
}

/** Reads a SQL type name such as `DOUBLE`, `VARCHAR(20)`, `DECIMAL(10, 2) NOT NULL`. */
export function parseColumnType(type: string): ColumnType {
  const m = /^\s*([A-Za-z]+(?:\s+PRECISION)?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*(?:NOT\s+NULL|NULL)?\s*$/i.exec(type);
  const base = m?.[1]?.toUpperCase().replace(/\s+/g, ' ');
  const kind = base === undefined ? undefined : KINDS[base];
  if (m === null || base === undefined || kind === undefined) {
    throw new UserError(`unsupported model output type "${type}"`, {
      hint: `use one of ${Object.keys(KINDS).join(', ')}`,
    });
  }
  const out: ColumnType = { sql: base, kind };
  const range = INT_RANGES[base];
  if (range) out.range = range;
  if (kind === 'decimal' && m[3] !== undefined) out.scale = Number(m[3]);
  return out;
}

/**
 * Parses an `OUTPUT (...)` column list: `score DOUBLE, label BIGINT` (the parentheses are optional).
 * A column without a type is allowed (`score`).
 */
export function parseOutputColumns(spec: string): OutputColumn[] {
  let text = spec.trim();
  if (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  const cols: OutputColumn[] = [];
  // Split on commas outside parentheses, so DECIMAL(10, 2) stays whole.
  let depth = 0;
  let start = 0;
  const parts: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  for (const part of parts) {
    const m = /^\s*(`[^`]+`|"[^"]+"|[A-Za-z_][A-Za-z0-9_]*)\s*(.*?)\s*$/s.exec(part);
    if (!m || m[1] === undefined) {
      throw new UserError(`cannot read output column "${part.trim()}" in "${spec}"`, {
        hint: 'write columns as NAME TYPE, separated by commas, e.g. "score DOUBLE, label BIGINT"',
      });
    }
    const name = /^[`"]/.test(m[1]) ? m[1].slice(1, -1) : m[1];
    const col: OutputColumn = { name };
    if (m[2]) {
      parseColumnType(m[2]);
      col.type = m[2];
    }
    cols.push(col);
  }
  return cols;
}

/** Converts a JS value read from a tensor to a declared column type; throws `UserError` when it does not fit. */
export function convertValue(value: unknown, type: ColumnType | undefined, column: string): unknown {
  if (type === undefined) return value;
  const fail = (why: string): never => {
    throw new UserError(`output column "${column}" is ${type.sql} but the model gave ${describe(value)}: ${why}`);
  };
  switch (type.kind) {
    case 'double':
    case 'decimal': {
      const n = typeof value === 'bigint' ? Number(value) : typeof value === 'boolean' ? Number(value) : value;
      if (typeof n !== 'number') return fail('not a number');
      if (type.kind === 'decimal' && type.scale !== undefined && Number.isFinite(n)) {
        const f = 10 ** type.scale;
        return Math.round(n * f) / f;
      }
      return n;
    }
    case 'float': {
      const n = typeof value === 'bigint' || typeof value === 'boolean' ? Number(value) : value;
      if (typeof n !== 'number') return fail('not a number');
      return Math.fround(n);
    }
    case 'integer':
    case 'bigint': {
      let n: number;
      if (typeof value === 'bigint') {
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
          return fail('outside the safe integer range of a JS number');
        }
        n = Number(value);
      } else if (typeof value === 'boolean') {
        n = value ? 1 : 0;
      } else if (typeof value === 'number') {
        if (!Number.isFinite(value)) return fail('not a finite number');
        n = Math.trunc(value);
      } else if (typeof value === 'string' && /^-?\d+$/.test(value)) {
        n = Number(value);
      } else {
        return fail('not an integer');
      }
      if (type.range && (n < type.range[0] || n > type.range[1])) return fail(`outside ${type.range[0]}..${type.range[1]}`);
      if (!Number.isSafeInteger(n)) return fail('outside the safe integer range of a JS number');
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number' || typeof value === 'bigint') return value !== 0 && value !== 0n;
      if (value === 'true' || value === 'false') return value === 'true';
      return fail('not a boolean');
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
      return fail('not a string');
  }
}

/** A value as shown in an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined (missing)';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `number ${value}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'bigint') return `bigint ${value}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
