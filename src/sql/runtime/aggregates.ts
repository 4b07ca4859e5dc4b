import { UserError } from '../../core/errors.js';
import type { Row } from '../../connectors/registry.js';
import type { Accumulator, FlatAccumulator } from '../functions/define.js';
import { valueKey } from '../types/compare.js';
import type { RowFn } from './calc.js';

/** One aggregate call of a query, bound to its input columns: `SUM(DISTINCT x) FILTER (WHERE c)`. */
export interface AggCall {
  accumulator: Accumulator;
  args: RowFn[];
  filter?: RowFn | undefined;
  distinct: boolean;
  /** As written, for plans and messages. */
  text: string;
}

/**
 * The accumulators of all calls of one group (and window). In the object form each call has an
 * accumulator object in `accs`; in the flat form (every call has a {@link FlatAccumulator}, none is
 * DISTINCT) the calls' fields are properties of this one object (`f0`, `f1`, …) and `accs` is absent.
 */
export interface GroupAcc {
  /** Values of the grouping keys, taken from the first row. */
  keys: Row | null;
  /** Rows currently accumulated (insertions minus retractions). */
  count: number;
  /** Object form: one accumulator per call. */
  accs?: unknown[];
  /** Object form: per DISTINCT call, how often each distinct argument list was seen. */
  seen?: (Map<string, { args: unknown[]; n: number }> | null)[];
}

/**
 * A column of a row built from a group: grouping key `key`, the caller's value `extra` (window
 * bounds), or the result of call `result`.
 */
export type GroupColumn = { key: number } | { extra: number } | { result: number };

/** Builds an output row from a group: `keys` is the key array, or the single key itself with `keyIsValue`. */
export type RowMaker = (acc: GroupAcc, keys: any, x0?: unknown, x1?: unknown, x2?: unknown) => Row;

/** The arguments of COUNT(*): one shared, frozen array, so counting allocates nothing per row. */
const NO_ARGS: readonly unknown[] = Object.freeze([]);

/**
 * Evaluates the arguments of one call on a row. A DISTINCT call keeps its arguments, so it gets a fresh
 * array per row; every other call fills one scratch array, which accumulators only read during `add` or
 * `retract` (the built-in ones destructure it, user-defined ones get it spread): one allocation less per
 * row and call, which showed as the largest part of window aggregation's garbage.
 */
function argsOf(fns: readonly RowFn[], fresh: boolean): (row: Row) => unknown[] {
  if (fns.length === 0) return () => NO_ARGS as unknown[];
  if (fresh) return (row) => fns.map((f) => f(row));
  const scratch = new Array<unknown>(fns.length).fill(null);
  if (fns.length === 1) {
    const f = fns[0]!;
    return (row) => { scratch[0] = f(row); return scratch; };
  }
  return (row) => {
    for (let i = 0; i < fns.length; i++) scratch[i] = fns[i]!(row);
    return scratch;
  };
}

function hasNull(args: readonly unknown[]): boolean {
  for (let i = 0; i < args.length; i++) if (args[i] === null) return true;
  return false;
}

/**
 * Runs the aggregate calls of a GROUP BY over rows: accumulate, retract (for updating inputs), read
 * results. Shared by window aggregation and unbounded group aggregation.
 */
export class AggregateSet {
  /** Set when the accumulators use the flat form: each call's result as an expression over `acc`. */
  private readonly flatResults: string[] | undefined;
  private readonly flatCreate: (() => GroupAcc) | undefined;
  private readonly flatMerge: ((target: GroupAcc, other: GroupAcc) => void) | undefined;
  /**
   * Flat form: adds a row and returns the accumulator, converting one in the object form first (the
   * shape of a window operator's `AggregateFunction.add`, so it can call the generated code directly).
   */
  readonly foldRow: ((row: Row, acc: GroupAcc) => GroupAcc) | undefined;
  /** Flat form: the field names of each call (empty for COUNT(*), which reads `count`). */
  private readonly flatFields: string[][] = [];
  private resultsMaker: RowMaker | undefined;
  private readonly args: ((row: Row) => unknown[])[];
  private readonly anyDistinct: boolean;
  /** `seen` of every accumulator when no call is DISTINCT: nothing is ever stored in it. */
  private readonly noneSeen: null[];
  /** Adds a row to the accumulators of one group (and window). */
  readonly add: (acc: GroupAcc, row: Row) => void;
  /** Takes a row back (updating inputs). */
  readonly retract: (acc: GroupAcc, row: Row) => void;

