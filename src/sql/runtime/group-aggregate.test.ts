import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deserialize } from 'node:v8';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorHarness } from '../../operators/testing/harness.js';
import { FunctionCatalog } from '../functions/index.js';
import { T } from '../types/index.js';
import type { ChangeRow, Row } from '../../connectors/registry.js';
import { AggregateSet } from './aggregates.js';
import type { AggCall } from './aggregates.js';
import { GroupAggregateOperator } from './group-aggregate.js';

const functions = new FunctionCatalog();

/** GROUP BY r[0] with COUNT(*) and MAX(r[1]), over change rows. */
function harness(): OperatorHarness<ChangeRow, ChangeRow> {
  const calls: AggCall[] = [
    { accumulator: functions.resolveAggregate('COUNT', [], { retraction: true }), args: [], distinct: false, text: 'COUNT(*)' },
    { accumulator: functions.resolveAggregate('MAX', [T.bigint()], { retraction: true }), args: [(r: Row) => r[1]], distinct: false, text: 'MAX(v)' },
  ];
  const op = new GroupAggregateOperator(new AggregateSet(calls, [(r) => r[0]]), true);
  const h = new OperatorHarness<ChangeRow, ChangeRow>(op, { keySelector: (c) => c.row[0] as string });
  h.open();
  return h;
}

const plus = (row: Row): ChangeRow => ({ op: '+I', row });
const minus = (row: Row): ChangeRow => ({ op: '-D', row });
const text = (h: OperatorHarness<ChangeRow, ChangeRow>) => h.output.map((e) => `${e.value.op}${JSON.stringify(e.value.row)}`);

test('GROUP BY emits +I, -U/+U with the previous result, nothing for an unchanged one, and -D for the last retraction', () => {
  const h = harness();
  for (const c of [plus(['a', 5]), plus(['a', 3]), minus(['a', 3]), plus(['b', 1]), minus(['a', 5])]) h.processElement(c);
  assert.deepEqual(text(h), [
    '+I["a",1,5]',
    '-U["a",1,5]', '+U["a",2,5]',
    '-U["a",2,5]', '+U["a",1,5]',
    '+I["b",1,1]',
    '-D["a",1,5]',
  ]);
});

test('restores GROUP BY state stored by e0f2dae ({ acc, last } per group) and goes on from it', () => {
  // Written by GroupAggregateOperator at commit e0f2dae: GROUP BY r[0] with COUNT(*), SUM(r[1]) after
  // ('a', 5), ('b', 1), ('a', 7); the snapshot as the runtime stores it (V8 serialisation).
  const stored = deserialize(readFileSync(fileURLToPath(new URL('../../../../src/sql/runtime/testdata/group-aggregate-e0f2dae.v8', import.meta.url))));
  const calls: AggCall[] = [
    { accumulator: functions.resolveAggregate('COUNT', []), args: [], distinct: false, text: 'COUNT(*)' },
    { accumulator: functions.resolveAggregate('SUM', [T.bigint()]), args: [(r: Row) => r[1]], distinct: false, text: 'SUM(v)' },
  ];
  const op = new GroupAggregateOperator(new AggregateSet(calls, [(r) => r[0]]), false);
  const h = new OperatorHarness<Row, ChangeRow>(op, { keySelector: (r) => r[0] as string });
  op.restoreState(stored);
  h.open();
  for (const r of [['a', 1], ['b', 2], ['c', 3]]) h.processElement(r);
  assert.deepEqual(h.output.map((e) => `${e.value.op}${JSON.stringify(e.value.row)}`), [
    '-U["a",2,12]', '+U["a",3,13]',
    '-U["b",1,1]', '+U["b",2,3]',
    '+I["c",1,3]',
  ]);
});

test('restores GROUP BY state stored by 698608e (one accumulator object per call) into the flat form', () => {
  // Written by GroupAggregateOperator at commit 698608e: GROUP BY r[0] with COUNT(*), SUM(r[1]),
  // MAX(r[1]), AVG(r[2]) after ('a', 5, 1.5), ('b', 1, null), ('a', 7, 2.5).
  const stored = deserialize(readFileSync(fileURLToPath(new URL('../../../../src/sql/runtime/testdata/group-aggregate-698608e.v8', import.meta.url))));
  const calls: AggCall[] = [
    { accumulator: functions.resolveAggregate('COUNT', [], { retraction: true }), args: [], distinct: false, text: 'COUNT(*)' },
    { accumulator: functions.resolveAggregate('SUM', [T.bigint()], { retraction: true }), args: [(r: Row) => r[1]], distinct: false, text: 'SUM(v)' },
    { accumulator: functions.resolveAggregate('MAX', [T.bigint()]), args: [(r: Row) => r[1]], distinct: false, text: 'MAX(v)' },
    { accumulator: functions.resolveAggregate('AVG', [T.double()], { retraction: true }), args: [(r: Row) => r[2]], distinct: false, text: 'AVG(d)' },
  ];
  const aggs = new AggregateSet(calls, [(r) => r[0]]);
  assert.equal(aggs.isFlat, true);
  const op = new GroupAggregateOperator(aggs, false);
  const h = new OperatorHarness<Row, ChangeRow>(op, { keySelector: (r) => r[0] as string });
  op.restoreState(stored);
  h.open();
  for (const r of [['a', 1, 3.5], ['b', 2, 4], ['c', 3, null]]) h.processElement(r);
  assert.deepEqual(h.output.map((e) => `${e.value.op}${JSON.stringify(e.value.row)}`), [
    '-U["a",2,12,7,2]', '+U["a",3,13,7,2.5]',
    '-U["b",1,1,1,null]', '+U["b",2,3,2,4]',
    '+I["c",1,3,3,null]',
  ]);
});

test('a single plain key taken from the operator gives the same changelog as keys kept in the accumulators', () => {
  const run = (keyIsValue: boolean): string[] => {
    const calls: AggCall[] = [
      { accumulator: functions.resolveAggregate('COUNT', [], { retraction: true }), args: [], distinct: false, text: 'COUNT(*)' },
      { accumulator: functions.resolveAggregate('SUM', [T.bigint()], { retraction: true }), args: [(r: Row) => r[1]], distinct: false, text: 'SUM(v)' },
    ];
    const aggs = new AggregateSet(calls, [(r) => r[0]], !keyIsValue);
    const op = new GroupAggregateOperator(aggs, true, 'group-aggregate', keyIsValue);
    const h = new OperatorHarness<ChangeRow, ChangeRow>(op, { keySelector: (c) => c.row[0] as string | null });
    h.open();
    for (const c of [plus(['a', 1]), plus([null, 2]), plus(['a', 3]), minus(['a', 1]), plus([null, 4]), minus(['a', 3])]) h.processElement(c);
    return text(h);
  };
  const expected = [
    '+I["a",1,1]', '+I[null,1,2]', '-U["a",1,1]', '+U["a",2,4]', '-U["a",2,4]', '+U["a",1,3]',
    '-U[null,1,2]', '+U[null,2,6]', '-D["a",1,3]',
  ];
  assert.deepEqual(run(false), expected);
  assert.deepEqual(run(true), expected);
});
