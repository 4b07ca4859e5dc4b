import { SqlTypeError } from '../types/errors.js';
import { Decimal } from '../types/decimal.js';
import {
  type SqlType, T, isCharacter, isIntegerKind, isNumeric, MAX_DECIMAL_PRECISION, typeToString, withNullable, withoutTimeAttribute,
} from '../types/sql-type.js';
import { wrapInteger } from '../types/cast.js';
import { compareValues, valueKey } from '../types/compare.js';
import { toJsonValue } from '../types/values.js';
import type { Accumulator, AggregateFunction, FlatAccumulator } from './define.js';

function bad(name: string, args: SqlType[]): SqlTypeError {
  return new SqlTypeError(`Cannot apply '${name}' to arguments of type '${name}(${args.map((t) => `<${typeToString(t).replace(/ NOT NULL$/, '')}>`).join(', ')})'`);
}

function numericArg(name: string, args: SqlType[]): SqlType {
  const t = args[0]!;
  if (!isNumeric(t)) throw bad(name, args);
  return withoutTimeAttribute(t);
}

/** Flink's AVG result type: the input type, DECIMAL(38, max(6, s)) for DECIMAL. */
function avgType(t: SqlType): SqlType {
  if (t.kind === 'DECIMAL') return T.decimal(MAX_DECIMAL_PRECISION, Math.max(6, t.scale ?? 0), true);
  return withNullable(t, true);
}

interface SumAcc { sum: number | Decimal; count: number }

/**
 * `a + b` (or `a - b`) in source for a non-DECIMAL sum of kind `t`, as {@link adder} computes it:
 * small integers wrap as Java's do (through `h.wrap`), FLOAT rounds to single precision.
 */
function flatSum(t: SqlType, a: string, op: '+' | '-', b: string, h: string): string {
  if (isIntegerKind(t.kind) && t.kind !== 'BIGINT') return `${h}.wrap(${a} ${op} ${b})`;
  if (t.kind === 'FLOAT') return `Math.fround(${a} ${op} ${b})`;
  return `${a} ${op} ${b}`;
}

/** Fields `[sum, count]`, as the object form `{ sum, count }` of SUM, SUM0 and AVG. */
function flatSumCount(t: SqlType, result: FlatAccumulator['result'], helpers: object): FlatAccumulator<SumAcc> {
  return {
    init: [0, 0],
    add: ([s, c], [v], h) => `if (${v} != null) { ${s} = ${flatSum(t, s!, '+', v!, h)}; ${c}++; }`,
    retract: ([s, c], [v], h) => `if (${v} != null) { ${s} = ${flatSum(t, s!, '-', v!, h)}; ${c}--; }`,
    merge: ([s, c], [os, oc], h) => `${s} = ${flatSum(t, s!, '+', os!, h)}; ${c} += ${oc};`,
    result,
    helpers,
    fromObject: (acc) => [acc.sum as number, acc.count],
  };
}

/** Running sum helpers per numeric kind: plain JS numbers, Java-wrapped small ints, or Decimals. */
function adder(t: SqlType): { zero: number | Decimal; add: (a: any, b: any) => any; sub: (a: any, b: any) => any } {
  if (t.kind === 'DECIMAL') return { zero: Decimal.ZERO, add: (a: Decimal, b: Decimal) => a.add(b), sub: (a: Decimal, b: Decimal) => a.subtract(b) };
  if (isIntegerKind(t.kind) && t.kind !== 'BIGINT') {
    const k = t.kind;
    return { zero: 0, add: (a: number, b: number) => wrapInteger(a + b, k), sub: (a: number, b: number) => wrapInteger(a - b, k) };
  }
  if (t.kind === 'FLOAT') return { zero: 0, add: (a: number, b: number) => Math.fround(a + b), sub: (a: number, b: number) => Math.fround(a - b) };
  return { zero: 0, add: (a: number, b: number) => a + b, sub: (a: number, b: number) => a - b };
}

