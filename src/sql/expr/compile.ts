import type * as A from '../parser/index.js';
import { unparse } from '../parser/index.js';
import { SqlRuntimeError, SqlTypeError } from '../types/errors.js';
import { Decimal } from '../types/decimal.js';
import {
  type SqlType, T, asDecimalType, canImplicitlyCast, decimalAddType, decimalDivType, decimalModType, decimalMulType,
  fromDataType, isCharacter, isBinary, isDatetime, isExactNumeric, isIntegerKind, isInterval, isNumeric,
  leastRestrictive, MAX_LENGTH, sqlType, typeToString, withNullable, withoutTimeAttribute, typesEqual,
} from '../types/sql-type.js';
import { castFn, castMayOverflow, castProblem, wrapInteger } from '../types/cast.js';
import { compareValues, valueKey, valuesEqual } from '../types/compare.js';
import { dayOf, instantToLocal, localToInstant, MS_PER_DAY, msOfDay, parseDate, parseTime, parseTimestamp } from '../types/datetime.js';
import { addMonthsDays, addMonthsLocal, ceilLocal, EXTRACT_UNITS, extractLocal, floorLocal, fromLocalMs, toLocalMs } from '../types/temporal.js';
import { formatValue, toJsonValue } from '../types/values.js';
import { evalJsonPath, parseJsonPath, type JsonPath } from '../functions/json.js';
import type { FunctionCatalog } from '../functions/catalog.js';
import type { ArgInfo, EvalContext, ScalarImpl } from '../functions/define.js';
import { likeToRegex, similarToRegex } from '../functions/patterns.js';
import type { Scope } from './scope.js';

/** Evaluates a compiled expression against one row. */
export type Evaluator = (row: unknown[]) => unknown;

/**
 * A compiled expression: its inferred type and a closure that evaluates it on a row without
 * walking the AST. `isConstant` expressions were folded at compile time (their `eval` ignores the row).
 */
export interface CompiledExpr {
  type: SqlType;
  eval: Evaluator;
  isConstant: boolean;
  /** The expression as SQL text (for plans, error messages and generated column names). */
  text: string;
}

/** Session settings for compilation. */
export interface CompileOptions {
  /** `table.local-time-zone`; default `UTC`. */
  timeZone?: string;
  /** Clock for CURRENT_TIMESTAMP and friends; default `Date.now`. */
  now?: () => number;
  /** Generate one function per expression where possible (default true); false keeps the closure tree (tests compare both). */
  fuse?: boolean;
}

interface Node {
  type: SqlType;
  ev: Evaluator;
  isConstant: boolean;
  /** Whether folding is allowed (no RAND/NOW below). */
  deterministic: boolean;
  /**
   * The node as JS source over `row` (same value and NULL handling as `ev`), for the operators whose
   * per-row cost is mostly the calls between closures: columns, comparisons, AND/OR, arithmetic. A tree
   * of such nodes becomes one generated function (see `fused`); other nodes are called as closures.
   */
  src?: string;
}

const span = (e: A.Expr): A.Span => e.span;
const bare = (t: SqlType): string => `<${typeToString(t).replace(/ NOT NULL$/, '')}>`;

function cannotApply(op: string, types: SqlType[], e: A.Expr): SqlTypeError {
  return new SqlTypeError(`Cannot apply '${op}' to arguments of type '${types.map(bare).join(', ')}'`, span(e));
}

function constant(type: SqlType, value: unknown): Node {
  return { type, ev: () => value, isConstant: true, deterministic: true };
}

const isNullType = (t: SqlType): boolean => t.kind === 'NULL';
const isBoolish = (t: SqlType): boolean => t.kind === 'BOOLEAN' || isNullType(t);

/** The compiler for one expression tree; holds the scope, catalog and session context. */
class Compiler {
  readonly ctx: EvalContext;

  /** Closures and values the generated source refers to as `$[k]`. */
  readonly captures: unknown[] = [];
  private temps = 0;

  constructor(readonly scope: Scope, readonly catalog: FunctionCatalog, options: CompileOptions) {
    this.ctx = { timeZone: options.timeZone ?? 'UTC', now: options.now ?? Date.now };
  }

  /** A fresh temporary of the generated function, to hold an operand tested for NULL before use. */
  temp(): string {
    return `t${this.temps++}`;
  }

  /** JS source for a child: its own source, a literal for a primitive constant, else a call of its closure. */
  srcOf(n: Node): string {
    if (n.src !== undefined) return n.src;
    if (n.isConstant) {
      const v = n.ev([]);
      if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
      if (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) return `(${String(v)})`;
    }
    this.captures.push(n.ev);
    return `$[${this.captures.length - 1}](row)`;
  }

  /** `(x = A) === null ? null : (y = B) === null ? null : <both(x, y)>`: a strict binary operator as source. */
  strictSrc(l: Node, r: Node, both: (x: string, y: string) => string): string {
    const x = this.temp();
    const y = this.temp();
    return `((${x} = ${this.srcOf(l)}) === null ? null : (${y} = ${this.srcOf(r)}) === null ? null : ${both(x, y)})`;
  }

  /** Gives a computed (not folded) node its source form. */
  withSrc(n: Node, src: string): Node {
    if (!n.isConstant) n.src = src;
    return n;
  }

  /** Folds a node whose inputs are all constant and deterministic; a throwing fold is left to run time. */
  fold(n: Node, children: Node[]): Node {
    if (!n.deterministic || children.some((c) => !c.isConstant)) return { ...n, isConstant: false };
    try {
      const v = n.ev([]);
      return { type: n.type, ev: () => v, isConstant: true, deterministic: true };
    } catch {
      return { ...n, isConstant: false };
    }
  }

  node(type: SqlType, ev: Evaluator, children: Node[], deterministic = true): Node {
    return this.fold({ type, ev, isConstant: false, deterministic: deterministic && children.every((c) => c.deterministic) }, children);
  }

  /** Converts `n` to `to` when the types differ in kind or parameters (implicit coercion). */
  coerce(n: Node, to: SqlType): Node {
    if (n.type.kind === to.kind && n.type.precision === to.precision && n.type.scale === to.scale
      && (n.type.kind !== 'ARRAY' && n.type.kind !== 'MAP' && n.type.kind !== 'ROW' || typesEqual(n.type, to, true))) {
      return n;
    }
    if (isNullType(n.type)) return { ...n, type: withNullable(to, true) };
    // Character targets of implicit coercion keep the text whole (CHAR(1) meeting VARCHAR(3) must not be cut).
    if (isCharacter(n.type) && isCharacter(to)) return { ...n, type: withNullable(to, n.type.nullable) };
    const f = castFn(n.type, to, this.ctx);
    const ev = n.ev;
    return this.node(withNullable(to, n.type.nullable || castMayOverflow(n.type, to)), (r) => {
      const v = ev(r);
      return v === null ? null : f(v);
    }, [n]);
  }

  compile(e: A.Expr): Node {
    const computed = this.scope.lookupComputed(e);
    if (computed) {
      const i = computed.index;
      return { type: computed.type, ev: (r) => r[i], isConstant: false, deterministic: true, src: `row[${i}]` };
    }
    switch (e.kind) {
      case 'NumberLiteral': return this.numberLiteral(e);
      case 'StringLiteral': return constant(T.char(e.value.length, false), e.value);
      case 'BinaryLiteral': {
        const bytes = new Uint8Array(e.value.length / 2);
        for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(e.value.slice(2 * i, 2 * i + 2), 16);
        return constant(sqlType('BINARY', false, bytes.length), bytes);
      }
      case 'BooleanLiteral': return constant(T.boolean(false), e.value);
      case 'NullLiteral': return constant(T.null(), null);
      case 'TypedLiteral': return this.typedLiteral(e);
      case 'IntervalLiteral': return this.intervalLiteral(e);
      case 'Identifier': return this.identifier(e);
      case 'Binary': return this.binary(e);
      case 'Unary': return this.unary(e);
      case 'Is': return this.isExpr(e);
      case 'IsDistinctFrom': return this.distinct(e);
      case 'Between': return this.between(e);
      case 'InList': return this.inList(e);
      case 'Like': return this.like(e);
      case 'Case': return this.caseExpr(e);
      case 'Cast': return this.cast(e);
      case 'FunctionCall': return this.call(e);
      case 'BuiltinValue': return this.builtinValue(e);
      case 'Extract': return this.extract(e);
      case 'Trim': return this.callNamed('TRIM', e, [
        constant(T.string(false), e.side ?? 'BOTH'), e.chars ? this.compile(e.chars) : constant(T.char(1, false), ' '), this.compile(e.source),
      ]);
      case 'Position': return this.callNamed('POSITION', e, [this.compile(e.needle), this.compile(e.haystack)]);
      case 'Substring': return this.callNamed('SUBSTRING', e, [this.compile(e.source), this.compile(e.from), ...(e.for ? [this.compile(e.for)] : [])]);
      case 'Overlay': return this.callNamed('OVERLAY', e, [this.compile(e.source), this.compile(e.replacement), this.compile(e.from), ...(e.for ? [this.compile(e.for)] : [])]);
      case 'FloorCeil': return this.floorCeil(e);
      case 'ArrayConstructor': return this.arrayCtor(e);
      case 'MapConstructor': return this.mapCtor(e);
      case 'RowConstructor': return this.rowCtor(e);
      case 'Subscript': return this.subscript(e);
      case 'FieldAccess': return this.fieldAccess(this.compile(e.target), e.field, e);
      case 'Parameter': throw new SqlTypeError('Dynamic parameters (?) are not supported', e.span);
      case 'Star': throw new SqlTypeError("'*' is only allowed in a select list or in COUNT(*)", e.span);
      case 'Subquery': case 'Exists': case 'InSubquery':
        throw new SqlTypeError('Subqueries must be planned before compiling the expression', e.span, 'this is a planner bug if you see it');
      case 'NamedArgument': throw new SqlTypeError(`Named argument '${e.name}' is not supported for this function`, e.span);
      case 'TableArgument': case 'Descriptor': case 'ModelArgument':
        throw new SqlTypeError(`${e.kind === 'TableArgument' ? 'TABLE' : e.kind === 'Descriptor' ? 'DESCRIPTOR' : 'MODEL'} arguments are only allowed in table functions`, e.span);
      default:
        throw new SqlTypeError(`Unsupported expression '${(e as A.Expr).kind}'`, (e as A.Expr).span);
    }
  }

