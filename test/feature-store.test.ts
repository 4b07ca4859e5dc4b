/**
 * The feature store against a real Redis, started by `bash scripts/services start` (see test/README.md).
 * Each run writes under its own namespace, so runs do not see each other's keys.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { StreamExecutionEnvironment } from '../src/api/environment.js';
import { ExternalError, WeirError } from '../src/core/errors.js';
import { redisFeatureSink } from '../src/features/redis-feature-sink.js';
import { FeatureLookup } from '../src/features/feature-lookup.js';
import { lookupJoin } from '../src/features/lookup-join.js';
import type { Enriched } from '../src/features/lookup-join.js';
import { RedisFeatureHistory } from '../src/features/feature-history.js';
import { exportTrainingData } from '../src/features/export.js';
import { parseCsv } from '../src/features/csv.js';
import { featuresCommand } from '../src/cli/features.js';
import { FraudGenerator } from '../src/fraud/generator.js';
import type { CardTransaction } from '../src/fraud/generator.js';
import { connectRedis, redisUrl, services } from './services.js';

const URL_ = redisUrl();
const RUN = `t${process.pid}x${Date.now().toString(36)}`;
const fast = { retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 100 }, timeoutMs: 500 };
let raw: Redis;

interface CardStat { card: string; spend: number; country: string; ts: number }

async function writeRows(namespace: string, rows: CardStat[], extra: { ttlSeconds?: number; history?: { maxEntries: number } } = {}) {
  const sink = redisFeatureSink<CardStat>({ url: URL_, namespace, key: 'card', features: ['spend', 'country'], time: 'ts', ...fast, ...extra });
  const env = StreamExecutionEnvironment.create();
  env.fromArray(rows).sinkTo(sink);
  await env.execute().done;
  return sink.stats;
}

before(async () => {
  raw = await connectRedis(URL_);
});

after(async () => {
  raw.disconnect();
});

test('sink upserts per entity and never moves a feature back in event time', async () => {
  const ns = `${RUN}:upsert`;
  let stats = await writeRows(ns, [
    { card: 'c1', spend: 10, country: 'US', ts: 1000 },
    { card: 'c2', spend: 5, country: 'DE', ts: 1000 },
    { card: 'c1', spend: 20, country: 'FR', ts: 2000 },
  ]);
  assert.deepEqual(stats, { written: 3, stale: 0, batches: 1 });
  const lookup = new FeatureLookup({ url: URL_, namespace: ns, cache: false, ...fast });
  const read = async () => (await lookup.get(['c1', 'c2', 'c3'])).map((r) => (r ? [r.values.spend, r.values.country, r.time] : null));
  assert.deepEqual(await read(), [[20, 'FR', 2000], [5, 'DE', 1000], null]);

  // A replay of old rows (as after a restore) and a late row: neither changes the current values.
  stats = await writeRows(ns, [
    { card: 'c1', spend: 10, country: 'US', ts: 1000 },
    { card: 'c1', spend: 20, country: 'FR', ts: 2000 },
    { card: 'c2', spend: 99, country: 'XX', ts: 999 },
  ]);
  assert.deepEqual(stats, { written: 0, stale: 3, batches: 1 });
  assert.deepEqual(await read(), [[20, 'FR', 2000], [5, 'DE', 1000], null]);

  stats = await writeRows(ns, [{ card: 'c2', spend: 6, country: 'DE', ts: 1001 }]);
  assert.equal(stats.written, 1);
  assert.deepEqual((await read())[1], [6, 'DE', 1001]);
  // Only the requested features, via HMGET.
  const some = new FeatureLookup({ url: URL_, namespace: ns, features: ['spend'], cache: false, ...fast });
  assert.deepEqual((await some.get(['c1']))[0]!.values, { spend: 20 });
  await some.close();
  await lookup.close();
});

test('ttlSeconds expires entities and the history is capped', async () => {
  const ns = `${RUN}:ttl`;
  await writeRows(ns, [1, 2, 3, 4, 5].map((i) => ({ card: 'c1', spend: i, country: 'US', ts: i * 1000 })), { ttlSeconds: 60, history: { maxEntries: 3 } });
  const ttl = await raw.ttl(`${ns}:f:c1`);
  assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);
  assert.equal(await raw.zcard(`${ns}:h:c1`), 3);
  assert.deepEqual(await raw.zrange(`${ns}:h:c1`, '0', '-1'), ['{"country":"US","spend":3}', '{"country":"US","spend":4}', '{"country":"US","spend":5}']);
  assert.equal(Number(await raw.zscore(`${ns}:h:c1`, '{"country":"US","spend":3}')), 3000);
  await writeRows(`${ns}2`, [{ card: 'c1', spend: 1, country: 'US', ts: 1 }], { ttlSeconds: 1 });
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(await raw.exists(`${ns}2:f:c1`), 0);
});

test('lookup serves repeats from the cache until its TTL, then reads Redis again', async () => {
  const ns = `${RUN}:cache`;
  await writeRows(ns, [{ card: 'c1', spend: 1, country: 'US', ts: 1000 }]);
  let now = 0;
  const lookup = new FeatureLookup({ url: URL_, namespace: ns, cache: { ttlMs: 500, maxEntries: 100 }, now: () => now, ...fast });
  assert.equal((await lookup.get(['c1', 'nobody']))[0]!.values.spend, 1);
  await writeRows(ns, [{ card: 'c1', spend: 2, country: 'US', ts: 2000 }]);
  now = 499;
  const cached = await lookup.get(['c1', 'nobody']);
  assert.equal(cached[0]!.values.spend, 1, 'still the cached row');
  assert.equal(cached[1], null);
  assert.deepEqual({ hits: lookup.stats().hits, misses: lookup.stats().misses, fetches: lookup.stats().fetches }, { hits: 2, misses: 2, fetches: 1 });
  now = 500;
  assert.equal((await lookup.get(['c1']))[0]!.values.spend, 2, 'expired: read again');
  assert.equal(lookup.stats().fetches, 2);
  assert.equal(lookup.stats().expirations, 1);
  await lookup.close();
});

test('lookupJoin enriches fraud transactions with features from Redis', async () => {
  const ns = `${RUN}:join`;
  const gen = new FraudGenerator({ seed: 3, cards: 50 });
  const txns: CardTransaction[] = Array.from({ length: 500 }, (_, n) => gen.event(n));
  // Features for the even cards only, so some lookups find nothing.
  const cards = [...new Set(txns.map((t) => t.card_id))].filter((c) => Number(c.slice(5)) % 2 === 0);
  await writeRows(ns, cards.map((c) => ({ card: c, spend: Number(c.slice(5)), country: 'US', ts: 1 })));
  const env = StreamExecutionEnvironment.create({ batchSize: 64 });
  const lookups: FeatureLookup[] = [];
  const stream = env.fromArray(txns, { timestamps: txns.map((t) => t.ts) });
  lookupJoin(stream, {
    key: (t) => t.card_id,
    lookup: () => { const l = new FeatureLookup({ url: URL_, namespace: ns, ...fast }); lookups.push(l); return l; },
  }).collect('out');
  const job = env.execute();
  await job.done;
  const out = job.collected<Enriched<CardTransaction>>('out');
  assert.equal(out.length, 500);
  for (let i = 0; i < out.length; i++) {
    const e = out[i]!;
    assert.equal(e.value.record.txn_id, txns[i]!.txn_id, 'order kept');
    assert.equal(e.timestamp, txns[i]!.ts);
    assert.equal(e.value.lookupFailed, false);
    const card = Number(e.value.record.card_id.slice(5));
    assert.deepEqual(e.value.features, card % 2 === 0 ? { spend: card, country: 'US' } : null);
  }
  const s = lookups[0]!.stats();
  assert.ok(s.fetches >= 1 && s.fetches <= 8, `at most one round trip per batch of 64, got ${s.fetches}`);
  assert.ok(s.hits > 400, `cache hits ${s.hits}`);
  assert.equal(s.keysFetched, 50, 'each card read once');
});

test('Redis stopped mid-run: lookups fail after retries naming the server, records go on flagged, writes fail the job', async () => {
  const ns = `${RUN}:outage`;
  await writeRows(ns, [{ card: 'c1', spend: 1, country: 'US', ts: 1 }]);
  const lookup = new FeatureLookup({ url: URL_, namespace: ns, cache: false, ...fast });
  assert.equal((await lookup.get(['c1']))[0]!.values.spend, 1);
  services('stop', 'redis');
  try {
    await assert.rejects(lookup.get(['c1']), (err: unknown) => {
      assert.ok(err instanceof ExternalError, String(err));
      assert.match(err.message, /redis at 127\.0\.0\.1:\d+: reading features of 1 keys failed/);
      assert.match(err.message, /gave up after 3 attempts/);
      assert.equal(err.origin, `feature-lookup:${ns}`);
      return true;
    });

    const env = StreamExecutionEnvironment.create();
    lookupJoin(env.fromArray(['c1', 'c2', 'c3']), { key: (k) => k, lookup: () => new FeatureLookup({ url: URL_, namespace: ns, ...fast }) }).collect('out');
    const job = env.execute();
    await job.done;
    const out = job.collected<Enriched<string>>('out').map((r) => r.value);
    assert.deepEqual(out.map((e) => [e.record, e.features, e.lookupFailed]), [['c1', null, true], ['c2', null, true], ['c3', null, true]]);

    await assert.rejects(writeRows(ns, [{ card: 'c1', spend: 2, country: 'US', ts: 2 }]), (err: unknown) => {
      assert.ok(err instanceof WeirError, String(err));
      assert.match(`${err.message} ${String((err as { cause?: unknown }).cause)}`, /redis at 127\.0\.0\.1:\d+: writing 1 feature rows failed/);
      return true;
    });
  } finally {
    services('start', 'redis');
  }
  // The same client reconnects once the server is back (this Redis keeps no data across restarts).
  assert.deepEqual(await lookup.get(['c1']), [null]);
  await writeRows(ns, [{ card: 'c1', spend: 3, country: 'US', ts: 3 }]);
  assert.equal((await lookup.get(['c1']))[0]!.values.spend, 3);
  await lookup.close();
});

test('export joins labels with the features as they were at each label time', async () => {
  const ns = `${RUN}:export`;
  await writeRows(ns, [
    { card: 'c1', spend: 10, country: 'US', ts: 1000 },
    { card: 'c1', spend: 30, country: 'FR', ts: 3000 },
    { card: 'c2', spend: 7, country: 'DE', ts: 500 },
  ]);
  // Arrives late: the online value stays at ts 3000, but the history still learns what held at 2000.
  await writeRows(ns, [{ card: 'c1', spend: 20, country: 'DE', ts: 2000 }]);
  const history = new RedisFeatureHistory({ url: URL_, namespace: ns, ...fast });
  const labels = [
    { key: 'c1', label: 0, time: 999 },
    { key: 'c1', label: 0, time: 1500 },
    { key: 'c1', label: 1, time: 2000 },
    { key: 'c1', label: 1, time: 2999 },
    { key: 'c1', label: 0, time: 9999 },
    { key: 'c2', label: 0, time: 9999 },
    { key: 'nobody', label: 1, time: 9999 },
  ];
  const result = await exportTrainingData({ labels, features: history, format: 'csv' });
  await history.close();
  assert.equal(result.matched, 5);
  const expected = [
    ['key', 'time', 'label', 'feature_time', 'country', 'spend'],
    ['c1', '999', '0', '', '', ''],
    ['c1', '1500', '0', '1000', 'US', '10'],
    ['c1', '2000', '1', '2000', 'DE', '20'],
    ['c1', '2999', '1', '2000', 'DE', '20'],
    ['c1', '9999', '0', '3000', 'FR', '30'],
    ['c2', '9999', '0', '500', 'DE', '7'],
    ['nobody', '9999', '1', '', '', ''],
  ];
  assert.deepEqual(parseCsv(result.text), expected);

  // The same through `weir features export`.
  const dir = mkdtempSync(join(tmpdir(), 'weir-export-'));
  writeFileSync(join(dir, 'labels.csv'), 'key,label,time\n' + labels.map((l) => `${l.key},${l.label},${l.time}`).join('\n') + '\n');
  let stdout = '';
  let stderr = '';
  const code = await featuresCommand(
    ['export', '--labels', join(dir, 'labels.csv'), '--out', join(dir, 'train.csv'), '--namespace', ns, '--redis', URL_],
    { stdout: { write: (s: string) => { stdout += s; return true; } } as NodeJS.WritableStream, stderr: { write: (s: string) => { stderr += s; return true; } } as NodeJS.WritableStream },
  );
  assert.equal(code, 0, stderr);
  assert.match(stdout, /wrote 7 rows \(5 with features, 2 feature columns\)/);
  assert.deepEqual(parseCsv(readFileSync(join(dir, 'train.csv'), 'utf8')), expected);
});
