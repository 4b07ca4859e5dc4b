import { UserError } from '../../core/errors.js';
import { SqlTypeError } from '../types/errors.js';
import { canImplicitlyCast, parseSqlType, type SqlType, typeToString } from '../types/sql-type.js';
import type { Accumulator, AggregateFunction, AggregateOptions, ArgInfo, ScalarFunction, TableFunction } from './define.js';
import { badArgs } from './define.js';
import {
  argConverters, describeUdf, resultConverter, rowConverter, type UdfOrigin, udfRuntimeError, unserializablePart,
} from './user-values.js';
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
  /** Declared parameter types: the call is checked against them and arguments are cast. Omit to accept anything. */
  argTypes?: TypeSpec[];
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
  /** Declared parameter types: the call is checked against them and arguments are cast. Omit to accept anything. */
  argTypes?: TypeSpec[];
}

/** What a name refers to in the catalog. */
export type FunctionKind = 'scalar' | 'aggregate' | 'table';

function toType(spec: TypeSpec): SqlType {
  return typeof spec === 'string' ? parseSqlType(spec) : spec;
}

/** Options of `register*`. */
export interface RegisterOptions {
  /** Replace a user function of the same name instead of failing. */
  replace?: boolean;
  /** Where the function came from (`./udfs.js#score`), for messages and `SHOW USER FUNCTIONS`. */
  module?: string;
}

