import type { AggregateFunction } from '../../state/descriptors.js';
import type { ProcessWindowFunction } from '../../windows/window-operator.js';
import type { TimeWindow } from '../../windows/window.js';
import type { Row } from '../../connectors/registry.js';
import type { AggregateSet, GroupAcc } from './aggregates.js';

const NO_KEYS: readonly unknown[] = [];

/** The window operator's incremental function for SQL aggregates: one `GroupAcc` per key and window. */
export function windowAggregateFunction(aggs: AggregateSet): AggregateFunction<Row, GroupAcc, GroupAcc> {
  return {
    createAccumulator: () => aggs.create(),
    add: (row, acc) => { aggs.add(acc, row); return acc; },
    getResult: (acc) => acc,
    merge: (a, b) => aggs.merge(a, b),
  };
}

/**
 * Emits `[keys…, window_start, window_end, window_time, results…]` for a fired window. With `keyIsValue`
 * the single grouping key is the window operator's key itself (the accumulators do not keep it).
 */
export function windowResultFunction(aggs: AggregateSet, withWindowTime: boolean, keyIsValue = false): ProcessWindowFunction<GroupAcc, Row, any, TimeWindow> {
  return {
    process(key, ctx, elements, out) {
      const acc = elements[0]!;
      const w = ctx.window;
      const props = withWindowTime ? [w.start, w.end, w.end - 1] : [w.start, w.end];
      out.collect(aggs.resultRow(acc, keyIsValue ? [key] : acc.keys ?? NO_KEYS, props));
    },
  };
}