  // ------------------------------------------------------------ literals and names

  numberLiteral(e: A.NumberLiteral): Node {
    const v = e.value;
    if (/[eE]/.test(v)) return constant(T.double(false), Number(v));
    if (!v.includes('.')) {
      const n = Number(v);
      if (n <= 2147483647) return constant(T.int(false), n);
      if (BigInt(v) <= 9223372036854775807n) return constant(T.bigint(false), n);
      if (v.replace(/^0+/, '').length > 38) throw new SqlTypeError(`Numeric literal '${v}' out of range`, e.span);
      return constant(T.decimal(v.replace(/^0+/, '').length, 0, false), Decimal.parse(v));
    }
    const d = Decimal.parse(v);
    const digits = v.replace('.', '').replace(/^0+/, '');
    const scale = v.length - v.indexOf('.') - 1;
    const precision = Math.max(digits.length, scale, 1);
    if (precision > 38) return constant(T.double(false), Number(v));
    return constant(T.decimal(precision, scale, false), d);
  }

  typedLiteral(e: A.TypedLiteral): Node {
    const frac = /\.(\d+)/.exec(e.value)?.[1]?.length ?? 0;
    switch (e.type) {
      case 'DATE': {
        const d = parseDate(e.value);
        if (d === undefined) throw new SqlTypeError(`Illegal DATE literal '${e.value}': not in format 'yyyy-MM-dd'`, e.span);
        return constant(T.date(false), d);
      }
      case 'TIME': {
        const t = parseTime(e.value);
        if (t === undefined) throw new SqlTypeError(`Illegal TIME literal '${e.value}': not in format 'HH:mm:ss'`, e.span);
        return constant(T.time(frac, false), t);
      }
      case 'TIMESTAMP': case 'TIMESTAMP_LTZ': {
        const t = parseTimestamp(e.value);
        if (t === undefined) throw new SqlTypeError(`Illegal ${e.type} literal '${e.value}': not in format 'yyyy-MM-dd HH:mm:ss'`, e.span);
        if (e.type === 'TIMESTAMP') return constant(T.timestamp(frac, false), t);
        return constant(T.timestampLtz(frac, false), localToInstant(t, this.ctx.timeZone));
      }
    }
  }

  intervalLiteral(e: A.IntervalLiteral): Node {
    const q = e.qualifier;
    const bad = (): never => {
      throw new SqlTypeError(`Illegal interval literal format '${e.value}' for INTERVAL ${q.start}${q.end ? ` TO ${q.end}` : ''}`, e.span);
    };
    let text = e.value.trim();
    let sign = e.negative ? -1 : 1;
    if (text.startsWith('-')) {
      sign = -sign;
      text = text.slice(1);
    } else if (text.startsWith('+')) text = text.slice(1);
    const num = (s: string | undefined): number => {
      if (s === undefined || !/^\d+(\.\d+)?$/.test(s)) return bad();
      return Number(s);
    };
    if (q.start === 'YEAR' || q.start === 'MONTH') {
      if (q.start === 'YEAR' && q.end === 'MONTH') {
        const m = /^(\d+)-(\d+)$/.exec(text) ?? bad();
        return constant(T.intervalYM(false), sign * (num(m[1]) * 12 + num(m[2])));
      }
      return constant(T.intervalYM(false), sign * num(text) * (q.start === 'YEAR' ? 12 : 1));
    }
    const unitMs: Record<string, number> = { DAY: MS_PER_DAY, HOUR: 3_600_000, MINUTE: 60_000, SECOND: 1000 };
    const order = ['DAY', 'HOUR', 'MINUTE', 'SECOND'];
    const from = order.indexOf(q.start);
    const to = q.end ? order.indexOf(q.end) : from;
    if (to < from) bad();
    const parts = text.split(/[ :]/);
    if (parts.length !== to - from + 1) bad();
    let ms = 0;
    parts.forEach((p, i) => {
      const unit = order[from + i]!;
      if (unit !== 'SECOND' && p.includes('.')) bad();
      ms += num(p) * unitMs[unit]!;
    });
    return constant(T.intervalDT(false), sign * Math.round(ms));
  }

  identifier(e: A.Identifier): Node {
    const col = this.scope.resolve(e.parts, e.span);
    const i = col.index;
    let n: Node = { type: col.type, ev: (r) => r[i], isConstant: false, deterministic: true, src: `row[${i}]` };
    for (const f of e.parts.slice(col.consumed)) n = this.fieldAccess(n, f, e);
    return n;
  }

  fieldAccess(target: Node, field: string, e: A.Expr): Node {
    const t = target.type;
    if (t.kind !== 'ROW') throw new SqlTypeError(`Cannot access field '${field}' of a value of type ${typeToString(t)}`, e.span);
    const idx = t.fields!.findIndex((f) => f.name === field);
    if (idx < 0) {
      throw new SqlTypeError(`Unknown field '${field}' in ${typeToString(t)}`, e.span,
        `fields are: ${t.fields!.map((f) => f.name).join(', ')}`);
    }
    const ft = t.fields![idx]!.type;
    const ev = target.ev;
    return this.node(withNullable(ft, ft.nullable || t.nullable), (r) => {
      const row = ev(r) as unknown[] | null;
      return row === null ? null : (row[idx] ?? null);
    }, [target]);
  }

  // ------------------------------------------------------------ operators

  binary(e: A.BinaryExpr): Node {
    const l = this.compile(e.left);
    const r = this.compile(e.right);
    switch (e.op) {
      case 'AND': case 'OR': return this.logical(e, l, r);
      case '=': case '<>': case '!=': case '<': case '>': case '<=': case '>=':
        return this.comparison(e.op === '!=' ? '<>' : e.op, l, r, e);
      case '<=>': return this.distinctNodes(l, r, true, e);
      case '||': return this.concat(l, r, e);
      default: return this.arithmetic(e.op, l, r, e);
    }
  }

  logical(e: A.BinaryExpr, l: Node, r: Node): Node {
    if (!isBoolish(l.type) || !isBoolish(r.type)) throw cannotApply(e.op, [l.type, r.type], e);
    const a = l.ev;
    const b = r.ev;
    const type = T.boolean(l.type.nullable || r.type.nullable);
    const x = this.temp();
    const y = this.temp();
    if (e.op === 'AND') {
      return this.withSrc(this.node(type, (row) => {
        const x = a(row);
        if (x === false) return false;
        const y = b(row);
        if (y === false) return false;
        return x === null || y === null ? null : true;
      }, [l, r]), `((${x} = ${this.srcOf(l)}) === false ? false : (${y} = ${this.srcOf(r)}) === false ? false : ${x} === null || ${y} === null ? null : true)`);
    }
    return this.withSrc(this.node(type, (row) => {
      const x = a(row);
      if (x === true) return true;
      const y = b(row);
      if (y === true) return true;
      return x === null || y === null ? null : false;
    }, [l, r]), `((${x} = ${this.srcOf(l)}) === true ? true : (${y} = ${this.srcOf(r)}) === true ? true : ${x} === null || ${y} === null ? null : false)`);
  }

  /** Brings two operands to a type they can be compared in, or throws Flink's "Cannot apply". */
  comparable(op: string, l: Node, r: Node, e: A.Expr): [Node, Node] {
    const lt = l.type;
    const rt = r.type;
    if (isNullType(lt) || isNullType(rt)) return [l, r];
    if (isNumeric(lt) && isNumeric(rt)) {
      const common = leastRestrictive([lt, rt])!;
      if (common.kind === 'DECIMAL' || isExactNumeric(lt) !== isExactNumeric(rt)) {
        return [this.coerce(l, common), this.coerce(r, common)];
      }
      return [l, r];
    }
    if (isCharacter(lt) && isCharacter(rt)) return [l, r];
    if (isCharacter(lt) && (isDatetime(rt) || rt.kind === 'BOOLEAN')) return [this.coerce(l, withoutTimeAttribute(rt)), r];
    if (isCharacter(rt) && (isDatetime(lt) || lt.kind === 'BOOLEAN')) return [l, this.coerce(r, withoutTimeAttribute(lt))];
    const common = leastRestrictive([lt, rt]);
    if (common && common.kind !== 'NULL' && !(isCharacter(common) && !(isCharacter(lt) && isCharacter(rt)))) {
      return [this.coerce(l, common), this.coerce(r, common)];
    }
    throw cannotApply(op, [lt, rt], e);
  }

