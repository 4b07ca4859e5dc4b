import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FunctionCatalog } from '../functions/index.js';
import { T } from '../types/index.js';
import type { Row } from '../../connectors/registry.js';
import { AggregateSet, type AggCall } from './aggregates.js';

const functions = new FunctionCatalog();

function call(name: string, arg: number | undefined, extra: Partial<AggCall> = {}): AggCall {
  const accumulator = functions.resolveAggregate(name, arg === undefined ? [] : [T.bigint()], { retraction: true });
  return { accumulator, args: arg === undefined ? [] : [(r: Row) => r[arg]], distinct: false, text: name, ...extra };
}

// Rows are (key, value); NULL values, repeats and retractions exercise every path.
const ROWS: Row[] = [['a', 5], ['a', null], ['a', 7], ['a', 5], ['a', 9]];

function run(calls: AggCall[], retractLast: number, storeKeys = true): { keys: Row | null; results: unknown[] } {
  const set = new AggregateSet(calls, [(r) => r[0]], storeKeys);
  const acc = set.create();
  for (const r of ROWS) set.add(acc, r);
  for (const r of ROWS.slice(ROWS.length - retractLast)) set.retract(acc, r);
  return { keys: acc.keys, results: set.results(acc) };
}

test('generated add/retract (plain calls) match the generic loop (calls with FILTER)', () => {
  const always = (): boolean => true;
  for (const retractLast of [0, 1, 2]) {
    const plain = run([call('COUNT', undefined), call('COUNT', 1), call('SUM', 1), call('MAX', 1)], retractLast);
    const generic = run([call('COUNT', undefined, { filter: always }), call('COUNT', 1), call('SUM', 1), call('MAX', 1)], retractLast);
    assert.deepEqual(plain, generic);
  }
  assert.deepEqual(run([call('COUNT', undefined), call('SUM', 1), call('MAX', 1)], 1).results, [4, 17, 7]);
});

test('DISTINCT calls keep their own argument arrays while plain calls share a scratch array', () => {
  const calls = [call('COUNT', 1, { distinct: true }), call('SUM', 1, { distinct: true }), call('SUM', 1)];
  assert.deepEqual(run(calls, 0).results, [3, 21, 26]);
  // Retractions read the stored argument lists back: shared arrays would have been overwritten.
  assert.deepEqual(run(calls, 1).results, [2, 12, 17]);
  assert.deepEqual(run(calls, 2).results, [2, 12, 12]);
});

test('storeKeys false leaves the keys to the caller; resultRow lays out keys, extra columns, results', () => {
  const set = new AggregateSet([call('COUNT', undefined)], [(r) => r[0]], false);
  const acc = set.create();
  set.add(acc, ['a', 1]);
  assert.equal(acc.keys, null);
  assert.deepEqual(set.resultRow(acc, ['a'], [10, 20]), ['a', 10, 20, 1]);
  assert.deepEqual(run([call('COUNT', undefined)], 0).keys, ['a']);
});
