import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deserialize } from 'node:v8';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorHarness } from '../../operators/testing/harness.js';
import { WindowOperator } from '../../windows/window-operator.js';
import { tumblingEventTimeWindows } from '../../windows/assigners.js';
import type { TimeWindow } from '../../windows/window.js';
import { FunctionCatalog } from '../functions/index.js';
import { T } from '../types/index.js';
import type { Row } from '../../connectors/registry.js';
import { AggregateSet } from './aggregates.js';
import type { AggCall } from './aggregates.js';
import { windowAggregateFunction, windowResultFunction } from './window-aggregate.js';

const functions = new FunctionCatalog();

/** COUNT(*), SUM(r[1]), MAX(r[1]), AVG(r[2]): all have a flat form. */
function calls(): AggCall[] {
  return [
    { accumulator: functions.resolveAggregate('COUNT', []), args: [], distinct: false, text: 'COUNT(*)' },
    { accumulator: functions.resolveAggregate('SUM', [T.bigint()]), args: [(r: Row) => r[1]], distinct: false, text: 'SUM(v)' },
    { accumulator: functions.resolveAggregate('MAX', [T.bigint()]), args: [(r: Row) => r[1]], distinct: false, text: 'MAX(v)' },
    { accumulator: functions.resolveAggregate('AVG', [T.double()]), args: [(r: Row) => r[2]], distinct: false, text: 'AVG(d)' },
  ];
}

/** A 10 ms tumbling window aggregate over `GROUP BY r[0]`, as the planner builds it. */
function harness(keyIsValue: boolean, columns?: number[]): { h: OperatorHarness<Row, Row>; op: WindowOperator<Row, Row, any, TimeWindow>; aggs: AggregateSet } {
  const aggs = new AggregateSet(calls(), [(r) => r[0]], !keyIsValue);
  const op = new WindowOperator<Row, Row, any, TimeWindow>({
    assigner: tumblingEventTimeWindows(10), name: 'w', keySelector: (r: Row) => r[0] as string,
    aggregate: windowAggregateFunction(aggs), process: windowResultFunction(aggs, keyIsValue, columns),
  });
  return { h: new OperatorHarness<Row, Row>(op, { keySelector: (r) => r[0] as string }), op, aggs };
}

const rowsOf = (h: OperatorHarness<Row, Row>): string[] => h.output.map((e) => JSON.stringify(e.value)).sort();

test('window aggregates keep built-in accumulators flat and emit [key, start, end, time, results]', () => {
  for (const keyIsValue of [true, false]) {
    const { h, aggs } = harness(keyIsValue);
    assert.equal(aggs.isFlat, true);
    h.open();
    for (const [r, t] of [[['a', 5, 1.5], 1], [['b', null, null], 2], [['a', 7, 2.5], 3], [['a', 2, 0.5], 12]] as [Row, number][]) h.processElement(r, t);
    h.processWatermark(100);
    assert.deepEqual(rowsOf(h), [
      '["a",0,10,9,2,12,7,2]', '["a",10,20,19,1,2,2,0.5]', '["b",0,10,9,1,null,null,null]',
    ]);
  }
});

test('a projection fused into the window picks and orders its columns', () => {
  const { h } = harness(true, [1, 0, 5, 4]);
  h.open();
  h.processElement(['a', 5, 1.5], 1);
  h.processWatermark(100);
  assert.deepEqual(rowsOf(h), ['[0,"a",5,1]']);
});

for (const form of ['value-key', 'keys'] as const) {
  test(`restores window state stored by 698608e (one accumulator object per call, ${form}) and goes on from it`, () => {
    // Written by the window operator at commit 698608e: the same aggregates after ('a', 5, 1.5) at 1,
    // ('b', 1, null) at 2, ('a', 7, 2.5) at 3, ('a', 2, 0.5) at 12, no window fired yet.
    const stored = deserialize(readFileSync(fileURLToPath(new URL(`../../../../src/sql/runtime/testdata/window-aggregate-${form}-698608e.v8`, import.meta.url))));
    const { h, op } = harness(form === 'value-key');
    op.restoreState(stored);
    h.open();
    h.processElement(['a', 1, 3.5], 4);
    h.processElement(['c', 4, 1], 15);
    h.processWatermark(100);
    assert.deepEqual(rowsOf(h), [
      '["a",0,10,9,3,13,7,2.5]', '["a",10,20,19,1,2,2,0.5]', '["b",0,10,9,1,1,1,null]', '["c",10,20,19,1,4,4,1]',
    ]);
  });
}