/** Declared parameters: the count and, per argument, an implicit cast must exist. */
function checkArgs(name: string, args: SqlType[], params: SqlType[]): void {
  if (args.length !== params.length) {
    throw new SqlTypeError(`Invalid number of arguments to function '${name}'. Was expecting ${params.length} arguments`);
  }
  if (args.some((a, i) => !canImplicitlyCast(a, params[i]!))) {
    throw badArgs(name, args, `${name}(${params.map((p) => `<${typeToString(p).replace(/ NOT NULL$/, '')}>`).join(', ')})`);
  }
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
  /** Module and export of user functions loaded by CREATE FUNCTION. */
  private readonly modules = new Map<string, string>();

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

  /** Whether `name` is a user function (registered, not built in). */
  isUser(name: string): boolean {
    return this.user.has(name.toUpperCase());
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
    const module = this.modules.get(f.name);
    if (options.retraction && !acc.retract) {
      throw new UserError(`Aggregate function '${f.name}' cannot retract rows, so it cannot run on an updating input`, {
        origin: 'sql',
        hint: this.user.has(f.name)
          ? `add a retract(acc, ...args) method to ${module ?? 'its definition'}, or aggregate an append-only input`
          : 'aggregate an append-only input',
      });
    }
    if (options.merging && !acc.merge) {
      throw new UserError(`Aggregate function '${f.name}' cannot merge accumulators, which SESSION windows need`, {
        origin: 'sql', hint: `add a merge(acc, other) method to ${module ?? 'its definition'}, or use a TUMBLE, HOP or CUMULATE window`,
      });
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

  /** Registers a scalar function written in JS/TS. NULL arguments reach `eval` as `null`, as in Flink. */
  registerScalar(name: string, def: UserScalarFunction, options: RegisterOptions = {}): void {
    if (typeof def.eval !== 'function') throw new UserError(`function '${name}' has no eval(...) method`, { origin: 'sql' });
    const params = def.argTypes?.map(toType);
    const who: UdfOrigin = { name: name.toUpperCase(), module: options.module };
    const f: ScalarFunction = {
      name: who.name,
      minArgs: params ? params.length : 0,
      maxArgs: params ? params.length : Infinity,
      inferType: (args: ArgInfo[]) => resolveSpec(def.resultType, args.map((a) => a.type)),
      castArgs: params ? () => params : undefined,
      create: (_args, resultType) => {
        const convert = resultConverter(resultType, who, 'its result');
        const fn = def.eval;
        return (...a: unknown[]) => {
          let r: unknown;
          try {
            r = fn.apply(def, a);
          } catch (e) {
            throw udfRuntimeError(who, 'eval', a, e);
          }
          return convert(r);
        };
      },
      strict: false,
      deterministic: def.deterministic ?? true,
      signature: `${who.name}(${params ? params.map((p) => typeToString(p)).join(', ') : '...'})`,
    };
    this.scalars.set(this.claim(name, options.replace ?? false), f);
    this.noteModule(name, options.module);
  }

  /**
   * Registers an aggregate function written in JS/TS. Accumulators are changed in place and must
   * survive checkpoints: plain objects, arrays, Map, Set, Date and primitives (see `unserializablePart`).
   */
  registerAggregate(name: string, def: UserAggregateFunction, options: RegisterOptions = {}): void {
    const who: UdfOrigin = { name: name.toUpperCase(), module: options.module };
    const params = def.argTypes?.map(toType);
    const guard = <R>(method: string, args: unknown[] | undefined, call: () => R): R => {
      try {
        return call();
      } catch (e) {
        throw udfRuntimeError(who, method, args, e);
      }
    };
    const checkAcc = (acc: unknown, when: string): void => {
      const bad = typeof acc !== 'object' || acc === null
        ? `createAccumulator() returned ${acc === null ? 'null' : typeof acc}, but accumulators are changed in place, so it must be an object, array or Map`
        : unserializablePart(acc);
      if (bad) {
        throw new UserError(`${describeUdf(who)}: ${bad} ${when}, which a checkpoint cannot store`, {
          origin: 'sql', hint: 'keep accumulators as plain data: objects, arrays, Map, Set, numbers, strings, booleans, bigint',
        });
      }
    };
    const f: AggregateFunction = {
      name: who.name,
      minArgs: params ? params.length : 0,
      maxArgs: params ? params.length : Infinity,
      inferType: (args) => {
        if (params) checkArgs(who.name, args, params);
        return resolveSpec(def.resultType, args);
      },
      create: (args, resultType) => {
        checkAcc(guard('createAccumulator', undefined, () => def.createAccumulator()), 'after createAccumulator()');
        const casts = argConverters(args, params);
        const cast = casts.some((c) => c) ? (a: unknown[]) => a.map((v, i) => (casts[i] ? casts[i]!(v) : v)) : (a: unknown[]) => a;
        const convert = resultConverter(resultType, who, 'its result');
        // One deep check after the first row catches what accumulate() put in; checking every row would cost too much.
        let checked = false;
        const acc: Accumulator = {
          create: () => guard('createAccumulator', undefined, () => def.createAccumulator()),
          add: (a, row) => {
            const v = cast(row);
            guard('accumulate', v, () => def.accumulate(a, ...v));
            if (!checked) { checked = true; checkAcc(a, 'after accumulate(...)'); }
          },
          result: (a) => convert(guard('getValue', undefined, () => def.getValue(a))),
          resultType,
        };
        const retract = def.retract;
        if (retract) acc.retract = (a, row) => { const v = cast(row); guard('retract', v, () => retract.call(def, a, ...v)); };
        const merge = def.merge;
        if (merge) acc.merge = (a, o) => guard('merge', undefined, () => merge.call(def, a, o));
        return acc;
      },
      signature: `${who.name}(${params ? params.map((p) => typeToString(p)).join(', ') : '...'})`,
    };
    this.aggregates.set(this.claim(name, options.replace ?? false), f);
    this.noteModule(name, options.module);
  }

  /**
   * Registers a table function written in JS/TS: `eval` returns an iterable (a generator, an array)
   * of rows, each an array, an object keyed by field name, or a single value when the type is not a ROW.
   */
  registerTable(name: string, def: UserTableFunction, options: RegisterOptions = {}): void {
    const who: UdfOrigin = { name: name.toUpperCase(), module: options.module };
    const params = def.argTypes?.map(toType);
    const f: TableFunction = {
      name: who.name,
      minArgs: params ? params.length : 0,
      maxArgs: params ? params.length : Infinity,
      inferType: (args) => {
        if (params) checkArgs(who.name, args, params);
        const t = resolveSpec(def.resultType, args);
        // Flink names the one column of a table function over an atomic type `f0`.
        return t.kind === 'ROW' ? t : { kind: 'ROW', nullable: false, fields: [{ name: 'f0', type: t }] };
      },
      create: (args, resultType) => {
        const declared = resolveSpec(def.resultType, args);
        const casts = argConverters(args, params);
        const row = declared.kind === 'ROW' ? rowConverter(resultType, who, 'a row') : undefined;
        const single = row ? undefined : resultConverter(resultType.fields![0]!.type, who, 'a row');
        const fn = def.eval;
        return function* (...a: unknown[]) {
          const v = a.map((x, i) => (casts[i] ? casts[i]!(x) : x));
          let it: Iterator<unknown>;
          try {
            const out = fn.apply(def, v) as Iterable<unknown> | null | undefined;
            if (out === null || out === undefined) return;
            if (typeof (out as Iterable<unknown>)[Symbol.iterator] !== 'function') {
              throw new TypeError(`eval returned ${typeof out}, not an iterable (write a generator function* or return an array)`);
            }
            it = out[Symbol.iterator]();
          } catch (e) {
            throw udfRuntimeError(who, 'eval', v, e);
          }
          for (;;) {
            let step: IteratorResult<unknown>;
            try {
              step = it.next();
            } catch (e) {
              throw udfRuntimeError(who, 'eval', v, e);
            }
            if (step.done) return;
            yield row ? row(step.value) as unknown[] : [single!(step.value)];
          }
        };
      },
    };
    this.tables.set(this.claim(name, options.replace ?? false), f);
    this.noteModule(name, options.module);
  }

  /** Where a user function came from (module and export), if it was loaded from a module. */
  moduleOf(name: string): string | undefined {
    return this.modules.get(name.toUpperCase());
  }

  /** Remembers the module of a scalar or table function for `SHOW USER FUNCTIONS` and messages. */
  private noteModule(name: string, module: string | undefined): void {
    if (module) this.modules.set(name.toUpperCase(), module);
  }

  /** Removes a user function; returns whether one was there. Built-ins cannot be dropped. */
  drop(name: string): boolean {
    const n = name.toUpperCase();
    if (!this.user.has(n)) return false;
    this.user.delete(n);
    this.modules.delete(n);
    return this.scalars.delete(n) || this.aggregates.delete(n) || this.tables.delete(n);
  }
}
