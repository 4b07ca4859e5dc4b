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

/**
 * Runs the aggregate calls of a GROUP BY over rows: accumulate, retract (for updating inputs), read
 * results. Shared by window aggregation and unbounded group aggregation.
 */
export class AggregateSet {
  constructor(readonly calls: readonly AggCall[], private readonly keyFns: readonly RowFn[]) {}

  create(): GroupAcc {
    return {
      keys: null,
      accs: this.calls.map((c) => c.accumulator.create()),
      seen: this.calls.map((c) => (c.distinct ? new Map<string, { args: unknown[]; n: number }>() : null)),
      count: 0,
    };
  }

  add(acc: GroupAcc, row: Row): void {
    if (acc.keys === null) acc.keys = this.keyFns.map((f) => f(row));
    acc.count++;
    const calls = this.calls;
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
      if (c.filter && c.filter(row) !== true) continue;
      const args = c.args.map((f) => f(row));
      if (c.distinct) {
        if (args.some((a) => a === null)) continue;
        const seen = acc.seen[i]!;
        const k = valueKey(args);
        const e = seen.get(k);
        if (e) { e.n++; continue; }
        seen.set(k, { args, n: 1 });
      }
      c.accumulator.add(acc.accs[i], args);
    }
  }

  retract(acc: GroupAcc, row: Row): void {
    acc.count--;
    const calls = this.calls;
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
      if (c.filter && c.filter(row) !== true) continue;
      const args = c.args.map((f) => f(row));
      if (c.distinct) {
        if (args.some((a) => a === null)) continue;
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
    return this.calls.map((c, i) => c.accumulator.result(acc.accs[i]));
  }
}
