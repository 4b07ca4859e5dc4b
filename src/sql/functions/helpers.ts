import {
  type SqlType, isCharacter, isDatetime, isExactNumeric, isIntegerKind, isNumeric, isTimestamp, T,
} from '../types/sql-type.js';
import { type ArgInfo, type EvalContext, type ScalarFunction, type ScalarImpl, anyNullable, badArgs } from './define.js';

/** Argument kinds built-in signatures are written with. */
export type ArgKind = 'string' | 'numeric' | 'integer' | 'exact' | 'boolean' | 'datetime' | 'timestamp' | 'date' | 'array' | 'map' | 'any';

const CHECK: Record<ArgKind, (t: SqlType) => boolean> = {
  string: isCharacter,
  numeric: isNumeric,
  integer: (t) => isIntegerKind(t.kind),
  exact: isExactNumeric,
  boolean: (t) => t.kind === 'BOOLEAN',
  datetime: isDatetime,
  timestamp: isTimestamp,
  date: (t) => t.kind === 'DATE' || isTimestamp(t),
  array: (t) => t.kind === 'ARRAY',
  map: (t) => t.kind === 'MAP',
  any: () => true,
};

/**
 * Checks argument kinds (NULL literals pass anywhere); the last kind repeats for extra arguments.
 * Throws Flink's "Cannot apply 'F' to arguments of type ..." with `form` as the supported form.
 */
export function expectArgs(name: string, args: ArgInfo[], kinds: ArgKind[], form: string): void {
  args.forEach((a, i) => {
    const k = kinds[Math.min(i, kinds.length - 1)]!;
    if (a.type.kind !== 'NULL' && !CHECK[k](a.type)) throw badArgs(name, args, form);
  });
}

export interface BuiltinSpec {
  name: string;
  args: ArgKind[];
  /** Arguments allowed: [min, max]; defaults to exactly `args.length`. */
  arity?: [number, number];
  form: string;
  /** Result type (its nullability is raised to the arguments' when the function is strict). */
  returns: SqlType | ((args: ArgInfo[]) => SqlType);
  impl: (args: ArgInfo[], result: SqlType, ctx: EvalContext) => ScalarImpl;
  strict?: boolean;
  deterministic?: boolean;
  castArgs?: (args: ArgInfo[], result: SqlType) => SqlType[] | undefined;
}

/** Builds a built-in `ScalarFunction` from a compact spec. */
export function builtin(spec: BuiltinSpec): ScalarFunction {
  const [min, max] = spec.arity ?? [spec.args.length, spec.args.length];
  const strict = spec.strict ?? true;
  return {
    name: spec.name,
    minArgs: min,
    maxArgs: max,
    signature: spec.form,
    strict,
    deterministic: spec.deterministic ?? true,
    inferType(args) {
      expectArgs(spec.name, args, spec.args, spec.form);
      const t = typeof spec.returns === 'function' ? spec.returns(args) : spec.returns;
      return strict && anyNullable(args) && !t.nullable ? { ...t, nullable: true } : t;
    },
    create: spec.impl,
    ...(spec.castArgs ? { castArgs: spec.castArgs } : {}),
  };
}

/** Shorthand: STRING, nullable. */
export const STRING = T.string();

/** The constant value of argument `i`, if it is constant. */
export function constArg(args: ArgInfo[], i: number): unknown {
  const a = args[i];
  return a && a.isConstant ? a.value : undefined;
}