  comparison(op: '=' | '<>' | '<' | '>' | '<=' | '>=', l0: Node, r0: Node, e: A.Expr): Node {
    const [l, r] = this.comparable(op, l0, r0, e);
    if (!['=', '<>'].includes(op) && (l.type.kind === 'MAP' || l.type.kind === 'MULTISET')) throw cannotApply(op, [l.type, r.type], e);
    const a = l.ev;
    const b = r.ev;
    const type = T.boolean(l.type.nullable || r.type.nullable);
    const prim = (t: SqlType): boolean => t.kind !== 'DECIMAL' && !isBinary(t) && t.kind !== 'ARRAY' && t.kind !== 'MAP' && t.kind !== 'ROW' && t.kind !== 'MULTISET';
    if (prim(l.type) && prim(r.type)) {
      // Numbers, strings, booleans and temporal values compare with JS operators directly.
      let ev: Evaluator;
      switch (op) {
        case '=': ev = (row) => { const x = a(row); if (x === null) return null; const y = b(row); return y === null ? null : x === y; }; break;
        case '<>': ev = (row) => { const x = a(row); if (x === null) return null; const y = b(row); return y === null ? null : x !== y; }; break;
        case '<': ev = (row) => { const x = a(row) as number; if (x === null) return null; const y = b(row) as number; return y === null ? null : x < y; }; break;
        case '>': ev = (row) => { const x = a(row) as number; if (x === null) return null; const y = b(row) as number; return y === null ? null : x > y; }; break;
        case '<=': ev = (row) => { const x = a(row) as number; if (x === null) return null; const y = b(row) as number; return y === null ? null : x <= y; }; break;
        case '>=': ev = (row) => { const x = a(row) as number; if (x === null) return null; const y = b(row) as number; return y === null ? null : x >= y; }; break;
      }
      const js = op === '=' ? '===' : op === '<>' ? '!==' : op;
      return this.withSrc(this.node(type, ev, [l, r]), this.strictSrc(l, r, (x, y) => `${x} ${js} ${y}`));
    }
    const test: (c: number) => boolean = op === '<' ? (c) => c < 0 : op === '>' ? (c) => c > 0 : op === '<=' ? (c) => c <= 0 : (c) => c >= 0;
    const ev: Evaluator = op === '=' || op === '<>'
      ? (row) => {
        const x = a(row);
        if (x === null) return null;
        const y = b(row);
        if (y === null) return null;
        return valuesEqual(x, y) === (op === '=');
      }
      : (row) => {
        const x = a(row);
        if (x === null) return null;
        const y = b(row);
        if (y === null) return null;
        return test(compareValues(x, y));
      };
    return this.node(type, ev, [l, r]);
  }

  distinct(e: A.IsDistinctFromExpr): Node {
    return this.distinctNodes(this.compile(e.left), this.compile(e.right), e.not, e);
  }

