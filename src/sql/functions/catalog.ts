import { UserError } from '../../core/errors.js';
import { parseSqlType, type SqlType } from '../types/sql-type.js';
import type { Accumulator, AggregateFunction, AggregateOptions, ArgInfo, ScalarFunction, TableFunction } from './define.js';
import { STRING_FUNCTIONS } from './string.js';
import { MATH_FUNCTIONS } from './math.js';
import { DATETIME_FUNCTIONS } from './datetime.js';
import { JSON_FUNCTIONS } from './json.js';
import { MISC_FUNCTIONS } from './misc.js';
import { AGGREGATE_FUNCTIONS } from './aggregates.js';

/** A type given as a `SqlType` or as Flink SQL text (`'DECIMAL(10, 2)'`). */
export type TypeSpec = SqlType | string;

/**
 * A scalar function written in JS/TS, e.g. the export of a module loaded by `CREATE FUNCTION`.
 * `eval` receives argument values (NULLs included, as Flink passes them to Java UDFs) and returns the result.
 *
 * @example
 * catalog.registerScalar('add_tax', { eval: (x: number) => x * 1.2, resultType: 'DOUBLE' });
 */
export interface UserScalarFunction {
  eval: (...args: any[]) => unknown;
  /** The result type, or a function of the argument types. */
  resultType: TypeSpec | ((argTypes: SqlType[]) => TypeSpec);
  /** Declared parameter types; arguments are cast to them. Omit to accept anything. */
  argTypes?: TypeSpec[];
  /** Default true. */
  deterministic?: boolean;
}

/**
 * An aggregate function written in JS/TS, shaped like Flink's `AggregateFunction`: an accumulator
 * object changed in place by `accumulate` (and `retract`/`merge` when supported).
 *
 * @example
 * catalog.registerAggregate('weighted_avg', {
 *   createAccumulator: () => ({ sum: 0, weight: 0 }),
 *   accumulate: (acc, v, w) => { if (v != null && w != null) { acc.sum += v * w; acc.weight += w; } },
 *   getValue: (acc) => (acc.weight === 0 ? null : acc.sum / acc.weight),
 *   resultType: 'DOUBLE',
 * });
 */
export interface UserAggregateFunction<A = any> {
  createAccumulator(): A;
  accumulate(acc: A, ...args: any[]): void;
  retract?(acc: A, ...args: any[]): void;
  merge?(acc: A, other: A): void;
  getValue(acc: A): unknown;
  resultType: TypeSpec | ((argTypes: SqlType[]) => TypeSpec);
}

/**
 * A table function written in JS/TS: `eval` yields rows (arrays, or single values when the result
 * type is not a ROW).
 *
 * @example
 * catalog.registerTable('split', { eval: function* (s: string) { for (const w of s.split(' ')) yield [w, w.length]; },
 *   resultType: 'ROW<word STRING, length INT>' });
 */
export interface UserTableFunction {
  eval: (...args: any[]) => Iterable<unknown>;
  resultType: TypeSpec | ((argTypes: SqlType[]) => TypeSpec);
}

/** What a name refers to in the catalog. */
export type FunctionKind = 'scalar' | 'aggregate' | 'table';

function toType(spec: TypeSpec): SqlType {
  return typeof spec === 'string' ? parseSqlType(spec) : spec;
}

function resolveSpec(spec: UserScalarFunction['resultType'], args: SqlType[]): SqlType {
  return toType(typeof spec === 'function' ? spec(args) : spec);
}

/**
 * The functions a SQL session can call: all built-ins plus registered user functions. Names are
 * case-insensitive, as in Flink. One catalog per session; the planner passes it to `compileExpr`.
 *
 * @example
 * const catalog = new FunctionCatalog();
 * catalog.kind('sum')        // 'aggregate'
 * catalog.scalar('UPPER')    // the ScalarFunction of UPPER
 */
export class FunctionCatalog {
  private readonly scalars = new Map<string, ScalarFunction>();
  private readonly aggregates = new Map<string, AggregateFunction>();
  private readonly tables = new Map<string, TableFunction>();
  private readonly user = new Set<string>();

  constructor(options: { builtins?: boolean } = {}) {
    if (options.builtins === false) return;
    for (const f of [...STRING_FUNCTIONS, ...MATH_FUNCTIONS, ...DATETIME_FUNCTIONS, ...JSON_FUNCTIONS, ...MISC_FUNCTIONS]) {
      this.scalars.set(f.name.toUpperCase(), f);
    }
    for (const f of AGGREGATE_FUNCTIONS) this.aggregates.set(f.name.toUpperCase(), f);
  }

  /** The scalar function called `name`, if any. */
  scalar(name: string): ScalarFunction | undefined {
    return this.scalars.get(name.toUpperCase());
  }

  /** The aggregate function called `name`, if any. */
  aggregate(name: string): AggregateFunction | undefined {
    return this.aggregates.get(name.toUpperCase());
  }

  /** The table function called `name`, if any. */
  table(name: string): TableFunction | undefined {
    return this.tables.get(name.toUpperCase());
  }

  /** Whether `name` is a scalar, aggregate or table function, or `undefined` when unknown. */
  kind(name: string): FunctionKind | undefined {
    const n = name.toUpperCase();
    if (this.scalars.has(n)) return 'scalar';
    if (this.aggregates.has(n)) return 'aggregate';
    if (this.tables.has(n)) return 'table';
    return undefined;
  }