  /**
   * `storeKeys` false leaves `GroupAcc.keys` null: for window aggregates whose single key is a plain JS
   * value, the window operator's key is that value, and one array less per key and window is less for
   * the garbage collector to copy while windows are open.
   */
  constructor(readonly calls: readonly AggCall[], private readonly keyFns: readonly RowFn[], private readonly storeKeys = true) {
    this.args = calls.map((c) => argsOf(c.args, c.distinct));
    this.anyDistinct = calls.some((c) => c.distinct);
    this.noneSeen = calls.map(() => null);
    const flats = calls.map((c) => (c.distinct ? undefined : c.accumulator.flat));
    if (calls.length > 0 && flats.every((f) => f !== undefined)) {
      const flat = this.compileFlat(flats as FlatAccumulator[]);
      this.flatResults = flat.results;
      this.flatCreate = flat.create;
      this.flatMerge = flat.merge;
      this.foldRow = flat.fold;
      this.add = flat.add;
      this.retract = flat.retract;
      return;
    }
    this.flatResults = undefined;
    this.flatCreate = undefined;
    this.flatMerge = undefined;
    this.foldRow = undefined;
    const plain = calls.every((c) => !c.distinct && !c.filter);
    this.add = plain ? this.unrolled('add') : (acc, row) => this.addRow(acc, row);
    this.retract = plain && calls.every((c) => c.accumulator.retract) ? this.unrolled('retract') : (acc, row) => this.retractRow(acc, row);
  }

  /** How many grouping keys a group has. */
  get keyCount(): number {
    return this.keyFns.length;
  }

  /** Whether the accumulators use the flat form. */
  get isFlat(): boolean {
    return this.flatResults !== undefined;
  }

  /**
   * Generates create/add/retract/merge for the flat form: one object per group with every call's
   * fields, and straight-line code per call (FILTER as an `if` around it). The generated text holds
   * only indexes, field names and the built-ins' snippets, never user input.
   */
  private compileFlat(flats: readonly FlatAccumulator[]): {
    create: () => GroupAcc; add: (acc: GroupAcc, row: Row) => void; retract: (acc: GroupAcc, row: Row) => void;
    merge: (target: GroupAcc, other: GroupAcc) => void; fold: (row: Row, acc: GroupAcc) => GroupAcc; results: string[];
  } {
    const calls = this.calls;
    const init: string[] = ['keys: null', 'count: 0'];
    let next = 0;
    for (let i = 0; i < calls.length; i++) {
      const f = flats[i]!;
      const names = f.countsRows && !calls[i]!.filter ? [] : f.init.map(() => `f${next++}`);
      names.forEach((n, j) => init.push(`${n}: ${String(f.init[j])}`));
      this.flatFields.push(names);
    }
    const fields = (i: number, obj: string): string[] => this.flatFields[i]!.map((n) => `${obj}.${n}`);
    const step = (method: 'add' | 'retract'): string => calls.map((c, i) => {
      const f = flats[i]!;
      if (this.flatFields[i]!.length === 0) return '';
      const argNames = c.args.map((_a, j) => `a${i}_${j}`);
      const body = `${c.args.map((_a, j) => `const a${i}_${j} = A[${i}][${j}](row);`).join(' ')} ${f[method]!(fields(i, 'acc'), argNames, `H[${i}]`)}`;
      return c.filter ? `if (Q[${i}](row) === true) { ${body} }` : `{ ${body} }`;
    }).join('\n');
    const keys = this.storeKeys ? 'if (acc.keys === null) acc.keys = keysOf(row);\n' : '';
    const canRetract = flats.every((f) => f.retract !== undefined);
    const results = flats.map((f, i) => (this.flatFields[i]!.length === 0 ? 'acc.count' : `(${f.result(fields(i, 'acc'), `H[${i}]`)})`));
    const merge = calls.map((_c, i) => (this.flatFields[i]!.length === 0 ? '' : flats[i]!.merge(fields(i, 'acc'), fields(i, 'o'), `H[${i}]`))).join('\n');
    const body = `return {
  create() { return { ${init.join(', ')} }; },
  add(acc, row) {\n${keys}acc.count++;\n${step('add')}\n},
  fold(row, acc) {\nif (acc.accs !== undefined) acc = upgrade(acc);\n${keys}acc.count++;\n${step('add')}\nreturn acc;\n},
  retract(acc, row) {\n${canRetract ? `acc.count--;\n${step('retract')}` : 'noRetract();'}\n},
  merge(acc, o) {\nif (acc.keys === null) acc.keys = o.keys;\nacc.count += o.count;\n${merge}\n},
};`;
    const A = calls.map((c) => c.args);
    const Q = calls.map((c) => c.filter);
    const H = flats.map((f) => f.helpers);
    const noRetract = (): never => this.cannotRetract(calls.find((_c, i) => !flats[i]!.retract)!);
    const upgrade = (acc: GroupAcc): GroupAcc => this.upgrade(acc);
    const ops = new Function('A', 'Q', 'H', 'keysOf', 'noRetract', 'upgrade', body)(A, Q, H, (row: Row) => this.keysOf(row), noRetract, upgrade) as {
      create: () => GroupAcc; add: (acc: GroupAcc, row: Row) => void; retract: (acc: GroupAcc, row: Row) => void; merge: (acc: GroupAcc, o: GroupAcc) => void;
      fold: (row: Row, acc: GroupAcc) => GroupAcc;
    };
    return { ...ops, results };
  }

