import { SqlTypeError } from '../types/errors.js';
import { type SqlType, typeToString } from '../types/sql-type.js';

/** What the compiler knows about one argument of a call when it resolves the function. */
export interface ArgInfo {
  type: SqlType;
  /** Whether the argument is a constant (literals and folded expressions). */
  isConstant: boolean;
  /** The argument's value when `isConstant`; lets functions precompile patterns and formats. */
  value?: unknown;
}

/** Session settings and clock available to functions at run time. */
export interface EvalContext {
  /** Session time zone (`table.local-time-zone`), an IANA name or `UTC`. */
  timeZone: string;
  /** The current time in epoch ms, for CURRENT_TIMESTAMP, NOW(), PROCTIME(). Tests pin it. */
  now(): number;
}

/** The per-row implementation of a scalar function: positional argument values in, value out. */
export type ScalarImpl = (...args: any[]) => unknown;

/**
 * A scalar function the compiler can call.
 *
 * The compiler checks the argument count, calls `inferType` once (it throws `SqlTypeError` with
 * Flink's wording; the compiler adds the call's position), converts arguments to `castArgs(args)`
 * when given, then calls `create` once to get the per-row implementation.
 */
export interface ScalarFunction {
  name: string;
  minArgs: number;
  /** `Infinity` for variadic functions. */
  maxArgs: number;
  inferType(args: ArgInfo[]): SqlType;
  /** Types the arguments should be cast to before the call (same length as args), if any. */
  castArgs?(args: ArgInfo[], resultType: SqlType): SqlType[] | undefined;
  create(args: ArgInfo[], resultType: SqlType, ctx: EvalContext): ScalarImpl;
  /** NULL in any argument gives NULL without calling the implementation. Default true. */
  strict?: boolean;
  /** Same arguments always give the same result; `false` (RAND, NOW, UUID) prevents constant folding. Default true. */
  deterministic?: boolean;
  /** One line for `SHOW FUNCTIONS`-style listings, e.g. `UPPER(string)`. */
  signature?: string;
}

/**
 * The accumulator of an aggregate function. Accumulators are mutable: `add`, `retract` and
 * `merge` change `acc` in place. `args` holds the evaluated arguments of one input row
 * (`[]` for COUNT(*)); the aggregate itself skips NULLs as Flink's do.
 */
export interface Accumulator<A = any> {
  create(): A;
  add(acc: A, args: unknown[]): void;
  /** Present when the aggregate can take back a row (retract streams, over windows). */
  retract?(acc: A, args: unknown[]): void;
  /** Folds `other` into `acc` (session windows, two-phase aggregation). */
  merge?(acc: A, other: A): void;
  result(acc: A): unknown;
  resultType: SqlType;
  /**
   * The same aggregate with its state as a few fields, for built-ins whose state is a few numbers. When
   * every call of a GROUP BY has one, the planner keeps all calls' fields in one object per group and
   * generates straight-line code over them (as Flink generates its `AggsHandleFunction`), instead of an
   * object per call that the garbage collector has to copy while groups and windows are open.
   */
  flat?: FlatAccumulator<A>;
}

/**
 * An aggregate's state as fields, with its operations as JavaScript source. The snippets get the
 * fields as assignable expressions `f`, the argument values as expressions `a` (each evaluated once,
 * before the snippet) and `h`, an expression for {@link FlatAccumulator.helpers}. They hold no user
 * input: only these names, numbers and operators.
 */
export interface FlatAccumulator<A = any> {
  /** Initial value of each field. */
  readonly init: readonly (number | null)[];
  /** Statements that add one row's arguments. */
  add(f: readonly string[], a: readonly string[], h: string): string;
  /** Statements that take one row's arguments back, when the aggregate can. */
  retract?(f: readonly string[], a: readonly string[], h: string): string;
  /** Statements that fold the fields `o` of another group into `f`. */
  merge(f: readonly string[], o: readonly string[], h: string): string;
  /** An expression for the result. */
  result(f: readonly string[], h: string): string;
  /** Values the snippets reach through `h`. */
  readonly helpers?: unknown;
  /** COUNT(*): the result is the group's row count, which the group keeps anyway (no field needed). */
  readonly countsRows?: boolean;
  /** The fields of an accumulator in object form (from `create()`), for state written in that form. */
  fromObject(acc: A): (number | null)[];
}

/** How an aggregate will be used; lets append-only aggregates skip bookkeeping they would need to retract. */
export interface AggregateOptions {
  /** The input may retract rows: the accumulator must have `retract` (MIN/MAX then keep a multiset). */
  retraction?: boolean;
  /** Accumulators will be merged (SESSION windows): the accumulator must have `merge`. */
  merging?: boolean;
  /** JSON_OBJECTAGG / JSON_ARRAYAGG: the `NULL ON NULL` / `ABSENT ON NULL` clause from the call (`FunctionCall.json.onNull`). */
  jsonOnNull?: 'NULL' | 'ABSENT';
}

/** An aggregate function: resolves argument types to a result type and an accumulator. */
export interface AggregateFunction {
  name: string;
  minArgs: number;
  maxArgs: number;
  /** Throws `SqlTypeError` (no position; the caller adds it) for unsupported argument types. */
  inferType(args: SqlType[]): SqlType;
  create(args: SqlType[], resultType: SqlType, options?: AggregateOptions): Accumulator;
  signature?: string;
}

/** A table function (`LATERAL TABLE(f(x))`): each call yields zero or more rows. */
export interface TableFunction {
  name: string;
  minArgs: number;
  maxArgs: number;
  /** A ROW type: the columns the function produces. */
  inferType(args: SqlType[]): SqlType;
  create(args: SqlType[], resultType: SqlType, ctx: EvalContext): (...args: any[]) => Iterable<unknown[]>;
}

/** `Cannot apply 'F' to arguments of type 'F(<INT>, <STRING>)'`, Flink's wording for a bad call. */
export function badArgs(name: string, args: ArgInfo[] | SqlType[], expected?: string): SqlTypeError {
  const types = args.map((a) => `<${typeToString('isConstant' in a ? a.type : a).replace(/ NOT NULL$/, '')}>`);
  const msg = `Cannot apply '${name}' to arguments of type '${name}(${types.join(', ')})'.`;
  return new SqlTypeError(expected ? `${msg} Supported form(s): '${expected}'` : msg);
}

/** Nullable if any argument is: the usual result nullability of a strict function. */
export function anyNullable(args: ArgInfo[] | SqlType[]): boolean {
  for (const a of args) {
    const t = 'isConstant' in a ? a.type : (a as SqlType);
    if (t.nullable) return true;
  }
  return false;
}
