import type { AggregateFunction } from '../../state/descriptors.js';
import type { ProcessWindowFunction } from '../../windows/window-operator.js';
import type { TimeWindow } from '../../windows/window.js';
import type { Row } from '../../connectors/registry.js';
import type { AggregateSet, GroupAcc, GroupColumn } from './aggregates.js';

/** The window operator's incremental function for SQL aggregates: one `GroupAcc` per key and window. */
export function windowAggregateFunction(aggs: AggregateSet): AggregateFunction<Row, GroupAcc, GroupAcc> {
  if (aggs.foldRow === undefined) {
    return {
      createAccumulator: () => aggs.create(),
      add: (row, acc) => { aggs.add(acc, row); return acc; },
      getResult: (acc) => acc,
      merge: (a, b) => aggs.merge(a, b),
    };
  }
  // State written in the object form (before the flat form existed) is converted when first touched.
  return {
    createAccumulator: () => aggs.create(),
    add: aggs.foldRow,
    getResult: (acc) => aggs.upgrade(acc),
    merge: (a, b) => aggs.merge(aggs.upgrade(a), aggs.upgrade(b)),
  };
}

/**
 * Emits a row for a fired window. Its columns are `[keys…, window_start, window_end, window_time,
 * results…]`, or the ones `columns` picks from that list, in its order (a projection the planner
 * fused into the window). With `keyIsValue` the single grouping key is the window operator's key itself
 * (the accumulators do not keep it).
 */
export function windowResultFunction(
  aggs: AggregateSet, keyIsValue = false, columns?: readonly number[],
): ProcessWindowFunction<GroupAcc, Row, any, TimeWindow> {
  const all: GroupColumn[] = [
    ...Array.from({ length: aggs.keyCount }, (_x, key) => ({ key })),
    { extra: 0 }, { extra: 1 }, { extra: 2 },
    ...aggs.calls.map((_c, result) => ({ result })),
  ];
  const make = aggs.rowMaker(columns ? columns.map((c) => all[c]!) : all, keyIsValue);
  return {
    process(key, ctx, elements, out) {
      const acc = elements[0]!;
      const w = ctx.window;
      out.collect(make(acc, keyIsValue ? key : acc.keys, w.start, w.end, w.end - 1));
    },
  };
}