  /** All names, upper-case and sorted, with their kind. */
  list(): { name: string; kind: FunctionKind; user: boolean }[] {
    const out: { name: string; kind: FunctionKind; user: boolean }[] = [];
    for (const n of this.scalars.keys()) out.push({ name: n, kind: 'scalar', user: this.user.has(n) });
    for (const n of this.aggregates.keys()) out.push({ name: n, kind: 'aggregate', user: this.user.has(n) });
    for (const n of this.tables.keys()) out.push({ name: n, kind: 'table', user: this.user.has(n) });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Resolves an aggregate call to its accumulator, checking the arguments.
   * Throws `SqlTypeError` (without position; the planner adds it) when the name or types are wrong.
   */
  resolveAggregate(name: string, argTypes: SqlType[], options: AggregateOptions = {}): Accumulator {
    const f = this.aggregate(name);
    if (!f) throw new UserError(`No match found for aggregate function '${name}'`, { origin: 'sql' });
    if (argTypes.length < f.minArgs || argTypes.length > f.maxArgs) {
      throw new UserError(`Invalid number of arguments to function '${f.name}'. Was expecting ${f.minArgs === f.maxArgs ? f.minArgs : `${f.minArgs} to ${f.maxArgs}`} arguments`, { origin: 'sql' });
    }
    const acc = f.create(argTypes, f.inferType(argTypes), options);
    if (options.retraction && !acc.retract) {
      throw new UserError(`Aggregate function '${f.name}' cannot retract rows, so it cannot run on an updating input`, { origin: 'sql' });
    }
    return acc;
  }

  private claim(name: string, replace: boolean): string {
    const n = name.toUpperCase();
    if (!/^[A-Z_][A-Z0-9_$]*$/.test(n)) {
      throw new UserError(`'${name}' is not a valid function name`, { origin: 'sql', hint: 'use letters, digits and underscores' });
    }
    if (this.kind(n) !== undefined) {
      if (!this.user.has(n)) {
        throw new UserError(`Function '${name}' is a built-in function and cannot be replaced`, { origin: 'sql', hint: 'pick another name' });
      }
      if (!replace) {
        throw new UserError(`Function '${name}' already exists`, { origin: 'sql', hint: 'drop it first or register with { replace: true }' });
      }
      this.drop(n);
    }
    this.user.add(n);
    return n;
  }

  /** Registers a built-in-style scalar function (full control over typing). */
  registerScalarFunction(f: ScalarFunction, options: { replace?: boolean } = {}): void {
    this.scalars.set(this.claim(f.name, options.replace ?? false), f);
  }

  /** Registers a built-in-style aggregate function. */
  registerAggregateFunction(f: AggregateFunction, options: { replace?: boolean } = {}): void {
    this.aggregates.set(this.claim(f.name, options.replace ?? false), f);
  }

  /** Registers a scalar function written in JS/TS. */
  registerScalar(name: string, def: UserScalarFunction, options: { replace?: boolean } = {}): void {
    if (typeof def.eval !== 'function') throw new UserError(`function '${name}' has no eval(...) method`, { origin: 'sql' });
    const params = def.argTypes?.map(toType);
    const f: ScalarFunction = {
      name: name.toUpperCase(),
      minArgs: params ? params.length : 0,
      maxArgs: params ? params.length : Infinity,
      inferType: (args: ArgInfo[]) => resolveSpec(def.resultType, args.map((a) => a.type)),
      castArgs: params ? () => params : undefined,
      create: () => def.eval.bind(def),
      strict: false,
      deterministic: def.deterministic ?? true,
    };
    this.scalars.set(this.claim(name, options.replace ?? false), f);
  }

  /** Registers an aggregate function written in JS/TS. */
  registerAggregate(name: string, def: UserAggregateFunction, options: { replace?: boolean } = {}): void {
    const f: AggregateFunction = {
      name: name.toUpperCase(),
      minArgs: 0,
      maxArgs: Infinity,
      inferType: (args) => resolveSpec(def.resultType, args),
      create: (_args, resultType) => ({
        create: () => def.createAccumulator(),
        add: (acc, a) => def.accumulate(acc, ...a),
        ...(def.retract ? { retract: (acc: unknown, a: unknown[]) => def.retract!(acc, ...a) } : {}),
        ...(def.merge ? { merge: (acc: unknown, o: unknown) => def.merge!(acc, o) } : {}),
        result: (acc) => def.getValue(acc) ?? null,
        resultType,
      }),
    };
    this.aggregates.set(this.claim(name, options.replace ?? false), f);
  }

  /** Registers a table function written in JS/TS. */
  registerTable(name: string, def: UserTableFunction, options: { replace?: boolean } = {}): void {
    const f: TableFunction = {
      name: name.toUpperCase(),
      minArgs: 0,
      maxArgs: Infinity,
      inferType: (args) => {
        const t = resolveSpec(def.resultType, args);
        return t.kind === 'ROW' ? t : { kind: 'ROW', nullable: false, fields: [{ name: 'f0', type: t }] };
      },
      create: (_args, resultType) => {
        const wrap = resultType.fields!.length === 1 && !(typeof def.resultType === 'string' ? /^\s*ROW/i.test(def.resultType) : false);
        return function* (...a: unknown[]) {
          for (const r of def.eval(...a)) yield wrap && !Array.isArray(r) ? [r] : (r as unknown[]);
        };
      },
    };
    this.tables.set(this.claim(name, options.replace ?? false), f);
  }

  /** Removes a user function; returns whether one was there. Built-ins cannot be dropped. */
  drop(name: string): boolean {
    const n = name.toUpperCase();
    if (!this.user.has(n)) return false;
    this.user.delete(n);
    return this.scalars.delete(n) || this.aggregates.delete(n) || this.tables.delete(n);
  }
}
