import { SqlRuntimeError, SqlTypeError } from '../types/errors.js';
import { Decimal } from '../types/decimal.js';
import { type SqlType, T, decimalModType, isIntegerKind, leastRestrictive, withNullable, withoutTimeAttribute, MAX_DECIMAL_PRECISION } from '../types/sql-type.js';
import { compareValues } from '../types/compare.js';
import { wrapInteger } from '../types/cast.js';
import type { ArgInfo, ScalarFunction } from './define.js';
import { badArgs } from './define.js';
import { builtin, constArg, expectArgs } from './helpers.js';

const D = T.double(false);
const dbl = (name: string, f: (x: number) => number): ScalarFunction =>
  builtin({ name, args: ['numeric'], form: `${name}(<NUMERIC>)`, returns: D, castArgs: () => [D], impl: () => f });

/** Result type of ROUND/TRUNCATE on DECIMAL(p, s) to `r` digits (Flink `findRoundDecimalType`). */
function roundDecimalType(p: number, s: number, r: number): SqlType {
  if (r >= s) return T.decimal(p, s, false);
  if (r < 0) return T.decimal(Math.min(MAX_DECIMAL_PRECISION, 1 + p - s), 0, false);
  return T.decimal(Math.min(MAX_DECIMAL_PRECISION, 1 + p - s + r), r, false);
}

function roundingType(name: string) {
  return (args: ArgInfo[]): SqlType => {
    const t = withoutTimeAttribute(args[0]!.type);
    if (t.kind === 'DECIMAL') {
      const r = args.length > 1 ? constArg(args, 1) : 0;
      if (typeof r !== 'number') throw new SqlTypeError(`The second argument of ${name} on a DECIMAL must be an integer literal`);
      return roundDecimalType(t.precision!, t.scale!, r);
    }
    return { ...t, nullable: false };
  };
}

/** HALF_UP rounding (or truncation) of any numeric to `r` digits as BigDecimal does, keeping the type. */
function rounding(down: boolean) {
  return (args: ArgInfo[], result: SqlType) => {
    const kind = result.kind;
    const scaleOf = (d: Decimal, r: number): Decimal => (down ? d.truncate(r) : d.setScale(r));
    if (kind === 'DECIMAL') {
      const s = result.scale!;
      return (x: Decimal, r = 0) => scaleOf(x, r).setScale(s);
    }
    if (isIntegerKind(kind)) {
      return (x: number, r = 0) => (r >= 0 ? x : wrapInteger(scaleOf(Decimal.fromInteger(x), r).toNumber(), kind));
    }
    const fr = kind === 'FLOAT' ? Math.fround : (v: number) => v;
    return (x: number, r = 0) => (Number.isFinite(x) ? fr(scaleOf(Decimal.fromNumber(x), r).toNumber()) : x);
  };
}

function floorCeil(name: 'FLOOR' | 'CEIL' | 'CEILING'): ScalarFunction {
  const up = name !== 'FLOOR';
  return builtin({
    name, args: ['numeric'], form: `${name}(<NUMERIC>)`,
    returns: (args) => {
      const t = withoutTimeAttribute(args[0]!.type);
      return t.kind === 'DECIMAL' ? roundDecimalType(t.precision!, t.scale!, 0) : { ...t, nullable: false };
    },
    impl: (_a, result) => {
      if (result.kind === 'DECIMAL') return (x: Decimal) => (up ? x.ceil(0) : x.floor(0));
      if (result.kind === 'FLOAT' || result.kind === 'DOUBLE') return up ? Math.ceil : Math.floor;
      return (x: number) => x;
    },
  });
}

/** Java's `java.util.Random` (48-bit LCG), so RAND(seed) gives Flink's sequence. */
export class JavaRandom {
  private seed: bigint;
  private static readonly MULT = 0x5DEECE66Dn;
  private static readonly MASK = (1n << 48n) - 1n;

  constructor(seed: number) {
    this.seed = (BigInt.asIntN(64, BigInt(Math.trunc(seed))) ^ JavaRandom.MULT) & JavaRandom.MASK;
  }

  next(bits: number): number {
    this.seed = (this.seed * JavaRandom.MULT + 0xBn) & JavaRandom.MASK;
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }

  nextDouble(): number {
    return (this.next(26) * 134217728 + this.next(27)) * 2 ** -53;
  }

  nextInt(bound: number): number {
    if (bound <= 0) throw new RangeError('bound must be positive');
    if ((bound & -bound) === bound) return Number((BigInt(bound) * BigInt(this.next(31))) >> 31n);
    let bits: number;
    let val: number;
    do {
      bits = this.next(31);
      val = bits % bound;
    } while (bits - val + (bound - 1) > 2147483647);
    return val;
  }
}

function extreme(name: 'GREATEST' | 'LEAST'): ScalarFunction {
  return {
    name, minArgs: 1, maxArgs: Infinity, signature: `${name}(<COMPARABLE>, ...)`,
    inferType(args) {
      const t = leastRestrictive(args.map((a) => a.type));
      if (!t || t.kind === 'MAP' || t.kind === 'MULTISET') throw badArgs(name, args);
      return withNullable(t, args.some((a) => a.type.nullable));
    },
    castArgs: (args, result) => args.map(() => result),
    create: () => {
      const sign = name === 'GREATEST' ? 1 : -1;
      return (...xs: unknown[]) => {
        let best = xs[0];
        for (let i = 1; i < xs.length; i++) if (compareValues(xs[i], best) * sign > 0) best = xs[i];
        return best;
      };
    },
  };
}

function absImpl(_a: ArgInfo[], result: SqlType) {
  if (result.kind === 'DECIMAL') return (x: Decimal) => x.abs();
  if (isIntegerKind(result.kind) && result.kind !== 'BIGINT') {
    const k = result.kind;
    return (x: number) => wrapInteger(Math.abs(x), k);
  }
  return Math.abs;
}