  private cannotRetract(c: AggCall): never {
    throw new UserError(`aggregate ${c.text} cannot take back rows, but its input is an updating stream`, {
      origin: 'sql', hint: 'aggregate an append-only input, or use an aggregate that supports retraction (COUNT, SUM, AVG)',
    });
  }

  /**
   * The accumulator as this set keeps it: state written in the object form (before the flat form
   * existed, or by a set that could not use it) is converted to the flat form, once per group.
   */
  upgrade(acc: GroupAcc): GroupAcc {
    if (this.flatCreate === undefined || acc.accs === undefined) return acc;
    const flat = this.flatCreate() as GroupAcc & Record<string, unknown>;
    flat.keys = acc.keys;
    flat.count = acc.count;
    this.calls.forEach((c, i) => {
      const names = this.flatFields[i]!;
      if (names.length === 0) return;
      const values = c.accumulator.flat!.fromObject(acc.accs![i]);
      names.forEach((n, j) => { flat[n] = values[j]; });
    });
    return flat;
  }

  /**
   * Generates a function that builds one output row from a group, with the given columns in order: an
   * array literal of the final size, results read straight from the accumulators. Window and group
   * aggregates build one per emitted result, and copying through intermediate arrays showed in profiles.
   */
  rowMaker(columns: readonly GroupColumn[], keyIsValue = false): RowMaker {
    const results = this.flatResults ?? this.calls.map((_c, i) => `R[${i}].result(acc.accs[${i}])`);
    const cells = columns.map((c) => {
      if ('key' in c) return keyIsValue ? 'keys' : `keys[${c.key}]`;
      if ('extra' in c) return `x${c.extra}`;
      return results[c.result]!;
    });
    const R = this.calls.map((c) => c.accumulator);
    const H = this.calls.map((c) => c.accumulator.flat?.helpers);
    return new Function('R', 'H', `return function makeRow(acc, keys, x0, x1, x2) { return [${cells.join(', ')}]; };`)(R, H) as RowMaker;
  }

