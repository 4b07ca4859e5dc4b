import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../core/errors.js';
import { T } from '../../sql/types/sql-type.js';
import { lookupConfig } from '../lookup-options.js';
import { validateOptions } from '../options.js';
import type { ColumnSchema, ConnectorContext } from '../schema.js';
import { TIME_FIELD, onlineKey } from './feature-layout.js';
import { decodeRedisRow, redisConnector, redisKey, redisLayout } from './table.js';

const columns: ColumnSchema[] = [
  { name: 'card', type: T.string(false) },
  { name: 'txn_count', type: T.bigint(true) },
  { name: 'avg_amount', type: T.double(true) },
  { name: 'country', type: T.string(true) },
  { name: 'updated', type: T.timestampLtz(3, true) },
];

function ctx(options: Record<string, string>, primaryKey: string[] = ['card']): ConnectorContext {
  const resolved = validateOptions('cards', 'redis', new Map(Object.entries({ connector: 'redis', url: 'redis://127.0.0.1:6390', ...options })), redisConnector.schema);
  return { table: 'cards', columns, options: resolved, primaryKey };
}

test('feature store layout: NAMESPACE:f:KEY, JSON values, __ts into the time column', () => {
  const layout = redisLayout(ctx({ namespace: 'card', 'time-column': 'updated' }));
  assert.equal(redisKey(layout, 'c1'), 'card:f:c1');
  assert.deepEqual(layout.fields, ['__ts', 'txn_count', 'avg_amount', 'country']);
  assert.deepEqual(decodeRedisRow(layout, 'c1', ['1700000000000', '3', '12.5', '"DE"']), ['c1', 3, 12.5, 'DE', 1700000000000]);
  // an entity the sink never wrote (no __ts) has no row; a feature it did not write is NULL
  assert.equal(decodeRedisRow(layout, 'c2', [null, null, null, null]), undefined);
  assert.deepEqual(decodeRedisRow(layout, 'c3', ['5', null, 'null', '"FR"']), ['c3', null, null, 'FR', 5]);
});

test('plain hashes: PREFIX + KEY, values as text, no field at all means no row', () => {
  const layout = redisLayout(ctx({ 'key-prefix': 'card:' }));
  assert.equal(redisKey(layout, 'c1'), 'card:c1');
  assert.deepEqual(layout.fields, ['txn_count', 'avg_amount', 'country', 'updated']);
  assert.deepEqual(decodeRedisRow(layout, 'c1', ['3', '1.5E1', 'DE', '2024-01-01 10:00:00']), ['c1', 3, 15, 'DE', Date.UTC(2024, 0, 1, 10)]);
  assert.equal(decodeRedisRow(layout, 'c2', [null, null, null, null]), undefined);
});

test('a value that does not convert fails naming table, key, column and value, or reads as NULL with ignore-parse-errors', () => {
  const strict = redisLayout(ctx({ namespace: 'card' }));
  assert.throws(() => decodeRedisRow(strict, 'c1', ['1', '"many"', '2', 'null', 'x']), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.equal(e.message, 'table "cards": key "card:f:c1" column "txn_count": value "\\"many\\"" does not convert to BIGINT: cannot read \'many\' as BIGINT: not an integer');
    assert.match(e.hint ?? '', /'ignore-parse-errors' = 'true'/);
    return true;
  });
  assert.throws(() => decodeRedisRow(strict, 'c1', ['1', '{oops', null, null]), /column "txn_count": value "\{oops" does not convert to BIGINT: not valid JSON/);
  const lenient = redisLayout(ctx({ namespace: 'card', 'ignore-parse-errors': 'true' }));
  const seen: string[] = [];
  assert.deepEqual(decodeRedisRow(lenient, 'c1', ['1', '"many"', '2.5', null], (m) => seen.push(m)), ['c1', null, 2.5, null, null]);
  assert.equal(seen.length, 1);
  assert.match(seen[0]!, /key "card:f:c1" column "txn_count"/);
});

test('options are checked with messages that say what to write', () => {
  assert.throws(() => redisLayout(ctx({})), /needs exactly one of 'namespace' \(feature store\) and 'key-prefix'/);
  assert.throws(() => redisLayout(ctx({ namespace: 'card' }, [])), /needs a PRIMARY KEY of one column, the entity key/);
  assert.throws(() => redisLayout(ctx({ 'key-prefix': 'c:', 'time-column': 'updated' })), /'time-column' needs 'namespace'/);
  assert.throws(() => redisLayout(ctx({ namespace: 'card', 'time-column': 'country' })), /must name a BIGINT, TIMESTAMP\(3\) or TIMESTAMP_LTZ\(3\) column/);
  assert.throws(() => ctx({ namespace: 'card', 'lookup.cache': 'FULL' }), /'lookup.cache' = 'FULL' is invalid: expected one of 'NONE', 'PARTIAL'/);
  assert.deepEqual(redisConnector.lookupKeys!(ctx({ namespace: 'card' })), ['card']);
});

test('the feature store layout comes from feature-layout, as the feature sink writes it', () => {
  const layout = redisLayout(ctx({ namespace: 'card' }));
  assert.equal(redisKey(layout, 'c1'), onlineKey('card', 'c1'));
  assert.equal(layout.fields[0], TIME_FIELD);
  assert.throws(() => redisLayout(ctx({ namespace: 'two words' })), /option 'namespace': namespace must be a non-empty word without spaces/);
});

test("boolean options are read in any case: 'TRUE' and 'FALSE' take effect", () => {
  assert.equal(redisLayout(ctx({ namespace: 'card', 'ignore-parse-errors': 'TRUE' })).ignoreParseErrors, true);
  const config = lookupConfig('cards', ctx({
    namespace: 'card', 'lookup.async': 'TRUE', 'lookup.cache': 'PARTIAL', 'lookup.partial-cache.max-rows': '10', 'lookup.partial-cache.cache-missing-key': 'FALSE',
  }).options);
  assert.equal(config.async, true);
  assert.equal(config.cache?.cacheMissingKey, false);
  const defaults = lookupConfig('cards', ctx({ namespace: 'card', 'lookup.cache': 'PARTIAL', 'lookup.partial-cache.max-rows': '10' }).options);
  assert.equal(defaults.async, false);
  assert.equal(defaults.cache?.cacheMissingKey, true);
});
