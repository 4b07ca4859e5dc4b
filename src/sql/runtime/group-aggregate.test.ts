import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorHarness } from '../../operators/testing/harness.js';
import { valueState } from '../../state/descriptors.js';
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

test('group state written before 2026-11-22 ({ acc, last }) is read on restore', () => {
  const old = harness();
  old.processElement(plus(['a', 5]));
  // Put the state back in the old layout, as a snapshot of the previous version would restore it.
  const state = old.backend!.getValueState(valueState<unknown>('group'));
  old.backend!.setCurrentKey('a');
  state.update({ acc: state.value(), last: ['a', 1, 5] });
  old.processElement(plus(['a', 9]));
  assert.deepEqual(text(old), ['+I["a",1,5]', '-U["a",1,5]', '+U["a",2,9]']);
});
