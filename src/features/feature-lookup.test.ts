import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeatureLookup } from './feature-lookup.js';
import type { FeatureRow } from './feature-row.js';
import { ExternalError } from '../core/errors.js';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { lookupJoin } from './lookup-join.js';
import type { Enriched } from './lookup-join.js';

function fakeStore(rows: Record<string, number>) {
  const calls: string[][] = [];
  const fetch = async (keys: readonly string[]) => {
    calls.push([...keys]);
    return keys.map((k): FeatureRow | null => (k in rows ? { key: k, values: { spend: rows[k]! }, time: 10 } : null));
  };
  return { calls, fetch };
}

test('one fetch per get for the keys the cache lacks, duplicates asked once', async () => {
  let now = 0;
  const store = fakeStore({ a: 1, b: 2 });
  const lookup = new FeatureLookup({ namespace: 'card', fetch: store.fetch, cache: { ttlMs: 100, maxEntries: 10 }, now: () => now });
  const first = await lookup.get(['a', 'b', 'a', 'zz']);
  assert.deepEqual(first.map((r) => r?.values.spend ?? null), [1, 2, 1, null]);
  assert.deepEqual(store.calls, [['a', 'b', 'zz']]);
  await lookup.get(['b', 'zz', 'a']);
  assert.equal(store.calls.length, 1, 'all three from the cache, the absent one too');
  assert.deepEqual({ hits: lookup.stats().hits, misses: lookup.stats().misses }, { hits: 3, misses: 3 });
  now = 100;
  await lookup.get(['a']);
  assert.deepEqual(store.calls[1], ['a'], 'expired entries are fetched again');
  assert.equal(lookup.stats().fetches, 2);
  lookup.invalidate(['b']);
  await lookup.get(['b']);
  assert.deepEqual(store.calls[2], ['b']);
});

test('without a cache every get goes to the store', async () => {
  const store = fakeStore({ a: 1 });
  const lookup = new FeatureLookup({ namespace: 'card', fetch: store.fetch, cache: false });
  await lookup.get(['a']);
  await lookup.get(['a']);
  assert.equal(store.calls.length, 2);
});

test('lookupJoin enriches every record in order, keeping timestamps', async () => {
  const store = fakeStore({ c1: 5, c2: 7 });
  const env = StreamExecutionEnvironment.create({ batchSize: 3 });
  const txns = env.fromArray([{ card: 'c1', n: 0 }, { card: 'c2', n: 1 }, { card: 'c9', n: 2 }, { card: 'c1', n: 3 }], { timestamps: [100, 200, 300, 400] });
  lookupJoin(txns, { key: (t) => t.card, lookup: () => new FeatureLookup({ namespace: 'card', fetch: store.fetch }) }).collect('out');
  const job = env.execute();
  await job.done;
  const out = job.collected<Enriched<{ card: string; n: number }>>('out');
  assert.deepEqual(out.map((r) => [r.value.record.n, r.value.features?.spend ?? null, r.value.lookupFailed, r.timestamp]), [
    [0, 5, false, 100], [1, 7, false, 200], [2, null, false, 300], [3, 5, false, 400],
  ]);
  assert.deepEqual(store.calls, [['c1', 'c2', 'c9']], 'second batch served from the cache');
});

test('a failing store never drops records: they carry null features and lookupFailed', async () => {
  const env = StreamExecutionEnvironment.create();
  const failing = async (): Promise<(FeatureRow | null)[]> => { throw new ExternalError('redis at 127.0.0.1:1: down'); };
  const warnings: string[] = [];
  const txns = env.fromArray(['a', 'b', 'c']);
  lookupJoin(txns, {
    key: (k) => k,
    lookup: () => new FeatureLookup({ namespace: 'card', fetch: failing }),
    join: (k, row, failed) => `${k}:${row === null ? 'null' : 'row'}:${failed}`,
  }).collect('out');
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  const job = env.execute();
  await job.done;
  process.off('warning', onWarning);
  assert.deepEqual(job.collected<string>('out').map((r) => r.value), ['a:null:true', 'b:null:true', 'c:null:true']);
});