function sumLike(name: string, zeroWhenEmpty: boolean): AggregateFunction {
  return {
    name, minArgs: 1, maxArgs: 1, signature: `${name}(<NUMERIC>)`,
    inferType(args) {
      const t = numericArg(name, args);
      const r = t.kind === 'DECIMAL' ? T.decimal(MAX_DECIMAL_PRECISION, t.scale ?? 0) : t;
      return withNullable(r, !zeroWhenEmpty);
    },
    create(args, resultType): Accumulator<SumAcc> {
      const ops = adder(args[0]!);
      const scale = resultType.scale ?? 0;
      const emptyValue = zeroWhenEmpty ? (resultType.kind === 'DECIMAL' ? Decimal.ZERO.setScale(scale) : 0) : null;
      return {
        resultType,
        create: () => ({ sum: ops.zero, count: 0 }),
        add(acc, args) {
          const v = args[0];
          if (v === null || v === undefined) return;
          acc.sum = ops.add(acc.sum, v);
          acc.count++;
        },
        retract(acc, args) {
          const v = args[0];
          if (v === null || v === undefined) return;
          acc.sum = ops.sub(acc.sum, v);
          acc.count--;
        },
        merge(acc, o) {
          acc.sum = ops.add(acc.sum, o.sum);
          acc.count += o.count;
        },
        result: (acc) => (acc.count === 0 ? emptyValue : acc.sum instanceof Decimal ? acc.sum.setScale(scale) : acc.sum),
        flat: args[0]!.kind === 'DECIMAL' ? undefined
          : flatSumCount(args[0]!, ([s, c]) => `(${c} === 0 ? ${zeroWhenEmpty ? '0' : 'null'} : ${s})`, { wrap: (x: number) => wrapInteger(x, args[0]!.kind) }),
      };
    },
  };
}

const COUNT: AggregateFunction = {
  name: 'COUNT', minArgs: 0, maxArgs: Infinity, signature: 'COUNT(*) | COUNT(<ANY>, ...)',
  inferType: () => T.bigint(false),
  create(args): Accumulator<{ n: number }> {
    // COUNT(*) arrives with no arguments; COUNT(a, b) counts rows where all are non-null.
    const counts = (args: unknown[]): boolean => {
      for (let i = 0; i < args.length; i++) if (args[i] === null || args[i] === undefined) return false;
      return true;
    };
    return {
      resultType: T.bigint(false),
      create: () => ({ n: 0 }),
      add: (acc, args) => { if (counts(args)) acc.n++; },
      retract: (acc, args) => { if (counts(args)) acc.n--; },
      merge: (acc, o) => { acc.n += o.n; },
      result: (acc) => acc.n,
      flat: {
        init: [0],
        add: ([n], a) => (a.length === 0 ? `${n}++;` : `if (${a.map((x) => `${x} != null`).join(' && ')}) ${n}++;`),
        retract: ([n], a) => (a.length === 0 ? `${n}--;` : `if (${a.map((x) => `${x} != null`).join(' && ')}) ${n}--;`),
        merge: ([n], [o]) => `${n} += ${o};`,
        result: ([n]) => n!,
        countsRows: args.length === 0,
        fromObject: (acc) => [acc.n],
      },
    };
  },
};

const AVG: AggregateFunction = {
  name: 'AVG', minArgs: 1, maxArgs: 1, signature: 'AVG(<NUMERIC>)',
  inferType: (args) => avgType(numericArg('AVG', args)),
  create(args, resultType): Accumulator<SumAcc> {
    const t = args[0]!;
    const dec = t.kind === 'DECIMAL';
    // Sums of small integers are kept as a long in Flink (no wrap), then divided as integers.
    const ops = dec ? adder(t) : adder(T.double());
    const k = resultType.kind;
    const scale = resultType.scale ?? 0;
    return {
      resultType,
      create: () => ({ sum: ops.zero, count: 0 }),
      add(acc, args) {
        const v = args[0];
        if (v === null || v === undefined) return;
        acc.sum = ops.add(acc.sum, v);
        acc.count++;
      },
      retract(acc, args) {
        const v = args[0];
        if (v === null || v === undefined) return;
        acc.sum = ops.sub(acc.sum, v);
        acc.count--;
      },
      merge(acc, o) {
        acc.sum = ops.add(acc.sum, o.sum);
        acc.count += o.count;
      },
      result(acc) {
        if (acc.count === 0) return null;
        if (dec) return (acc.sum as Decimal).divide(Decimal.fromInteger(acc.count), scale);
        const q = (acc.sum as number) / acc.count;
        if (isIntegerKind(k)) return wrapInteger(Math.trunc(q), k);
        return k === 'FLOAT' ? Math.fround(q) : q;
      },
      flat: dec ? undefined : flatSumCount(T.double(), ([s, c], h) => `(${c} === 0 ? null : ${h}.avg(${s}, ${c}))`, {
        avg: isIntegerKind(k) ? (s: number, c: number) => wrapInteger(Math.trunc(s / c), k)
          : k === 'FLOAT' ? (s: number, c: number) => Math.fround(s / c) : (s: number, c: number) => s / c,
      }),
    };
  },
};

