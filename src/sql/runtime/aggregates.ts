import { UserError } from '../../core/errors.js';
import type { Row } from '../../connectors/registry.js';
import type { Accumulator } from '../functions/define.js';
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

/** The accumulators of all calls of one group (and window). */
export interface GroupAcc {
  /** Values of the grouping keys, taken from the first row. */
  keys: Row | null;
  accs: unknown[];
  /** Per DISTINCT call: how often each distinct argument list was seen. */
  seen: (Map<string, { args: unknown[]; n: number }> | null)[];
  /** Rows currently accumulated (insertions minus retractions). */
  count: number;
}

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
    const plain = calls.every((c) => !c.distinct && !c.filter);
    this.add = plain ? this.unrolled('add') : (acc, row) => this.addRow(acc, row);
    this.retract = plain && calls.every((c) => c.accumulator.retract) ? this.unrolled('retract') : (acc, row) => this.retractRow(acc, row);
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
        const seen = acc.seen[i]!;
        const k = valueKey(args);
        const e = seen.get(k);
        if (e) { e.n++; continue; }
        seen.set(k, { args, n: 1 });
      }
      c.accumulator.add(acc.accs[i], args);
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
        const seen = acc.seen[i]!;
        const k = valueKey(args);
        const e = seen.get(k);
        if (!e) continue;
        if (e.n > 1) { e.n--; continue; }
        seen.delete(k);
      }
      if (!c.accumulator.retract) {
        throw new UserError(`aggregate ${c.text} cannot take back rows, but its input is an updating stream`, {
          origin: 'sql', hint: 'aggregate an append-only input, or use an aggregate that supports retraction (COUNT, SUM, AVG)',
        });
      }
      c.accumulator.retract(acc.accs[i], args);
    }
  }

  merge(target: GroupAcc, other: GroupAcc): GroupAcc {
    if (target.keys === null) target.keys = other.keys;
    target.count += other.count;
    this.calls.forEach((c, i) => {
      if (c.distinct) {
        // Re-add the other side's distinct values that are new here.
        const seen = target.seen[i]!;
        for (const [k, e] of other.seen[i]!) {
          const mine = seen.get(k);
          if (mine) mine.n += e.n;
          else { seen.set(k, { args: e.args, n: e.n }); c.accumulator.add(target.accs[i], e.args); }
        }
        return;
      }
      if (!c.accumulator.merge) throw new UserError(`aggregate ${c.text} cannot be merged (needed by SESSION windows)`, { origin: 'sql' });
      c.accumulator.merge(target.accs[i], other.accs[i]);
    });
    return target;
  }

  results(acc: GroupAcc): unknown[] {
    const calls = this.calls;
    const out = new Array<unknown>(calls.length);
    for (let i = 0; i < calls.length; i++) out[i] = calls[i]!.accumulator.result(acc.accs[i]);
    return out;
  }

  /**
   * `[...keys, ...extra, ...results]` as one array of the final size filled in place: window and group
   * aggregates build one per emitted result, and spreading intermediate arrays showed in profiles.
   */
  resultRow(acc: GroupAcc, keys: readonly unknown[], extra?: readonly unknown[]): Row {
    const calls = this.calls;
    const k = keys.length;
    const e = extra ? extra.length : 0;
    const row = new Array<unknown>(k + e + calls.length);
    for (let i = 0; i < k; i++) row[i] = keys[i];
    for (let i = 0; i < e; i++) row[k + i] = extra![i];
    for (let i = 0; i < calls.length; i++) row[k + e + i] = calls[i]!.accumulator.result(acc.accs[i]);
    return row;
  }
}
