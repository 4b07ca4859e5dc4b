import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TtlLruCache } from './lru-cache.js';

test('evicts the least recently used entry when full', () => {
  const cache = new TtlLruCache<string, number>({ maxEntries: 2, ttlMs: 1000, now: () => 0 });
  cache.set('a', 1);
  cache.set('b', 2);
  assert.equal(cache.get('a'), 1); // a is now the most recent
  cache.set('c', 3);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('c'), 3);
  assert.deepEqual(cache.stats(), { hits: 3, misses: 1, evictions: 1, expirations: 0, size: 2 });
});

test('entries expire after ttlMs, and a set renews them', () => {
  let now = 0;
  const cache = new TtlLruCache<string, string | null>({ maxEntries: 10, ttlMs: 100, now: () => now });
  cache.set('a', 'x');
  cache.set('gone', null);
  now = 99;
  assert.equal(cache.get('a'), 'x');
  assert.equal(cache.get('gone'), null, 'a cached null is a hit, not a miss');
  now = 100;
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.stats().expirations, 1);
  assert.equal(cache.size, 1, 'the expired entry is dropped on read');
  cache.set('a', 'y');
  now = 150;
  assert.equal(cache.get('a'), 'y');
});

test('rejects nonsense sizes', () => {
  assert.throws(() => new TtlLruCache({ maxEntries: 0, ttlMs: 1 }), /maxEntries/);
  assert.throws(() => new TtlLruCache({ maxEntries: 1, ttlMs: 0 }), /ttlMs/);
});