interface MinMaxAcc { value: unknown; counts?: Map<string, { v: unknown; n: number }> }

function minMax(name: 'MIN' | 'MAX'): AggregateFunction {
  const sign = name === 'MAX' ? 1 : -1;
  return {
    name, minArgs: 1, maxArgs: 1, signature: `${name}(<COMPARABLE>)`,
    inferType(args) {
      const t = args[0]!;
      if (t.kind === 'MAP' || t.kind === 'MULTISET' || t.kind === 'ROW') throw bad(name, args);
      return withNullable(withoutTimeAttribute(t), true);
    },
    create(_args, resultType, options): Accumulator<MinMaxAcc> {
      const better = (a: unknown, b: unknown): boolean =>
        (typeof a === 'number' && typeof b === 'number' ? (sign > 0 ? a > b : a < b) : compareValues(a, b) * sign > 0);
      const acc: Accumulator<MinMaxAcc> = {
        resultType,
        create: () => (options?.retraction ? { value: null, counts: new Map() } : { value: null }),
        add(a, args) {
          const v = args[0];
          if (v === null || v === undefined) return;
          if (a.value === null || better(v, a.value)) a.value = v;
          if (a.counts) {
            const k = valueKey(v);
            const e = a.counts.get(k);
            if (e) e.n++;
            else a.counts.set(k, { v, n: 1 });
          }
        },
        merge(a, o) {
          if (o.value !== null && (a.value === null || better(o.value, a.value))) a.value = o.value;
          if (a.counts && o.counts) {
            for (const [k, e] of o.counts) {
              const x = a.counts.get(k);
              if (x) x.n += e.n;
              else a.counts.set(k, { v: e.v, n: e.n });
            }
          }
        },
        result: (a) => a.value,
      };
      if (!options?.retraction) {
        // Numbers compare with the operator itself; other values through `better`.
        const numeric = isNumeric(resultType) && resultType.kind !== 'DECIMAL';
        const op = sign > 0 ? '>' : '<';
        acc.flat = {
          init: [null],
          add: ([m], [v], h) => `if (${v} != null && (${m} === null || ${numeric ? `${v} ${op} ${m}` : `${h}.better(${v}, ${m})`})) ${m} = ${v};`,
          merge: ([m], [o], h) => `if (${o} !== null && (${m} === null || ${numeric ? `${o} ${op} ${m}` : `${h}.better(${o}, ${m})`})) ${m} = ${o};`,
          result: ([m]) => m!,
          helpers: { better },
          fromObject: (a) => [a.value as number | null],
        };
      }
      if (options?.retraction) {
        acc.retract = (a, args) => {
          const v = args[0];
          if (v === null || v === undefined || !a.counts) return;
          const k = valueKey(v);
          const e = a.counts.get(k);
          if (!e) return;
          if (--e.n > 0) return;
          a.counts.delete(k);
          if (a.value !== null && valueKey(a.value) === k) {
            let best: unknown = null;
            for (const x of a.counts.values()) if (best === null || better(x.v, best)) best = x.v;
            a.value = best;
          }
        };
      }
      return acc;
    },
  };
}

interface ListAcc { values: unknown[] }

/** FIRST_VALUE / LAST_VALUE: NULLs are skipped, as in Flink. */
function firstLast(name: 'FIRST_VALUE' | 'LAST_VALUE'): AggregateFunction {
  const first = name === 'FIRST_VALUE';
  return {
    name, minArgs: 1, maxArgs: 1, signature: `${name}(<ANY>)`,
    inferType: (args) => withNullable(withoutTimeAttribute(args[0]!), true),
    create(_args, resultType, options): Accumulator<ListAcc | { value: unknown; set: boolean }> {
      if (!options?.retraction) {
        return {
          resultType,
          create: () => ({ value: null, set: false }),
          add(a: any, args) {
            const v = args[0];
            if (v === null || v === undefined) return;
            if (!first || !a.set) { a.value = v; a.set = true; }
          },
          merge(a: any, o: any) {
            if (!o.set) return;
            if (!first || !a.set) { a.value = o.value; a.set = true; }
          },
          result: (a: any) => a.value,
        };
      }
      return {
        resultType,
        create: () => ({ values: [] }),
        add(a: any, args) { const v = args[0]; if (v !== null && v !== undefined) a.values.push(v); },
        retract(a: any, args) {
          const v = args[0];
          if (v === null || v === undefined) return;
          const k = valueKey(v);
          const i = (a.values as unknown[]).findIndex((x) => valueKey(x) === k);
          if (i >= 0) a.values.splice(i, 1);
        },
        merge(a: any, o: any) { a.values.push(...o.values); },
        result: (a: any) => (a.values.length === 0 ? null : first ? a.values[0] : a.values[a.values.length - 1]),
      };
    },
  };
}

