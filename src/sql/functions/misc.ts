import { SqlRuntimeError } from '../types/errors.js';
import { T, withNullable, leastRestrictive } from '../types/sql-type.js';
import { compareValues, valueKey, valuesEqual } from '../types/compare.js';
import type { ScalarFunction } from './define.js';
import { badArgs } from './define.js';
import { builtin } from './helpers.js';

/** Built-in collection functions (Flink "Collection Functions"). COALESCE, NULLIF, IF, IFNULL are compiled inline. */
export const MISC_FUNCTIONS: ScalarFunction[] = [
  builtin({
    name: 'CARDINALITY', args: ['any'], form: 'CARDINALITY(<ARRAY> | <MAP>)', returns: T.int(false),
    impl: (args) => {
      const k = args[0]!.type.kind;
      if (k !== 'ARRAY' && k !== 'MAP' && k !== 'MULTISET' && k !== 'NULL') throw badArgs('CARDINALITY', args, 'CARDINALITY(<ARRAY> | <MAP>)');
      return k === 'MAP' ? (m: Map<unknown, unknown>) => m.size : (a: unknown[]) => a.length;
    },
  }),
  builtin({
    name: 'ELEMENT', args: ['array'], form: 'ELEMENT(<ARRAY>)', returns: (a) => withNullable(a[0]!.type.element ?? T.null(), true),
    impl: () => (a: unknown[]) => {
      if (a.length > 1) throw new SqlRuntimeError(`ELEMENT: the array has ${a.length} elements; it must have at most one`);
      return a.length === 0 ? null : a[0];
    },
  }),
  {
    name: 'ARRAY_CONTAINS', minArgs: 2, maxArgs: 2, signature: 'ARRAY_CONTAINS(<ARRAY>, <ELEMENT>)', strict: false,
    inferType(args) {
      const a = args[0]!.type;
      if (a.kind !== 'ARRAY' || !leastRestrictive([a.element!, args[1]!.type])) throw badArgs('ARRAY_CONTAINS', args, 'ARRAY_CONTAINS(<ARRAY>, <ELEMENT>)');
      return T.boolean(a.nullable);
    },
    castArgs: (args) => [args[0]!.type, withNullable(args[0]!.type.element!, true)],
    create: () => (arr: unknown[] | null, x: unknown) => {
      if (arr === null) return null;
      for (const e of arr) if (x === null ? e === null : e !== null && valuesEqual(e, x)) return true;
      return false;
    },
  },
  {
    name: 'ARRAY_POSITION', minArgs: 2, maxArgs: 2, signature: 'ARRAY_POSITION(<ARRAY>, <ELEMENT>)', strict: false,
    inferType(args) {
      const a = args[0]!.type;
      if (a.kind !== 'ARRAY' || !leastRestrictive([a.element!, args[1]!.type])) throw badArgs('ARRAY_POSITION', args, 'ARRAY_POSITION(<ARRAY>, <ELEMENT>)');
      return T.int(a.nullable);
    },
    castArgs: (args) => [args[0]!.type, withNullable(args[0]!.type.element!, true)],
    create: () => (arr: unknown[] | null, x: unknown) => {
      if (arr === null) return null;
      for (let i = 0; i < arr.length; i++) if (x === null ? arr[i] === null : arr[i] !== null && valuesEqual(arr[i], x)) return i + 1;
      return 0;
    },
  },
  {
    name: 'ARRAY_REMOVE', minArgs: 2, maxArgs: 2, signature: 'ARRAY_REMOVE(<ARRAY>, <ELEMENT>)', strict: false,
    inferType(args) {
      const a = args[0]!.type;
      if (a.kind !== 'ARRAY' || !leastRestrictive([a.element!, args[1]!.type])) throw badArgs('ARRAY_REMOVE', args, 'ARRAY_REMOVE(<ARRAY>, <ELEMENT>)');
      return a;
    },
    castArgs: (args) => [args[0]!.type, withNullable(args[0]!.type.element!, true)],
    create: () => (arr: unknown[] | null, x: unknown) =>
      (arr === null ? null : arr.filter((e) => !(x === null ? e === null : e !== null && valuesEqual(e, x)))),
  },
  builtin({
    name: 'ARRAY_DISTINCT', args: ['array'], form: 'ARRAY_DISTINCT(<ARRAY>)', returns: (a) => ({ ...a[0]!.type, nullable: false }),
    impl: () => (arr: unknown[]) => {
      const seen = new Set<string>();
      return arr.filter((e) => {
        const k = valueKey(e);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    },
  }),
  builtin({ name: 'ARRAY_REVERSE', args: ['array'], form: 'ARRAY_REVERSE(<ARRAY>)', returns: (a) => ({ ...a[0]!.type, nullable: false }), impl: () => (arr: unknown[]) => [...arr].reverse() }),
  {
    name: 'ARRAY_CONCAT', minArgs: 1, maxArgs: Infinity, signature: 'ARRAY_CONCAT(<ARRAY>, ...)',
    inferType(args) {
      const t = leastRestrictive(args.map((a) => a.type));
      if (!t || t.kind !== 'ARRAY') throw badArgs('ARRAY_CONCAT', args, 'ARRAY_CONCAT(<ARRAY>, ...)');
      return t;
    },
    castArgs: (args, result) => args.map((a) => withNullable(result, a.type.nullable)),
    create: () => (...arrs: unknown[][]) => arrs.flat(),
  },
  builtin({
    name: 'ARRAY_JOIN', args: ['array', 'string', 'string'], arity: [2, 3], form: 'ARRAY_JOIN(<ARRAY<STRING>>, <STRING>[, <STRING>])', returns: T.string(false),
    impl: () => (arr: (string | null)[], sep: string, nullAs?: string) =>
      arr.flatMap((e) => (e === null ? (nullAs === undefined ? [] : [nullAs]) : [String(e)])).join(sep),
  }),
  builtin({
    name: 'ARRAY_MAX', args: ['array'], form: 'ARRAY_MAX(<ARRAY>)', returns: (a) => withNullable(a[0]!.type.element ?? T.null(), true),
    impl: () => (arr: unknown[]) => arr.reduce<unknown>((m, e) => (e !== null && (m === null || compareValues(e, m) > 0) ? e : m), null),
  }),
  builtin({
    name: 'ARRAY_MIN', args: ['array'], form: 'ARRAY_MIN(<ARRAY>)', returns: (a) => withNullable(a[0]!.type.element ?? T.null(), true),
    impl: () => (arr: unknown[]) => arr.reduce<unknown>((m, e) => (e !== null && (m === null || compareValues(e, m) < 0) ? e : m), null),
  }),
  builtin({
    name: 'MAP_ENTRIES', args: ['map'], form: 'MAP_ENTRIES(<MAP>)',
    returns: (a) => T.array(T.row([{ name: 'key', type: a[0]!.type.key ?? T.null() }, { name: 'value', type: a[0]!.type.value ?? T.null() }], false), false),
    impl: () => (m: Map<unknown, unknown>) => [...m].map(([k, v]) => [k, v]),
  }),
  builtin({
    name: 'MAP_FROM_ARRAYS', args: ['array'], arity: [2, 2], form: 'MAP_FROM_ARRAYS(<ARRAY>, <ARRAY>)',
    returns: (a) => T.map(a[0]!.type.element ?? T.null(), a[1]!.type.element ?? T.null(), false),
    impl: () => (ks: unknown[], vs: unknown[]) => {
      if (ks.length !== vs.length) throw new SqlRuntimeError(`MAP_FROM_ARRAYS: the key array has ${ks.length} elements but the value array has ${vs.length}`);
      return new Map(ks.map((k, i) => [k, vs[i]]));
    },
  }),
  builtin({
    name: 'MAP_KEYS', args: ['map'], form: 'MAP_KEYS(<MAP>)', returns: (a) => T.array(a[0]!.type.key ?? T.null(), false),
    impl: () => (m: Map<unknown, unknown>) => [...m.keys()],
  }),
  builtin({
    name: 'MAP_VALUES', args: ['map'], form: 'MAP_VALUES(<MAP>)', returns: (a) => T.array(a[0]!.type.value ?? T.null(), false),
    impl: () => (m: Map<unknown, unknown>) => [...m.values()],
  }),
];