/** Built-in math functions (Flink "Arithmetic Functions"). */
export const MATH_FUNCTIONS: ScalarFunction[] = [
  builtin({ name: 'ABS', args: ['numeric'], form: 'ABS(<NUMERIC>)', returns: (a) => ({ ...withoutTimeAttribute(a[0]!.type), nullable: false }), impl: absImpl }),
  {
    name: 'MOD', minArgs: 2, maxArgs: 2, signature: 'MOD(<EXACT_NUMERIC>, <EXACT_NUMERIC>)',
    inferType(args) {
      expectArgs('MOD', args, ['exact'], 'MOD(<EXACT_NUMERIC>, <EXACT_NUMERIC>)');
      const [a, b] = [args[0]!.type, args[1]!.type];
      const nullable = a.nullable || b.nullable;
      if (a.kind === 'DECIMAL' || b.kind === 'DECIMAL') {
        const da = a.kind === 'DECIMAL' ? a : T.decimal(a.kind === 'BIGINT' ? 19 : 10, 0);
        const db = b.kind === 'DECIMAL' ? b : T.decimal(b.kind === 'BIGINT' ? 19 : 10, 0);
        const { precision, scale } = decimalModType(da.precision!, da.scale!, db.precision!, db.scale!);
        return T.decimal(precision, scale, nullable);
      }
      return withNullable(withoutTimeAttribute(b), nullable);
    },
    castArgs: (args, result) => (result.kind === 'DECIMAL' ? args.map((a) => (a.type.kind === 'DECIMAL' ? a.type : T.decimal(19, 0, a.type.nullable))) : undefined),
    create: (_a, result) => {
      const zero = (): never => {
        throw new SqlRuntimeError('Division by zero in MOD', 'guard the divisor, e.g. NULLIF(divisor, 0)');
      };
      if (result.kind === 'DECIMAL') return (x: Decimal, y: Decimal) => (y.signum() === 0 ? zero() : x.remainder(y).setScale(result.scale!));
      return (x: number, y: number) => (y === 0 ? zero() : x % y);
    },
  },
  builtin({ name: 'POWER', args: ['numeric'], arity: [2, 2], form: 'POWER(<NUMERIC>, <NUMERIC>)', returns: D, castArgs: () => [D, D], impl: () => Math.pow }),
  builtin({ name: 'POW', args: ['numeric'], arity: [2, 2], form: 'POW(<NUMERIC>, <NUMERIC>)', returns: D, castArgs: () => [D, D], impl: () => Math.pow }),
  dbl('SQRT', Math.sqrt), dbl('EXP', Math.exp), dbl('LN', Math.log), dbl('LOG10', Math.log10), dbl('LOG2', Math.log2),
  dbl('SIN', Math.sin), dbl('COS', Math.cos), dbl('TAN', Math.tan), dbl('COT', (x) => 1 / Math.tan(x)),
  dbl('ASIN', Math.asin), dbl('ACOS', Math.acos), dbl('ATAN', Math.atan), dbl('SINH', Math.sinh), dbl('COSH', Math.cosh), dbl('TANH', Math.tanh),
  dbl('DEGREES', (x) => (x * 180) / Math.PI), dbl('RADIANS', (x) => (x / 180) * Math.PI),
  builtin({ name: 'ATAN2', args: ['numeric'], arity: [2, 2], form: 'ATAN2(<NUMERIC>, <NUMERIC>)', returns: D, castArgs: () => [D, D], impl: () => Math.atan2 }),
  builtin({
    name: 'LOG', args: ['numeric'], arity: [1, 2], form: 'LOG(<NUMERIC>[, <NUMERIC>])', returns: D, castArgs: (a) => a.map(() => D),
    impl: () => (a: number, b?: number) => {
      if (b === undefined) return Math.log(a);
      if (a <= 1) throw new SqlRuntimeError(`LOG: the base must be greater than 1, got ${a}`);
      return Math.log(b) / Math.log(a);
    },
  }),
  floorCeil('FLOOR'), floorCeil('CEIL'), floorCeil('CEILING'),
  builtin({ name: 'ROUND', args: ['numeric', 'integer'], arity: [1, 2], form: 'ROUND(<NUMERIC>[, <INTEGER>])', returns: roundingType('ROUND'), impl: rounding(false) }),
  builtin({ name: 'TRUNCATE', args: ['numeric', 'integer'], arity: [1, 2], form: 'TRUNCATE(<NUMERIC>[, <INTEGER>])', returns: roundingType('TRUNCATE'), impl: rounding(true) }),
  builtin({
    name: 'SIGN', args: ['numeric'], form: 'SIGN(<NUMERIC>)', returns: (a) => ({ ...withoutTimeAttribute(a[0]!.type), nullable: false }),
    impl: (_a, r) => (r.kind === 'DECIMAL' ? (x: Decimal) => Decimal.fromInteger(x.signum()).setScale(r.scale!) : (x: number) => Math.sign(x)),
  }),
  builtin({
    name: 'RAND', args: ['integer'], arity: [0, 1], form: 'RAND([<INTEGER>])', returns: D, deterministic: false,
    impl: (args) => {
      if (args.length === 0) return () => Math.random();
      let rnd: JavaRandom | undefined;
      return (seed: number) => (rnd ??= new JavaRandom(seed)).nextDouble();
    },
  }),
  builtin({
    name: 'RAND_INTEGER', args: ['integer'], arity: [1, 2], form: 'RAND_INTEGER([<INTEGER>, ]<INTEGER>)', returns: T.int(false), deterministic: false,
    impl: (args) => {
      if (args.length === 1) return (n: number) => Math.floor(Math.random() * n);
      let rnd: JavaRandom | undefined;
      return (seed: number, n: number) => (rnd ??= new JavaRandom(seed)).nextInt(n);
    },
  }),
  builtin({ name: 'PI', args: [], form: 'PI()', returns: D, impl: () => () => Math.PI }),
  builtin({ name: 'E', args: [], form: 'E()', returns: D, impl: () => () => Math.E }),
  builtin({
    name: 'BIN', args: ['integer'], form: 'BIN(<INTEGER>)', returns: T.string(false),
    impl: () => (x: number) => (x >= 0 ? x.toString(2) : BigInt.asUintN(64, BigInt(x)).toString(2)),
  }),
  builtin({
    name: 'HEX', args: ['any'], form: 'HEX(<INTEGER> | <STRING>)', returns: T.string(false),
    impl: (args) => (args[0]!.type.kind === 'CHAR' || args[0]!.type.kind === 'VARCHAR'
      ? (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase()
      : (x: number) => BigInt.asUintN(64, BigInt(Math.trunc(x))).toString(16).toUpperCase()),
  }),
  extreme('GREATEST'), extreme('LEAST'),
];