const LISTAGG: AggregateFunction = {
  name: 'LISTAGG', minArgs: 1, maxArgs: 2, signature: 'LISTAGG(<STRING>[, <STRING>])',
  inferType(args) {
    if (!args.every((t) => isCharacter(t) || t.kind === 'NULL')) throw bad('LISTAGG', args);
    return T.string(true);
  },
  create(_args, resultType): Accumulator<{ values: string[]; sep: string }> {
    return {
      resultType,
      create: () => ({ values: [], sep: ',' }),
      add(a, args) {
        const v = args[0];
        const sep = args[1];
        if (v === null || v === undefined) return;
        a.values.push(v as string);
        if (typeof sep === 'string') a.sep = sep;
      },
      retract(a, args) {
        const v = args[0];
        if (v === null || v === undefined) return;
        const i = a.values.indexOf(v as string);
        if (i >= 0) a.values.splice(i, 1);
      },
      merge(a, o) { a.values.push(...o.values); },
      result: (a) => (a.values.length === 0 ? null : a.values.join(a.sep)),
    };
  },
};

interface VarAcc { n: number; sum: number; sumSq: number }

function variance(name: string, sample: boolean, sqrt: boolean): AggregateFunction {
  return {
    name, minArgs: 1, maxArgs: 1, signature: `${name}(<NUMERIC>)`,
    inferType: (args) => avgType(numericArg(name, args)),
    create(args, resultType): Accumulator<VarAcc> {
      const dec = args[0]!.kind === 'DECIMAL';
      const k = resultType.kind;
      const toNum = (v: unknown): number => (dec ? (v as Decimal).toNumber() : (v as number));
      return {
        resultType,
        create: () => ({ n: 0, sum: 0, sumSq: 0 }),
        add(a, args) {
          const v = args[0];
          if (v === null || v === undefined) return;
          const x = toNum(v);
          a.n++; a.sum += x; a.sumSq += x * x;
        },
        retract(a, args) {
          const v = args[0];
          if (v === null || v === undefined) return;
          const x = toNum(v);
          a.n--; a.sum -= x; a.sumSq -= x * x;
        },
        merge(a, o) { a.n += o.n; a.sum += o.sum; a.sumSq += o.sumSq; },
        result(a) {
          const d = sample ? a.n - 1 : a.n;
          if (a.n === 0 || d === 0) return null;
          let r = Math.max(0, (a.sumSq - (a.sum * a.sum) / a.n) / d);
          if (sqrt) r = Math.sqrt(r);
          if (k === 'DECIMAL') return Decimal.fromNumber(r).setScale(resultType.scale ?? 6);
          if (isIntegerKind(k)) return wrapInteger(Math.trunc(r), k);
          return k === 'FLOAT' ? Math.fround(r) : r;
        },
      };
    },
  };
}

function boolAgg(name: 'BOOL_AND' | 'BOOL_OR'): AggregateFunction {
  const and = name === 'BOOL_AND';
  return {
    name, minArgs: 1, maxArgs: 1, signature: `${name}(<BOOLEAN>)`,
    inferType(args) {
      if (args[0]!.kind !== 'BOOLEAN') throw bad(name, args);
      return T.boolean(true);
    },
    create(_a, resultType): Accumulator<{ t: number; f: number }> {
      return {
        resultType,
        create: () => ({ t: 0, f: 0 }),
        add(a, args) { const v = args[0]; if (v === true) a.t++; else if (v === false) a.f++; },
        retract(a, args) { const v = args[0]; if (v === true) a.t--; else if (v === false) a.f--; },
        merge(a, o) { a.t += o.t; a.f += o.f; },
        result: (a) => (a.t + a.f === 0 ? null : and ? a.f === 0 : a.t > 0),
      };
    },
  };
}