  /**
   * `add` or `retract` for calls without DISTINCT or FILTER, generated with one statement per call: each
   * accumulator is then called from a call site of its own, which the JIT can inline, where a loop over
   * the calls makes one site see every aggregate function. The text holds only indexes, never user input.
   */
  private unrolled(method: 'add' | 'retract'): (acc: GroupAcc, row: Row) => void {
    const lines = this.calls.map((c, i) => {
      const n = c.args.length;
      if (n === 0) return `a${i}.${method}(st[${i}], NO_ARGS);`;
      const fill = c.args.map((_f, j) => `s${i}[${j}] = f[${i}][${j}](row);`).join(' ');
      return `${fill} a${i}.${method}(st[${i}], s${i});`;
    });
    const setup = this.calls.map((c, i) => `const a${i} = calls[${i}].accumulator; const s${i} = new Array(${c.args.length}).fill(null);`).join('\n');
    const head = method === 'retract' ? 'acc.count--;' : this.storeKeys ? 'if (acc.keys === null) acc.keys = keysOf(row);\nacc.count++;' : 'acc.count++;';
    const body = `${setup}\nreturn function ${method}Row(acc, row) {\n${head}\nconst st = acc.accs;\n${lines.join('\n')}\n};`;
    const f = this.calls.map((c) => c.args);
    return new Function('calls', 'f', 'keysOf', 'NO_ARGS', body)(this.calls, f, (row: Row) => this.keysOf(row), NO_ARGS) as (acc: GroupAcc, row: Row) => void;
  }

  create(): GroupAcc {
    if (this.flatCreate !== undefined) return this.flatCreate();
    const calls = this.calls;
    const accs = new Array<unknown>(calls.length);
    for (let i = 0; i < calls.length; i++) accs[i] = calls[i]!.accumulator.create();
    return {
      keys: null,
      accs,
      seen: this.anyDistinct ? calls.map((c) => (c.distinct ? new Map<string, { args: unknown[]; n: number }>() : null)) : this.noneSeen,
      count: 0,
    };
  }

  /** The grouping key values of a row, in GROUP BY order. */
  keysOf(row: Row): Row {
    const fns = this.keyFns;
    const keys = new Array<unknown>(fns.length);
    for (let i = 0; i < fns.length; i++) keys[i] = fns[i]!(row);
    return keys;
  }

  private addRow(acc: GroupAcc, row: Row): void {
    if (acc.keys === null && this.storeKeys) acc.keys = this.keysOf(row);
    acc.count++;
    const calls = this.calls;
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
      if (c.filter && c.filter(row) !== true) continue;
      const args = this.args[i]!(row);
      if (c.distinct) {
        if (hasNull(args)) continue;
        const seen = acc.seen![i]!;
        const k = valueKey(args);
        const e = seen.get(k);
        if (e) { e.n++; continue; }
        seen.set(k, { args, n: 1 });
      }
      c.accumulator.add(acc.accs![i], args);
    }
  }

  private retractRow(acc: GroupAcc, row: Row): void {
    acc.count--;
    const calls = this.calls;
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
      if (c.filter && c.filter(row) !== true) continue;
      const args = this.args[i]!(row);
      if (c.distinct) {
        if (hasNull(args)) continue;
        const seen = acc.seen![i]!;
        const k = valueKey(args);
        const e = seen.get(k);
        if (!e) continue;
        if (e.n > 1) { e.n--; continue; }
        seen.delete(k);
      }
      if (!c.accumulator.retract) this.cannotRetract(c);
      c.accumulator.retract(acc.accs![i], args);
    }
  }

  merge(target: GroupAcc, other: GroupAcc): GroupAcc {
    if (this.flatMerge !== undefined) {
      this.flatMerge(target, other);
      return target;
    }
    if (target.keys === null) target.keys = other.keys;
    target.count += other.count;
    this.calls.forEach((c, i) => {
      if (c.distinct) {
        // Re-add the other side's distinct values that are new here.
        const seen = target.seen![i]!;
        for (const [k, e] of other.seen![i]!) {
          const mine = seen.get(k);
          if (mine) mine.n += e.n;
          else { seen.set(k, { args: e.args, n: e.n }); c.accumulator.add(target.accs![i], e.args); }
        }
        return;
      }
      if (!c.accumulator.merge) throw new UserError(`aggregate ${c.text} cannot be merged (needed by SESSION windows)`, { origin: 'sql' });
      c.accumulator.merge(target.accs![i], other.accs![i]);
    });
    return target;
  }

  /** The results of the calls, in order. */
  results(acc: GroupAcc): unknown[] {
    this.resultsMaker ??= this.rowMaker(this.calls.map((_c, i) => ({ result: i })));
    return this.resultsMaker(acc, null);
  }
}