  distinctNodes(l0: Node, r0: Node, notDistinct: boolean, e: A.Expr): Node {
    const [l, r] = this.comparable(notDistinct ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM', l0, r0, e);
    const a = l.ev;
    const b = r.ev;
    return this.node(T.boolean(false), (row) => {
      const x = a(row);
      const y = b(row);
      const same = x === null || y === null ? x === y : valuesEqual(x, y);
      return same === notDistinct;
    }, [l, r]);
  }

  concat(l: Node, r: Node, e: A.Expr): Node {
    const lt = l.type;
    const rt = r.type;
    const bothChar = (isCharacter(lt) || isNullType(lt)) && (isCharacter(rt) || isNullType(rt));
    const bothBin = (isBinary(lt) || isNullType(lt)) && (isBinary(rt) || isNullType(rt));
    if (!bothChar && !bothBin) throw cannotApply('||', [lt, rt], e);
    const len = Math.min(MAX_LENGTH, (lt.precision ?? 0) + (rt.precision ?? 0));
    const nullable = lt.nullable || rt.nullable;
    const a = l.ev;
    const b = r.ev;
    if (bothBin && !bothChar) {
      return this.node(sqlType('VARBINARY', nullable, len), (row) => {
        const x = a(row) as Uint8Array | null;
        if (x === null) return null;
        const y = b(row) as Uint8Array | null;
        if (y === null) return null;
        const out = new Uint8Array(x.length + y.length);
        out.set(x);
        out.set(y, x.length);
        return out;
      }, [l, r]);
    }
    const type = lt.kind === 'CHAR' && rt.kind === 'CHAR' ? T.char(len, nullable) : T.varchar(len, nullable);
    return this.node(type, (row) => {
      const x = a(row);
      if (x === null) return null;
      const y = b(row);
      return y === null ? null : (x as string) + (y as string);
    }, [l, r]);
  }

  arithmetic(op: '+' | '-' | '*' | '/' | '%', l: Node, r: Node, e: A.Expr): Node {
    const lt = l.type;
    const rt = r.type;
    const nullable = lt.nullable || rt.nullable;
    if (isNullType(lt) || isNullType(rt)) {
      const other = isNullType(lt) ? rt : lt;
      if (!isNumeric(other) && !isNullType(other) && !isInterval(other) && !isDatetime(other)) throw cannotApply(op, [lt, rt], e);
      return constant(withNullable(isNullType(other) ? T.int() : withoutTimeAttribute(other), true), null);
    }
    if (isNumeric(lt) && isNumeric(rt)) return this.numericOp(op, l, r, nullable, e);
    if (isDatetime(lt) || isDatetime(rt) || isInterval(lt) || isInterval(rt)) return this.temporalOp(op, l, r, e);
    throw cannotApply(op, [lt, rt], e);
  }

  numericOp(op: '+' | '-' | '*' | '/' | '%', l: Node, r: Node, nullable: boolean, e: A.Expr): Node {
    const lt = l.type;
    const rt = r.type;
    let type: SqlType;
    if (lt.kind === 'DOUBLE' || rt.kind === 'DOUBLE') type = T.double(nullable);
    else if (lt.kind === 'FLOAT' || rt.kind === 'FLOAT') type = lt.kind === 'DECIMAL' || rt.kind === 'DECIMAL' ? T.double(nullable) : T.float(nullable);
    else if (lt.kind === 'DECIMAL' || rt.kind === 'DECIMAL') {
      const a = asDecimalType(lt);
      const b = asDecimalType(rt);
      const f = op === '+' || op === '-' ? decimalAddType : op === '*' ? decimalMulType : op === '/' ? decimalDivType : decimalModType;
      const { precision, scale } = f(a.precision, a.scale, b.precision, b.scale);
      type = T.decimal(precision, scale, nullable);
    } else if (op === '%') type = withNullable(withoutTimeAttribute(rt), nullable);
    else type = withNullable(leastRestrictive([withoutTimeAttribute(lt), withoutTimeAttribute(rt)])!, nullable);

    if (type.kind === 'DECIMAL') return this.decimalOp(op, l, r, type);
    if (type.kind === 'DOUBLE' || type.kind === 'FLOAT') {
      const lc = this.coerce(l, type);
      const rc = this.coerce(r, type);
      const a = lc.ev;
      const b = rc.ev;
      const fr = type.kind === 'FLOAT' ? Math.fround : undefined;
      let f: (x: number, y: number) => number;
      switch (op) {
        case '+': f = (x, y) => x + y; break;
        case '-': f = (x, y) => x - y; break;
        case '*': f = (x, y) => x * y; break;
        case '/': f = (x, y) => x / y; break;
        case '%': f = (x, y) => x % y; break;
      }
      const n = this.node(type, fr
        ? (row) => { const x = a(row); if (x === null) return null; const y = b(row); return y === null ? null : fr(f(x as number, y as number)); }
        : (row) => { const x = a(row); if (x === null) return null; const y = b(row); return y === null ? null : f(x as number, y as number); },
      [l, r]);
      return fr ? n : this.withSrc(n, this.strictSrc(lc, rc, (x, y) => `${x} ${op} ${y}`));
    }
    // Integer arithmetic: operands are plain numbers; wrap like Java at the result width.
    const a = l.ev;
    const b = r.ev;
    const kind = type.kind;
    let ev: Evaluator;
    const big = kind === 'BIGINT';
    switch (op) {
      case '+': ev = big ? (row) => { const x = a(row); if (x === null) return null; const y = b(row); return y === null ? null : (x as number) + (y as number); }
        : (row) => { const x = a(row); if (x === null) return null; const y = b(row); return y === null ? null : wrapInteger((x as number) + (y as number), kind); }; break;
      case '-': ev = big ? (row) => { const x = a(row); if (x === null) return null; const y = b(row); return y === null ? null : (x as number) - (y as number); }
        : (row) => { const x = a(row); if (x === null) return null; const y = b(row); return y === null ? null : wrapInteger((x as number) - (y as number), kind); }; break;
      case '*': ev = big ? (row) => { const x = a(row); if (x === null) return null; const y = b(row); return y === null ? null : (x as number) * (y as number); }
        : (row) => { const x = a(row); if (x === null) return null; const y = b(row); return y === null ? null : wrapInteger(Math.imul(x as number, y as number), kind); }; break;
      case '/': ev = (row) => {
        const x = a(row); if (x === null) return null;
        const y = b(row); if (y === null) return null;
        if (y === 0) throw new SqlRuntimeError(`Division by zero in '${unparse(e)}'`, 'guard the divisor, e.g. NULLIF(divisor, 0)');
        const q = Math.trunc((x as number) / (y as number));
        return big ? q : wrapInteger(q, kind);
      }; break;
      case '%': ev = (row) => {
        const x = a(row); if (x === null) return null;
        const y = b(row); if (y === null) return null;
        if (y === 0) throw new SqlRuntimeError(`Division by zero in '${unparse(e)}'`, 'guard the divisor, e.g. NULLIF(divisor, 0)');
        return (x as number) % (y as number);
      }; break;
    }
    const n = this.node(type, ev, [l, r]);
    return big && (op === '+' || op === '-' || op === '*') ? this.withSrc(n, this.strictSrc(l, r, (x, y) => `${x} ${op} ${y}`)) : n;
  }

  decimalOp(op: '+' | '-' | '*' | '/' | '%', l: Node, r: Node, type: SqlType): Node {
    const toDec = (n: Node): Evaluator => {
      if (n.type.kind === 'DECIMAL') return n.ev;
      const ev = n.ev;
      return (row) => { const v = ev(row); return v === null ? null : Decimal.fromInteger(v as number); };
    };
    const a = toDec(l);
    const b = toDec(r);
    const p = type.precision!;
    const s = type.scale!;
    const limit = 10n ** BigInt(p);
    const fit = (d: Decimal): Decimal | null => {
      const u = d.unscaled;
      return (u < 0n ? -u : u) < limit ? d : null;
    };
    let f: (x: Decimal, y: Decimal) => Decimal | null;
    switch (op) {
      case '+': f = (x, y) => fit(x.add(y).setScale(s)); break;
      case '-': f = (x, y) => fit(x.subtract(y).setScale(s)); break;
      case '*': f = (x, y) => fit(x.multiply(y).setScale(s)); break;
      case '/': f = (x, y) => {
        if (y.signum() === 0) throw new SqlRuntimeError('Division by zero', 'guard the divisor, e.g. NULLIF(divisor, 0)');
        return fit(x.divide(y, s));
      }; break;
      case '%': f = (x, y) => {
        if (y.signum() === 0) throw new SqlRuntimeError('Division by zero', 'guard the divisor, e.g. NULLIF(divisor, 0)');
        return fit(x.remainder(y).setScale(s));
      }; break;
    }
    return this.node(type, (row) => {
      const x = a(row) as Decimal | null;
      if (x === null) return null;
      const y = b(row) as Decimal | null;
      return y === null ? null : f(x, y);
    }, [l, r]);
  }

  temporalOp(op: '+' | '-' | '*' | '/' | '%', l: Node, r: Node, e: A.Expr): Node {
    const lt = l.type;
    const rt = r.type;
    const nullable = lt.nullable || rt.nullable;
    const tz = this.ctx.timeZone;
    const bin = (type: SqlType, f: (x: any, y: any) => unknown, a: Evaluator = l.ev, b: Evaluator = r.ev): Node =>
      this.node(type, (row) => {
        const x = a(row);
        if (x === null) return null;
        const y = b(row);
        return y === null ? null : f(x, y);
      }, [l, r]);
    // Interval (op) interval.
    if (isInterval(lt) && lt.kind === rt.kind && (op === '+' || op === '-')) {
      return bin(withNullable(lt, nullable), op === '+' ? (x: number, y: number) => x + y : (x: number, y: number) => x - y);
    }
    // Interval * number, number * interval, interval / number.
    if (isInterval(lt) && isNumeric(rt) && (op === '*' || op === '/')) {
      const nb = this.coerce(r, T.double(rt.nullable)).ev;
      return bin(withNullable(lt, nullable), op === '*' ? (x: number, y: number) => Math.round(x * y) : (x: number, y: number) => Math.round(x / y), l.ev, nb);
    }
    if (isNumeric(lt) && isInterval(rt) && op === '*') {
      const na = this.coerce(l, T.double(lt.nullable)).ev;
      return bin(withNullable(rt, nullable), (x: number, y: number) => Math.round(x * y), na, r.ev);
    }
    // Datetime +/- interval (and interval + datetime).
    let dt: Node | undefined;
    let iv: Node | undefined;
    if (isDatetime(lt) && isInterval(rt) && (op === '+' || op === '-')) { dt = l; iv = r; }
    else if (isInterval(lt) && isDatetime(rt) && op === '+') { dt = r; iv = l; }
    if (dt && iv) {
      const sign = op === '-' ? -1 : 1;
      const type = withNullable(withoutTimeAttribute(dt.type), nullable);
      const dtEv = dt.ev;
      const ivEv = iv.ev;
      let f: (x: number, y: number) => number;
      const months = iv.type.kind === 'INTERVAL_YM';
      switch (dt.type.kind) {
        case 'DATE':
          f = months ? (d, m) => addMonthsDays(d, sign * m) : (d, ms) => d + Math.trunc((sign * ms) / MS_PER_DAY);
          break;
        case 'TIME':
          if (months) throw cannotApply(op, [lt, rt], e);
          f = (t, ms) => msOfDay(t + sign * ms);
          break;
        case 'TIMESTAMP':
          f = months ? (t, m) => addMonthsLocal(t, sign * m) : (t, ms) => t + sign * ms;
          break;
        default: // TIMESTAMP_LTZ
          f = months ? (t, m) => localToInstant(addMonthsLocal(instantToLocal(t, tz), sign * m), tz) : (t, ms) => t + sign * ms;
      }
      return this.node(type, (row) => {
        const x = dtEv(row);
        if (x === null) return null;
        const y = ivEv(row);
        return y === null ? null : f(x as number, y as number);
      }, [l, r]);
    }
    throw cannotApply(op, [lt, rt], e);
  }

  unary(e: A.UnaryExpr): Node {
    const o = this.compile(e.operand);
    const t = o.type;
    const ev = o.ev;
    if (e.op === 'NOT') {
      if (!isBoolish(t)) throw cannotApply('NOT', [t], e);
      return this.node(T.boolean(t.nullable), (r) => { const v = ev(r); return v === null ? null : !v; }, [o]);
    }
    if (!isNumeric(t) && !isInterval(t) && !isNullType(t)) throw cannotApply(e.op, [t], e);
    if (e.op === '+') return o;
    const type = withoutTimeAttribute(t);
    if (t.kind === 'DECIMAL') return this.node(type, (r) => { const v = ev(r) as Decimal | null; return v === null ? null : v.negate(); }, [o]);
    if (isIntegerKind(t.kind) && t.kind !== 'BIGINT') {
      const k = t.kind;
      return this.node(type, (r) => { const v = ev(r); return v === null ? null : wrapInteger(-(v as number), k); }, [o]);
    }
    if (t.kind === 'BIGINT') return this.node(type, (r) => { const v = ev(r); return v === null ? null : -(v as number) + 0; }, [o]);
    return this.node(type, (r) => { const v = ev(r); return v === null ? null : -(v as number); }, [o]);
  }

  isExpr(e: A.IsExpr): Node {
    const o = this.compile(e.operand);
    const ev = o.ev;
    const not = e.not;
    if (e.test === 'NULL') return this.node(T.boolean(false), (r) => (ev(r) === null) !== not, [o]);
    if (!isBoolish(o.type)) throw cannotApply(`IS ${not ? 'NOT ' : ''}${e.test}`, [o.type], e);
    const want = e.test === 'TRUE' ? true : e.test === 'FALSE' ? false : null;
    return this.node(T.boolean(false), (r) => (ev(r) === want) !== not, [o]);
  }

  between(e: A.BetweenExpr): Node {
    const x = this.compile(e.operand);
    const lo = this.compile(e.low);
    const hi = this.compile(e.high);
    const common = leastRestrictive([x.type, lo.type, hi.type]);
    const name = `${e.not ? 'NOT ' : ''}BETWEEN${e.symmetric ? ' SYMMETRIC' : ''}`;
    if (!common) throw cannotApply(name, [x.type, lo.type, hi.type], e);
    const [cx, clo] = this.comparable(name, x, lo, e);
    const [cx2, chi] = this.comparable(name, x, hi, e);
    const a = cx.ev;
    const a2 = cx2.ev;
    const l = clo.ev;
    const h = chi.ev;
    const not = e.not;
    const symmetric = e.symmetric;
    const cmp = (p: unknown, q: unknown): number => (typeof p === 'number' && typeof q === 'number' ? p - q : compareValues(p, q));
    // Three-valued: ge AND le, each NULL when an operand is NULL.
    const type = T.boolean(x.type.nullable || lo.type.nullable || hi.type.nullable);
    return this.node(type, (row) => {
      const v = a(row);
      const v2 = a2(row);
      const p = l(row);
      const q = h(row);
      const test = (low: unknown, high: unknown, vv: unknown, vv2: unknown): boolean | null => {
        const ge = vv === null || low === null ? null : cmp(vv, low) >= 0;
        const le = vv2 === null || high === null ? null : cmp(vv2, high) <= 0;
        if (ge === false || le === false) return false;
        return ge === null || le === null ? null : true;
      };
      let res = test(p, q, v, v2);
      if (symmetric && res !== true) {
        const other = test(q, p, v, v2);
        res = other === true ? true : res === null || other === null ? null : false;
      }
      return res === null ? null : res !== not;
    }, [x, lo, hi]);
  }

  inList(e: A.InListExpr): Node {
    const x = this.compile(e.operand);
    const vals = e.values.map((v) => this.compile(v));
    const all = [x.type, ...vals.map((v) => v.type)];
    const common = leastRestrictive(all);
    if (!common || (!isCharacter(common) && all.some((t) => isCharacter(t)) && all.some((t) => !isCharacter(t) && !isNullType(t)))) {
      throw new SqlTypeError(`Values passed to ${e.not ? 'NOT IN' : 'IN'} operator must have compatible types: ${all.map(bare).join(', ')}`, e.span);
    }
    const target = isCharacter(common) ? undefined : common;
    const cx = target && !isNullType(target) ? this.coerce(x, target) : x;
    const cvals = vals.map((v) => (target && !isNullType(target) ? this.coerce(v, target) : v));
    const a = cx.ev;
    const not = e.not;
    const nullable = all.some((t) => t.nullable);
    if (cvals.every((v) => v.isConstant)) {
      const consts = cvals.map((v) => v.ev([]));
      const hasNull = consts.includes(null);
      const direct = common.kind !== 'DECIMAL' && !isBinary(common) && common.kind !== 'ARRAY' && common.kind !== 'ROW' && common.kind !== 'MAP';
      const keys = new Set(consts.filter((v) => v !== null).map((v) => (direct ? v : valueKey(v))));
      return this.node(T.boolean(nullable), (row) => {
        const v = a(row);
        if (v === null) return null;
        if (keys.has(direct ? (v as number) : valueKey(v))) return !not;
        return hasNull ? null : not;
      }, [cx, ...cvals]);
    }
    const evs = cvals.map((v) => v.ev);
    return this.node(T.boolean(nullable), (row) => {
      const v = a(row);
      if (v === null) return null;
      let sawNull = false;
      for (const f of evs) {
        const w = f(row);
        if (w === null) sawNull = true;
        else if (v === w || valuesEqual(v, w)) return !not;
      }
      return sawNull ? null : not;
    }, [cx, ...cvals]);
  }

  like(e: A.LikeExpr): Node {
    const s = this.compile(e.operand);
    const p = this.compile(e.pattern);
    const esc = e.escape ? this.compile(e.escape) : undefined;
    const types = [s.type, p.type, ...(esc ? [esc.type] : [])];
    if (!types.every((t) => isCharacter(t) || isNullType(t))) throw cannotApply(e.op, types, e);
    const toRegex = e.op === 'LIKE' ? likeToRegex : similarToRegex;
    const a = s.ev;
    const pe = p.ev;
    const ee = esc?.ev;
    const not = e.not;
    const nullable = types.some((t) => t.nullable);
    let lastPattern: string | undefined;
    let lastEscape: string | undefined;
    let lastRegex: RegExp | undefined;
    const regexFor = (pat: string, escape: string | undefined): RegExp => {
      if (pat !== lastPattern || escape !== lastEscape || !lastRegex) {
        lastRegex = toRegex(pat, escape);
        lastPattern = pat;
        lastEscape = escape;
      }
      return lastRegex;
    };
    if (p.isConstant && (!esc || esc.isConstant)) {
      const pat = pe([]);
      const escape = ee ? ee([]) : undefined;
      if (pat === null || escape === null) return constant(T.boolean(true), null);
      try {
        regexFor(pat as string, escape as string | undefined);
      } catch (err) {
        throw new SqlTypeError((err as Error).message, e.pattern.span);
      }
      const fast = e.op === 'LIKE' && escape === undefined ? simpleLike(pat as string) : undefined;
      if (fast) return this.node(T.boolean(nullable), (row) => { const v = a(row); return v === null ? null : fast(v as string) !== not; }, [s, p]);
    }
    return this.node(T.boolean(nullable), (row) => {
      const v = a(row);
      if (v === null) return null;
      const pat = pe(row);
      if (pat === null) return null;
      const escape = ee ? ee(row) : undefined;
      if (escape === null) return null;
      return regexFor(pat as string, escape as string | undefined).test(v as string) !== not;
    }, [s, p, ...(esc ? [esc] : [])]);
  }

  caseExpr(e: A.CaseExpr): Node {
    const operand = e.operand ? this.compile(e.operand) : undefined;
    const conds: Node[] = [];
    for (const w of e.whens) {
      const c = this.compile(w.when);
      if (operand) conds.push(this.comparison('=', operand, c, w.when));
      else {
        if (!isBoolish(c.type)) throw new SqlTypeError(`Expected a boolean type for a CASE WHEN condition but found ${typeToString(c.type)}`, w.when.span);
        conds.push(c);
      }
    }
    const thens = e.whens.map((w) => this.compile(w.then));
    const elseN = e.else ? this.compile(e.else) : constant(T.null(), null);
    const all = [...thens, elseN];
    const common = leastRestrictive(all.map((n) => n.type));
    if (!common) {
      throw new SqlTypeError(`Illegal mixing of types in CASE or COALESCE statement: ${all.map((n) => bare(n.type)).join(', ')}`, e.span);
    }
    const results = all.map((n) => this.coerce(n, common).ev);
    const cevs = conds.map((c) => c.ev);
    const n = cevs.length;
    const elseEv = results[n]!;
    const type = isNullType(common) ? common : withNullable(common, all.some((x) => x.type.nullable));
    if (n === 1) {
      const c0 = cevs[0]!;
      const r0 = results[0]!;
      return this.node(type, (row) => (c0(row) === true ? r0(row) : elseEv(row)), [...conds, ...all]);
    }
    return this.node(type, (row) => {
      for (let i = 0; i < n; i++) if (cevs[i]!(row) === true) return results[i]!(row);
      return elseEv(row);
    }, [...conds, ...all]);
  }

  cast(e: A.CastExpr): Node {
    const o = this.compile(e.expr);
    const to = fromDataType(e.type);
    const problem = castProblem(o.type, to);
    if (problem) {
      throw new SqlTypeError(`Cast function cannot convert value of type ${typeToString(o.type)} to type ${typeToString(to)}`, e.span);
    }
    const f = castFn(o.type, to, this.ctx);
    const ev = o.ev;
    // A DECIMAL that overflows its precision becomes NULL, so such casts are nullable.
    const type = withNullable(to, e.try || o.type.nullable || castMayOverflow(o.type, to));
    if (e.try) {
      return this.node(type, (r) => {
        const v = ev(r);
        if (v === null) return null;
        try {
          return f(v);
        } catch (err) {
          if (err instanceof SqlRuntimeError) return null;
          throw err;
        }
      }, [o]);
    }
    return this.node(type, (r) => { const v = ev(r); return v === null ? null : f(v); }, [o]);
  }

  // ------------------------------------------------------------ calls

  call(e: A.FunctionCall): Node {
    const name = e.name[e.name.length - 1]!.toUpperCase();
    if (e.over !== undefined) throw new SqlTypeError(`OVER windows must be planned before compiling '${name}'`, e.span, 'this is a planner bug if you see it');
    const kind = this.catalog.kind(name);
    if (kind === 'aggregate') {
      throw new SqlTypeError(`Aggregate function '${name}' is not allowed here`, e.span,
        'aggregates belong in SELECT or HAVING of a grouped query, or in an OVER window');
    }
    if (kind === 'table') throw new SqlTypeError(`Table function '${name}' can only be called in FROM: LATERAL TABLE(${name}(...))`, e.span);
    if (e.distinct) throw new SqlTypeError(`DISTINCT is only allowed in aggregate functions, not in '${name}'`, e.span);
    if (e.filter) throw new SqlTypeError(`FILTER is only allowed in aggregate functions, not in '${name}'`, e.span);
    switch (name) {
      case 'COALESCE': return this.coalesce(e);
      case 'IFNULL': return this.coalesce(e, 2);
      case 'NULLIF': return this.nullif(e);
      case 'IF': return this.ifFn(e);
      case 'JSON_VALUE': return this.jsonValue(e);
      case 'JSON_QUERY': return this.jsonQuery(e);
      case 'JSON_EXISTS': return this.jsonExists(e);
      case 'JSON_OBJECT': case 'JSON_ARRAY': return this.jsonConstruct(e, name);
      case 'TIMESTAMPADD': case 'TIMESTAMPDIFF': {
        const unit = e.args[0];
        const args = e.args.slice(1).map((a) => this.compile(a));
        if (unit?.kind !== 'Identifier' || unit.parts.length !== 1) {
          throw new SqlTypeError(`${name} expects a time unit as its first argument, e.g. ${name}(SECOND, ...)`, e.span);
        }
        return this.callNamed(name, e, [constant(T.string(false), unit.parts[0]!.toUpperCase()), ...args]);
      }
      default: break;
    }
    for (const a of e.args) if (a.kind === 'Star') throw new SqlTypeError(`'*' is not allowed as an argument of '${name}'`, a.span);
    return this.callNamed(name, e, e.args.map((a) => this.compile(a)));
  }

  callNamed(name: string, e: A.Expr, args: Node[]): Node {
    const f = this.catalog.scalar(name);
    if (!f) {
      throw new SqlTypeError(`No match found for function signature ${name}(${args.map((a) => bare(a.type)).join(', ')})`, e.span);
    }
    if (args.length < f.minArgs || args.length > f.maxArgs) {
      const want = f.minArgs === f.maxArgs ? `${f.minArgs}` : f.maxArgs === Infinity ? `at least ${f.minArgs}` : `${f.minArgs} to ${f.maxArgs}`;
      throw new SqlTypeError(`Invalid number of arguments to function '${name}'. Was expecting ${want} arguments`, e.span,
        f.signature ? `write ${f.signature}` : undefined);
    }
    const info = (ns: Node[]): ArgInfo[] => ns.map((a) => (a.isConstant ? { type: a.type, isConstant: true, value: a.ev([]) } : { type: a.type, isConstant: false }));
    let infos = info(args);
    let type: SqlType;
    try {
      type = f.inferType(infos);
    } catch (err) {
      if (err instanceof SqlTypeError && err.span === undefined) throw new SqlTypeError(err.message, e.span, err.hint);
      throw err;
    }
    const targets = f.castArgs?.(infos, type);
    if (targets) {
      args = args.map((a, i) => {
        const to = targets[i];
        if (!to || a.type.kind === to.kind && a.type.precision === to.precision && a.type.scale === to.scale) return a;
        if (!canImplicitlyCast(a.type, to)) {
          throw new SqlTypeError(`Cannot apply '${name}' to arguments of type '${name}(${args.map((x) => bare(x.type)).join(', ')})'`, e.span);
        }
        return this.coerce(a, to);
      });
      infos = info(args);
    }
    let impl: ScalarImpl;
    try {
      impl = f.create(infos, type, this.ctx);
    } catch (err) {
      if (err instanceof SqlTypeError && err.span === undefined) throw new SqlTypeError(err.message, e.span, err.hint);
      throw err;
    }
    const strict = f.strict ?? true;
    const evs = args.map((a) => a.ev);
    let ev: Evaluator;
    switch (evs.length) {
      case 0: ev = () => impl() ?? null; break;
      case 1: {
        const a0 = evs[0]!;
        ev = strict ? (r) => { const x = a0(r); return x === null ? null : (impl(x) ?? null); } : (r) => impl(a0(r)) ?? null;
        break;
      }
      case 2: {
        const a0 = evs[0]!;
        const a1 = evs[1]!;
        ev = strict
          ? (r) => { const x = a0(r); if (x === null) return null; const y = a1(r); return y === null ? null : (impl(x, y) ?? null); }
          : (r) => impl(a0(r), a1(r)) ?? null;
        break;
      }
      case 3: {
        const a0 = evs[0]!;
        const a1 = evs[1]!;
        const a2 = evs[2]!;
        ev = strict
          ? (r) => {
            const x = a0(r); if (x === null) return null;
            const y = a1(r); if (y === null) return null;
            const z = a2(r); return z === null ? null : (impl(x, y, z) ?? null);
          }
          : (r) => impl(a0(r), a1(r), a2(r)) ?? null;
        break;
      }
      default: {
        const n = evs.length;
        ev = (r) => {
          const vals = new Array<unknown>(n);
          for (let i = 0; i < n; i++) {
            const v = evs[i]!(r);
            if (strict && v === null) return null;
            vals[i] = v;
          }
          return impl(...vals) ?? null;
        };
      }
    }
    const nullable = type.nullable || (strict && args.some((a) => a.type.nullable));
    const n = this.node(withNullable(type, nullable), ev, args, f.deterministic ?? true);
    return evs.length >= 1 && evs.length <= 3 ? this.withSrc(n, this.callSrc(impl, args, strict)) : n;
  }

  /**
   * A scalar function call as source: the arguments inline, the implementation called directly, NULL
   * arguments short-circuiting as in the closure above when the function is strict.
   */
  callSrc(impl: ScalarImpl, args: readonly Node[], strict: boolean): string {
    this.captures.push(impl);
    // `(0, $[k])(…)` calls it without a receiver, as the closure does (not with `$` as `this`).
    const fn = `(0, $[${this.captures.length - 1}])`;
    if (!strict) return `(${fn}(${args.map((a) => this.srcOf(a)).join(', ')}) ?? null)`;
    const temps = args.map(() => this.temp());
    const checks = args.map((a, i) => `(${temps[i]!} = ${this.srcOf(a)}) === null ? null : `).join('');
    return `(${checks}(${fn}(${temps.join(', ')}) ?? null))`;
  }

  coalesce(e: A.FunctionCall, exactly?: number): Node {
    const name = e.name[e.name.length - 1]!.toUpperCase();
    if (exactly !== undefined ? e.args.length !== exactly : e.args.length < 1) {
      throw new SqlTypeError(`Invalid number of arguments to function '${name}'. Was expecting ${exactly ?? 'at least 1'} arguments`, e.span);
    }
    const args = e.args.map((a) => this.compile(a));
    const common = leastRestrictive(args.map((a) => a.type));
    if (!common) throw new SqlTypeError(`Illegal mixing of types in CASE or COALESCE statement: ${args.map((a) => bare(a.type)).join(', ')}`, e.span);
    const evs = args.map((a) => this.coerce(a, common).ev);
    const type = isNullType(common) ? common : withNullable(common, args.every((a) => a.type.nullable));
    const n = evs.length;
    return this.node(type, (row) => {
      for (let i = 0; i < n; i++) {
        const v = evs[i]!(row);
        if (v !== null) return v;
      }
      return null;
    }, args);
  }

  nullif(e: A.FunctionCall): Node {
    if (e.args.length !== 2) throw new SqlTypeError("Invalid number of arguments to function 'NULLIF'. Was expecting 2 arguments", e.span);
    const a = this.compile(e.args[0]!);
    const b = this.compile(e.args[1]!);
    const [ca, cb] = this.comparable('NULLIF', a, b, e);
    const x = a.ev;
    const p = ca.ev;
    const q = cb.ev;
    return this.node(withNullable(a.type, true), (row) => {
      const v = p(row);
      if (v === null) return null;
      const w = q(row);
      return w !== null && valuesEqual(v, w) ? null : x(row);
    }, [a, b]);
  }

  ifFn(e: A.FunctionCall): Node {
    if (e.args.length !== 3) throw new SqlTypeError("Invalid number of arguments to function 'IF'. Was expecting 3 arguments", e.span);
    const c = this.compile(e.args[0]!);
    if (!isBoolish(c.type)) throw new SqlTypeError(`The first argument of IF must be BOOLEAN but was ${typeToString(c.type)}`, e.args[0]!.span);
    const t = this.compile(e.args[1]!);
    const f = this.compile(e.args[2]!);
    const common = leastRestrictive([t.type, f.type]);
    if (!common) throw cannotApply('IF', [c.type, t.type, f.type], e);
    const ce = c.ev;
    const te = this.coerce(t, common).ev;
    const fe = this.coerce(f, common).ev;
    return this.node(common, (row) => (ce(row) === true ? te(row) : fe(row)), [c, t, f]);
  }

  builtinValue(e: A.BuiltinValue): Node {
    const ctx = this.ctx;
    const tz = ctx.timeZone;
    switch (e.name) {
      case 'CURRENT_TIMESTAMP': return this.node(T.timestampLtz(3, false), () => ctx.now(), [], false);
      case 'LOCALTIMESTAMP': return this.node(T.timestamp(3, false), () => instantToLocal(ctx.now(), tz), [], false);
      case 'CURRENT_DATE': return this.node(T.date(false), () => dayOf(instantToLocal(ctx.now(), tz)), [], false);
      case 'CURRENT_TIME': case 'LOCALTIME': return this.node(T.time(0, false), () => Math.floor(msOfDay(instantToLocal(ctx.now(), tz)) / 1000) * 1000, [], false);
      default: throw new SqlTypeError(`Unknown built-in value ${e.name}`, e.span);
    }
  }

  extract(e: A.ExtractExpr): Node {
    const unit = e.unit === 'DAYOFWEEK' ? 'DOW' : e.unit === 'DAYOFYEAR' ? 'DOY' : e.unit === 'DAYOFMONTH' ? 'DAY' : e.unit;
    if (!EXTRACT_UNITS.has(unit)) throw new SqlTypeError(`'${e.unit}' is not a valid time frame`, e.span);
    const src = this.compile(e.source);
    const t = src.type;
    const ev = src.ev;
    const type = T.bigint(t.nullable);
    if (t.kind === 'INTERVAL_YM') {
      if (unit !== 'YEAR' && unit !== 'MONTH') throw cannotApply('EXTRACT', [t], e);
      return this.node(type, (r) => { const v = ev(r) as number | null; return v === null ? null : unit === 'YEAR' ? Math.trunc(v / 12) : v % 12; }, [src]);
    }
    if (t.kind === 'INTERVAL_DT') {
      const div: Record<string, [number, number]> = { DAY: [MS_PER_DAY, Infinity], HOUR: [3_600_000, 24], MINUTE: [60_000, 60], SECOND: [1000, 60], MILLISECOND: [1, 60_000] };
      const d = div[unit];
      if (!d) throw cannotApply('EXTRACT', [t], e);
      return this.node(type, (r) => { const v = ev(r) as number | null; return v === null ? null : Math.trunc(v / d[0]) % d[1]; }, [src]);
    }
    if (!isDatetime(t) && !isNullType(t)) throw cannotApply('EXTRACT', [t], e);
    if (t.kind === 'TIME' && !['HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND', 'NANOSECOND'].includes(unit)) throw cannotApply('EXTRACT', [t], e);
    if (t.kind === 'DATE' && ['HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND', 'NANOSECOND'].includes(unit)) throw cannotApply('EXTRACT', [t], e);
    const tz = this.ctx.timeZone;
    return this.node(type, (r) => {
      const v = ev(r) as number | null;
      return v === null ? null : extractLocal(unit, toLocalMs(v, t, tz));
    }, [src]);
  }

  floorCeil(e: A.FloorCeilExpr): Node {
    const src = this.compile(e.source);
    const t = src.type;
    if (!isDatetime(t) || t.kind === 'TIME') throw cannotApply(`${e.fn} TO ${e.unit}`, [t], e);
    const unit = e.unit.toUpperCase();
    const units = ['MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR', 'DECADE', 'CENTURY', 'MILLENNIUM'];
    if (!units.includes(unit)) throw new SqlTypeError(`'${e.unit}' is not a valid time frame for ${e.fn}`, e.span);
    const f = e.fn === 'FLOOR' ? floorLocal : ceilLocal;
    const tz = this.ctx.timeZone;
    const ev = src.ev;
    const type = withoutTimeAttribute(t);
    return this.node(type, (r) => {
      const v = ev(r) as number | null;
      return v === null ? null : fromLocalMs(f(unit, toLocalMs(v, t, tz)), t, tz);
    }, [src]);
  }

  // ------------------------------------------------------------ SQL/JSON

  jsonArgs(e: A.FunctionCall, min: number, max: number): Node[] {
    const name = e.name[e.name.length - 1]!.toUpperCase();
    if (e.args.length < min || e.args.length > max) {
      throw new SqlTypeError(`Invalid number of arguments to function '${name}'. Was expecting ${min === max ? min : `${min} to ${max}`} arguments`, e.span);
    }
    const args = e.args.map((a) => this.compile(a));
    for (const a of args.slice(0, 2)) {
      if (!isCharacter(a.type) && !isNullType(a.type)) throw new SqlTypeError(`Cannot apply '${name}' to arguments of type '${name}(${args.map((x) => bare(x.type)).join(', ')})'`, e.span);
    }
    return args;
  }

  jsonPath(e: A.FunctionCall, path: Node): (p: string) => JsonPath {
    const name = e.name[e.name.length - 1]!.toUpperCase();
    if (path.isConstant) {
      const text = path.ev([]);
      if (typeof text === 'string') {
        try {
          const parsed = parseJsonPath(text);
          return () => parsed;
        } catch (err) {
          throw new SqlTypeError(`${name}: ${(err as Error).message}`, e.args[1]!.span);
        }
      }
    }
    return (p) => parseJsonPath(p);
  }

  /** Evaluates an ON EMPTY / ON ERROR behaviour: NULL, a DEFAULT value, or an error. */
  jsonBehavior(b: A.JsonBehavior | undefined, type: SqlType, what: string, fallback: 'NULL' | 'FALSE' = 'NULL'): Evaluator {
    const kind = b?.kind ?? fallback;
    switch (kind) {
      case 'NULL': case 'UNKNOWN': return () => null;
      case 'TRUE': return () => true;
      case 'FALSE': return () => false;
      case 'EMPTY ARRAY': return () => '[]';
      case 'EMPTY OBJECT': return () => '{}';
      case 'ERROR': return () => { throw new SqlRuntimeError(what); };
      case 'DEFAULT': return this.coerce(this.compile(b!.default!), type).ev;
    }
  }

  jsonValue(e: A.FunctionCall): Node {
    const [doc, path] = this.jsonArgs(e, 2, 2) as [Node, Node];
    const returning = e.json?.returning ? withNullable(fromDataType(e.json.returning), true) : T.string();
    const toResult = isCharacter(returning) ? (s: string) => s : castFn(T.string(false), returning, this.ctx);
    const pathOf = this.jsonPath(e, path);
    const onEmpty = this.jsonBehavior(e.json?.onEmpty, returning, 'JSON_VALUE: the path selects nothing');
    const onError = this.jsonBehavior(e.json?.onError, returning, 'JSON_VALUE: the input is not JSON or the path does not select a scalar');
    const de = doc.ev;
    const pe = path.ev;
    return this.node(returning, (row) => {
      const text = de(row);
      const p = pe(row);
      if (text === null || p === null) return null;
      const jp = pathOf(p as string);
      const hit = jsonLookup(text as string, jp);
      if (hit.kind === 'error') return onError(row);
      if (hit.kind === 'empty') return onEmpty(row);
      const v = hit.value;
      // Calcite: a non-scalar is "empty" in lax mode and an error in strict mode
      if (typeof v === 'object') return jp.strict ? onError(row) : onEmpty(row);
      try {
        return toResult(String(v));
      } catch (err) {
        if (err instanceof SqlRuntimeError) return onError(row);
        throw err;
      }
    }, [doc, path]);
  }

  jsonQuery(e: A.FunctionCall): Node {
    const [doc, path] = this.jsonArgs(e, 2, 2) as [Node, Node];
    const type = T.string();
    const wrapper = e.json?.wrapper ?? 'WITHOUT';
    const pathOf = this.jsonPath(e, path);
    const onEmpty = this.jsonBehavior(e.json?.onEmpty, type, 'JSON_QUERY: the path selects nothing');
    const onError = this.jsonBehavior(e.json?.onError, type, 'JSON_QUERY: the input is not JSON or the result is not an array or object');
    const de = doc.ev;
    const pe = path.ev;
    return this.node(type, (row) => {
      const text = de(row);
      const p = pe(row);
      if (text === null || p === null) return null;
      const jp = pathOf(p as string);
      const hit = jsonLookup(text as string, jp);
      if (hit.kind === 'error') return onError(row);
      if (hit.kind === 'empty') return onEmpty(row);
      const v = hit.value;
      const structured = v !== null && typeof v === 'object';
      if (wrapper === 'UNCONDITIONAL' || (wrapper === 'CONDITIONAL' && !structured)) return JSON.stringify(hit.many ? v : [v]);
      // Calcite: a scalar without a wrapper is "empty" in lax mode and an error in strict mode
      if (!structured) return jp.strict ? onError(row) : onEmpty(row);
      return JSON.stringify(v);
    }, [doc, path]);
  }

  jsonExists(e: A.FunctionCall): Node {
    const [doc, path] = this.jsonArgs(e, 2, 2) as [Node, Node];
    const pathOf = this.jsonPath(e, path);
    const onError = this.jsonBehavior(e.json?.onError, T.boolean(), 'JSON_EXISTS: the input is not JSON', 'FALSE');
    const de = doc.ev;
    const pe = path.ev;
    return this.node(T.boolean(doc.type.nullable || path.type.nullable), (row) => {
      const text = de(row);
      const p = pe(row);
      if (text === null || p === null) return null;
      const hit = jsonLookup(text as string, pathOf(p as string));
      return hit.kind === 'error' ? onError(row) : hit.kind === 'value';
    }, [doc, path]);
  }

  /** JSON_OBJECT / JSON_ARRAY: values from nested JSON_* constructors are embedded as JSON, not as strings. */
  jsonConstruct(e: A.FunctionCall, name: string): Node {
    const args = e.args.map((a) => this.compile(a));
    const raw = e.args.map((a) => a.kind === 'FunctionCall' && ['JSON_OBJECT', 'JSON_ARRAY', 'JSON_QUERY'].includes(a.name[a.name.length - 1]!.toUpperCase()));
    const evs = args.map((a) => a.ev);
    const types = args.map((a) => a.type);
    const value = (i: number, v: unknown): unknown => (raw[i] ? JSON.parse(v as string) : toJsonValue(v, types[i]!, { timeZone: this.ctx.timeZone }));
    if (name === 'JSON_ARRAY') {
      const absent = (e.json?.onNull ?? 'ABSENT') === 'ABSENT';
      return this.node(T.string(false), (row) => {
        const out: unknown[] = [];
        for (let i = 0; i < evs.length; i++) {
          const v = evs[i]!(row);
          if (v === null) { if (!absent) out.push(null); } else out.push(value(i, v));
        }
        return JSON.stringify(out);
      }, args);
    }
    if (args.length % 2 !== 0) throw new SqlTypeError('JSON_OBJECT needs KEY ... VALUE ... pairs', e.span);
    for (let i = 0; i < args.length; i += 2) {
      if (!isCharacter(types[i]!)) throw new SqlTypeError(`JSON_OBJECT keys must be strings, got ${typeToString(types[i]!)}`, e.args[i]!.span);
    }
    const absent = (e.json?.onNull ?? 'NULL') === 'ABSENT';
    // Flink writes the members ordered by key, and numbers as Java's BigDecimal text (0.0, 1.0E+10)
    const text = (i: number, v: unknown): string => {
      if (raw[i]) return v as string;
      const t = types[i]!;
      if ((t.kind === 'DOUBLE' || t.kind === 'FLOAT') && Number.isFinite(v)) return javaBigDecimalText(formatValue(v, t));
      return JSON.stringify(value(i, v));
    };
    return this.node(T.string(false), (row) => {
      const out = new Map<string, string>();
      for (let i = 0; i < evs.length; i += 2) {
        const k = evs[i]!(row);
        if (k === null) throw new SqlRuntimeError('JSON_OBJECT: a key is NULL');
        const v = evs[i + 1]!(row);
        if (v === null) { if (!absent) out.set(k as string, 'null'); } else out.set(k as string, text(i + 1, v));
      }
      const keys = [...out.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${keys.map((k) => `${JSON.stringify(k)}:${out.get(k)!}`).join(',')}}`;
    }, args);
  }

  // ------------------------------------------------------------ constructors and access

  arrayCtor(e: A.ArrayConstructor): Node {
    if (e.elements.length === 0) throw new SqlTypeError('Require at least 1 argument for ARRAY constructor', e.span);
    const els = e.elements.map((x) => this.compile(x));
    const et = leastRestrictive(els.map((x) => x.type));
    if (!et) throw new SqlTypeError(`Parameters must be of the same type in ARRAY constructor: ${els.map((x) => bare(x.type)).join(', ')}`, e.span);
    const evs = els.map((x) => this.coerce(x, et).ev);
    return this.node(T.array(et, false), (row) => evs.map((f) => f(row)), els);
  }

  mapCtor(e: A.MapConstructor): Node {
    const ks = e.entries.map((x) => this.compile(x.key));
    const vs = e.entries.map((x) => this.compile(x.value));
    const kt = leastRestrictive(ks.map((x) => x.type));
    const vt = leastRestrictive(vs.map((x) => x.type));
    if (!kt || !vt) throw new SqlTypeError('Parameters must be of the same type in MAP constructor', e.span);
    const kev = ks.map((x) => this.coerce(x, kt).ev);
    const vev = vs.map((x) => this.coerce(x, vt).ev);
    return this.node(T.map(kt, vt, false), (row) => {
      const m = new Map<unknown, unknown>();
      for (let i = 0; i < kev.length; i++) m.set(kev[i]!(row), vev[i]!(row));
      return m;
    }, [...ks, ...vs]);
  }

  rowCtor(e: A.RowConstructor): Node {
    const fs = e.fields.map((x) => this.compile(x));
    const evs = fs.map((x) => x.ev);
    const type = T.row(fs.map((x, i) => ({ name: `EXPR$${i}`, type: withoutTimeAttribute(x.type) })), false);
    return this.node(type, (row) => evs.map((f) => f(row)), fs);
  }

  subscript(e: A.Subscript): Node {
    const target = this.compile(e.target);
    const index = this.compile(e.index);
    const t = target.type;
    const te = target.ev;
    const ie = index.ev;
    if (t.kind === 'ARRAY') {
      if (!isIntegerKind(index.type.kind) && !isNullType(index.type)) throw cannotApply('ITEM', [t, index.type], e);
      return this.node(withNullable(t.element!, true), (row) => {
        const a = te(row) as unknown[] | null;
        if (a === null) return null;
        const i = ie(row) as number | null;
        if (i === null || i < 1 || i > a.length) return null;
        return a[i - 1] ?? null;
      }, [target, index]);
    }
    if (t.kind === 'MAP') {
      const ci = this.comparable('ITEM', constant(t.key!, null), index, e)[1];
      const cie = ci.ev;
      const direct = t.key!.kind !== 'DECIMAL' && !isBinary(t.key!) && t.key!.kind !== 'ARRAY' && t.key!.kind !== 'ROW';
      return this.node(withNullable(t.value!, true), (row) => {
        const m = te(row) as Map<unknown, unknown> | null;
        if (m === null) return null;
        const k = cie(row);
        if (k === null) return null;
        if (direct) return m.get(k) ?? null;
        for (const [kk, vv] of m) if (kk !== null && valuesEqual(kk, k)) return vv;
        return null;
      }, [target, ci]);
    }
    if (t.kind === 'ROW' && index.isConstant) {
      const i = index.ev([]);
      if (typeof i === 'number' && i >= 1 && i <= t.fields!.length) return this.fieldAccess(target, t.fields![i - 1]!.name, e);
      if (typeof i === 'string') return this.fieldAccess(target, i, e);
    }
    throw cannotApply('ITEM', [t, index.type], e);
  }
}

/** String tests for LIKE patterns that need no regex: `abc`, `abc%`, `%abc`, `%abc%`. */
function simpleLike(pattern: string): ((s: string) => boolean) | undefined {
  const m = /^(%?)([^%_]*)(%?)$/.exec(pattern);
  if (!m) return undefined;
  const [, lead, body, trail] = m as unknown as [string, string, string, string];
  if (lead && trail) return (s) => s.includes(body);
  if (lead) return (s) => s.endsWith(body);
  if (trail) return (s) => s.startsWith(body);
  return (s) => s === body;
}

function toCompiled(n: Node, e: A.Expr, compiler: Compiler): CompiledExpr {
  return { type: n.type, eval: fused(n, compiler), isConstant: n.isConstant, text: unparse(e) };
}

/**
 * The node's evaluator as one generated function when it has a source form: the closures of a tree
 * each call the next through a call site shared by every expression of that kind, which the JIT cannot
 * inline, where the generated function is straight-line code of its own (Flink generates Java for its
 * expressions for the same reason). The source holds row indexes, operators, temporaries and literals
 * (JSON-quoted), and reaches everything else through `$`.
 */
function fused(n: Node, compiler: Compiler): Evaluator {
  if (n.src === undefined || n.isConstant || !n.src.includes('(')) return n.ev;
  const temps = [...new Set(n.src.match(/\bt\d+\b/g) ?? [])];
  const body = `return function expr(row) {${temps.length > 0 ? ` let ${temps.join(', ')};` : ''} return ${n.src}; };`;
  return new Function('$', body)(compiler.captures) as Evaluator;
}

/**
 * Compiles an expression to a closure over a positional row.
 * Throws `SqlTypeError` (with the node's line and column) on unknown columns or functions and on
 * operators applied to the wrong types, using Flink's wording. Evaluation throws `SqlRuntimeError`
 * on bad data (CAST of a malformed string, integer division by zero).
 *
 * @example
 * const scope = new Scope([{ name: 'price', type: T.int() }]);
 * const c = compileExpr(parseExpression('price * 2 + 1'), scope, new FunctionCatalog());
 * c.eval([20]) // 41; typeToString(c.type) === 'INT'
 */
export function compileExpr(expr: A.Expr, scope: Scope, catalog: FunctionCatalog, options: CompileOptions = {}): CompiledExpr {
  const compiler = new Compiler(scope, catalog, options);
  const n = compiler.compile(expr);
  return options.fuse === false ? { type: n.type, eval: n.ev, isConstant: n.isConstant, text: unparse(expr) } : toCompiled(n, expr, compiler);
}

/**
 * Compiles a WHERE/HAVING/ON condition: it must be BOOLEAN, and NULL counts as false.
 */
export function compilePredicate(expr: A.Expr, scope: Scope, catalog: FunctionCatalog, options: CompileOptions = {}): (row: unknown[]) => boolean {
  const c = compileExpr(expr, scope, catalog, options);
  if (c.type.kind !== 'BOOLEAN' && c.type.kind !== 'NULL') {
    throw new SqlTypeError(`Condition must be of type BOOLEAN but was ${typeToString(c.type)}: ${c.text}`, expr.span);
  }
  const ev = c.eval;
  return (row) => ev(row) === true;
}

/**
 * Wraps a compiled expression in a CAST to `to` (e.g. to match a sink column), or returns it when
 * the type already matches. Throws `SqlTypeError` when the cast is not supported.
 */
export function castCompiled(c: CompiledExpr, to: SqlType, options: CompileOptions = {}): CompiledExpr {
  if (typesEqual(withoutTimeAttribute(c.type), withoutTimeAttribute(to), true)) return c;
  const problem = castProblem(c.type, to);
  if (problem) throw new SqlTypeError(`Cast function cannot convert value of type ${typeToString(c.type)} to type ${typeToString(to)}`);
  const f = castFn(c.type, to, { timeZone: options.timeZone ?? 'UTC' });
  const ev = c.eval;
  return {
    type: withNullable(to, c.type.nullable || to.nullable),
    eval: (r) => { const v = ev(r); return v === null ? null : f(v); },
    isConstant: c.isConstant,
    text: `CAST(${c.text} AS ${typeToString(to)})`,
  };
}

type JsonHit = { kind: 'error' } | { kind: 'empty' } | { kind: 'value'; value: unknown; many: boolean };

/**
 * A JSON path lookup as Flink (Calcite) does it: input that is not JSON, a path that selects
 * nothing and a JSON null are all an error in strict mode (the default without a `lax`/`strict`
 * prefix) and an empty result in lax mode.
 */
function jsonLookup(text: string, jp: JsonPath): JsonHit {
  const miss: JsonHit = jp.strict ? { kind: 'error' } : { kind: 'empty' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return miss;
  }
  const hits = evalJsonPath(parsed, jp);
  const many = jp.steps.some((st) => st.kind === 'wildcard');
  const v = many ? hits : hits[0];
  return v === undefined || v === null ? miss : { kind: 'value', value: v, many };
}

/** Java's `BigDecimal.valueOf(double).toString()` from `Double.toString` text ("1.0E10" -> "1.0E+10", "1.0E-5" -> "0.000010"). */
export function javaBigDecimalText(javaDouble: string): string {
  const m = /^(-?)(\d+)\.(\d+)E(-?\d+)$/.exec(javaDouble);
  if (!m) return javaDouble;
  const [, sign, int, frac, exp] = m as unknown as [string, string, string, string, string];
  const digits = (int + frac).replace(/^0+(?=\d)/, '');
  const scale = frac.length - Number(exp);
  const adjusted = digits.length - 1 - scale;
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) return sign + digits;
    const body = digits.length > scale ? `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}` : `0.${'0'.repeat(scale - digits.length)}${digits}`;
    return sign + body;
  }
  return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}