const COLLECT: AggregateFunction = {
  name: 'COLLECT', minArgs: 1, maxArgs: 1, signature: 'COLLECT(<ANY>)',
  inferType: (args) => T.multiset(withoutTimeAttribute(args[0]!), false),
  create(_a, resultType): Accumulator<{ values: unknown[] }> {
    return {
      resultType,
      create: () => ({ values: [] }),
      add(a, args) { const v = args[0]; if (v !== null && v !== undefined) a.values.push(v); },
      retract(a, args) {
        const v = args[0];
        const k = valueKey(v);
        const i = a.values.findIndex((x) => valueKey(x) === k);
        if (i >= 0) a.values.splice(i, 1);
      },
      merge(a, o) { a.values.push(...o.values); },
      result: (a) => [...a.values],
    };
  },
};

/** JSON_ARRAYAGG(v): a JSON array of the values in arrival order; NULLs skipped unless `NULL ON NULL`. */
const JSON_ARRAYAGG: AggregateFunction = {
  name: 'JSON_ARRAYAGG', minArgs: 1, maxArgs: 1, signature: 'JSON_ARRAYAGG(<ANY> [NULL | ABSENT ON NULL])',
  inferType: () => T.string(false),
  create(args, resultType, options): Accumulator<{ values: unknown[] }> {
    const t = args[0]!;
    const keepNull = options?.jsonOnNull === 'NULL';
    return {
      resultType,
      create: () => ({ values: [] }),
      add(a, args) { const v = args[0]; if (v !== null && v !== undefined) a.values.push(toJsonValue(v, t)); else if (keepNull) a.values.push(null); },
      retract(a, args) {
        const v = args[0];
        const j = v === null || v === undefined ? null : toJsonValue(v, t);
        const k = JSON.stringify(j);
        const i = a.values.findIndex((x) => JSON.stringify(x) === k);
        if (i >= 0) a.values.splice(i, 1);
      },
      merge(a, o) { a.values.push(...o.values); },
      result: (a) => JSON.stringify(a.values),
    };
  },
};

/** JSON_OBJECTAGG(KEY k VALUE v): a JSON object; a later value for the same key replaces the earlier one. */
const JSON_OBJECTAGG: AggregateFunction = {
  name: 'JSON_OBJECTAGG', minArgs: 2, maxArgs: 2, signature: 'JSON_OBJECTAGG(KEY <STRING> VALUE <ANY> [NULL | ABSENT ON NULL])',
  inferType(args) {
    if (!isCharacter(args[0]!)) throw bad('JSON_OBJECTAGG', args);
    return T.string(false);
  },
  create(args, resultType, options): Accumulator<{ entries: Map<string, unknown> }> {
    const t = args[1]!;
    const absent = options?.jsonOnNull === 'ABSENT';
    return {
      resultType,
      create: () => ({ entries: new Map() }),
      add(a, args) {
        const k = args[0];
        const v = args[1];
        if (k === null || k === undefined) return;
        if (v === null || v === undefined) { if (!absent) a.entries.set(k as string, null); } else a.entries.set(k as string, toJsonValue(v, t));
      },
      retract(a, args) { const k = args[0]; if (typeof k === 'string') a.entries.delete(k); },
      merge(a, o) { for (const [k, v] of o.entries) a.entries.set(k, v); },
      result: (a) => JSON.stringify(Object.fromEntries(a.entries)),
    };
  },
};

/** Built-in aggregate functions. DISTINCT is applied by the planner before `add`. */
export const AGGREGATE_FUNCTIONS: AggregateFunction[] = [
  COUNT, sumLike('SUM', false), sumLike('SUM0', true), AVG, minMax('MIN'), minMax('MAX'),
  firstLast('FIRST_VALUE'), firstLast('LAST_VALUE'), LISTAGG,
  variance('VAR_POP', false, false), variance('VAR_SAMP', true, false), variance('VARIANCE', true, false),
  variance('STDDEV_POP', false, true), variance('STDDEV_SAMP', true, true), variance('STDDEV', true, true),
  boolAgg('BOOL_AND'), boolAgg('BOOL_OR'), COLLECT, JSON_ARRAYAGG, JSON_OBJECTAGG,
];
