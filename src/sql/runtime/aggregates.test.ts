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

test('calls with and without FILTER agree when the filter passes every row', () => {
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

test('storeKeys false leaves the keys to the caller; rowMaker lays out keys, extra columns, results in any order', () => {
  for (const flat of [true, false]) {
    const count = call('COUNT', undefined);
    const set = new AggregateSet([flat ? count : { ...count, accumulator: { ...count.accumulator, flat: undefined } }], [(r) => r[0]], false);
    const acc = set.create();
    set.add(acc, ['a', 1]);
    assert.equal(acc.keys, null);
    assert.deepEqual(set.rowMaker([{ key: 0 }, { extra: 0 }, { extra: 1 }, { result: 0 }])(acc, ['a'], 10, 20), ['a', 10, 20, 1]);
    assert.deepEqual(set.rowMaker([{ result: 0 }, { extra: 1 }, { key: 0 }], true)(acc, 'a', 10, 20), [1, 20, 'a']);
  }
  assert.deepEqual(run([call('COUNT', undefined)], 0).keys, ['a']);
});

test('the flat form gives what the object form gives: every built-in with one, FILTER, retraction, merge', () => {
  const arg = (i: number) => [(r: Row) => r[i]];
  // Columns: 0 key, 1 TINYINT, 2 BIGINT, 3 DOUBLE, 4 FLOAT, 5 VARCHAR, 6 BOOLEAN (the FILTER).
  const specs: [string, ReturnType<typeof T.bigint>[], number[], boolean][] = [
    ['COUNT', [], [], false], ['COUNT', [T.bigint()], [2], false], ['COUNT', [T.bigint()], [2], true],
    ['SUM', [T.tinyint()], [1], false], ['SUM', [T.bigint()], [2], true], ['SUM0', [T.double()], [3], false], ['SUM', [T.float()], [4], false],
    ['AVG', [T.tinyint()], [1], false], ['AVG', [T.double()], [3], true], ['AVG', [T.float()], [4], false],
    ['MIN', [T.varchar(10)], [5], false], ['MAX', [T.double()], [3], true], ['MIN', [T.bigint()], [2], false],
  ];
  let seed = 11;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const maybe = <V>(v: V): V | null => (rand() < 0.2 ? null : v);
  const rows: Row[] = Array.from({ length: 300 }, () => [
    'k', maybe(Math.floor(rand() * 250) - 125), maybe(Math.floor(rand() * 1e6) - 5e5), maybe(rand() * 100 - 50),
    maybe(Math.fround(rand() * 10)), maybe(String.fromCharCode(97 + Math.floor(rand() * 26))), rand() < 0.5,
  ]);
  for (const retraction of [false, true]) {
    const calls = (flat: boolean): AggCall[] => specs
      .filter(([name]) => !retraction || (name !== 'MIN' && name !== 'MAX'))
      .map(([name, types, cols, filtered]) => {
        const acc = functions.resolveAggregate(name, types, { retraction });
        return {
          accumulator: flat ? acc : { ...acc, flat: undefined }, args: cols.flatMap(arg), distinct: false, text: name,
          filter: filtered ? (r: Row) => r[6] : undefined,
        };
      });
    const flat = new AggregateSet(calls(true), [(r) => r[0]]);
    const objects = new AggregateSet(calls(false), [(r) => r[0]]);
    assert.equal(flat.isFlat, true);
    assert.equal(objects.isFlat, false);
    const [fa, fb, oa, ob] = [flat.create(), flat.create(), objects.create(), objects.create()];
    rows.forEach((r, i) => {
      flat.add(i % 3 ? fa : fb, r);
      objects.add(i % 3 ? oa : ob, r);
      if (retraction && i % 7 === 6) {
        flat.retract(fa, rows[i - 3]!);
        objects.retract(oa, rows[i - 3]!);
      }
      if (i % 50 === 0) assert.deepEqual(flat.results(fa), objects.results(oa), `row ${i}`);
    });
    assert.deepEqual(flat.results(flat.merge(fa, fb)), objects.results(objects.merge(oa, ob)));
    // State written in the object form reads the same through upgrade.
    assert.deepEqual(flat.results(flat.upgrade(oa)), objects.results(oa));
  }
});
