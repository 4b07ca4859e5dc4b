/**
 * SQL lookup joins into Redis (`'connector' = 'redis'`) against a real server, started by
 * `bash scripts/services start` (see test/README.md). Keys live under a prefix unique to the run.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { StreamExecutionEnvironment } from '../src/api/environment.js';
import { ExternalError, UserError } from '../src/core/errors.js';
import { printTarget } from '../src/connectors/registry.js';
import { redisFeatureSink } from '../src/features/redis-feature-sink.js';
import { planScript } from '../src/sql/planner/index.js';
import { connectRedis, redisUrl, services } from './services.js';

const URL_ = redisUrl();
const RUN = `t${process.pid}x${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'weir-sql-redis-'));
let raw: Redis;

/**
 * Runs the script's INSERT job: `lines` resolves to what its print sink wrote, `firstLine` once the
 * first line is out (to change the world mid-run).
 */
function runSql(sql: string): { firstLine: Promise<void>; lines: Promise<string[]> } {
  const { jobs } = planScript(sql);
  const out: string[] = [];
  let first!: () => void;
  const firstLine = new Promise<void>((resolve) => { first = resolve; });
  const write = printTarget.write;
  printTarget.write = (line) => { out.push(line); first(); };
  const env = StreamExecutionEnvironment.create();
  jobs[0]!.build(env);
  const lines = env.execute().done.then(() => out).finally(() => { printTarget.write = write; });
  lines.catch(() => {});
  return { firstLine, lines };
}

before(async () => {
  raw = await connectRedis(URL_);
});

after(() => {
  raw.disconnect();
});

test('a SQL table over the feature store joins what RedisFeatureSink wrote (LEFT join, feature time column)', async () => {
  const ns = `${RUN}:card`;
  const sink = redisFeatureSink<{ card: string; spend: number; country: string; ts: number }>({
    url: URL_, namespace: ns, key: 'card', features: ['spend', 'country'], time: 'ts',
  });
  const env = StreamExecutionEnvironment.create();
  env.fromArray([{ card: 'c1', spend: 10, country: 'US', ts: 1000 }, { card: 'c2', spend: 2.5, country: 'DE', ts: 2000 }]).sinkTo(sink);
  await env.execute().done;

  const txns = join(dir, 'txns.json');
  writeFileSync(txns, ['c1', 'c2', 'c3', 'c1'].map((card, i) => JSON.stringify({ id: i + 1, card, amount: i * 10 })).join('\n'));
  const lines = await runSql(`
CREATE TABLE txns (id INT, card STRING, amount DOUBLE, proc AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = '${txns}', 'format' = 'json');
CREATE TABLE card_features (card STRING, spend DOUBLE, country STRING, feature_time TIMESTAMP_LTZ(3), PRIMARY KEY (card) NOT ENFORCED)
  WITH ('connector' = 'redis', 'url' = '${URL_}', 'namespace' = '${ns}', 'time-column' = 'feature_time',
        'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '100');
CREATE TABLE enriched (id INT, card STRING, spend DOUBLE, country STRING, feature_time TIMESTAMP_LTZ(3)) WITH ('connector' = 'print');
INSERT INTO enriched
SELECT t.id, t.card, f.spend, f.country, f.feature_time
FROM txns AS t LEFT JOIN card_features FOR SYSTEM_TIME AS OF t.proc AS f ON f.card = t.card;`).lines;
  assert.deepEqual(lines, [
    '+I[1, c1, 10.0, US, 1970-01-01 00:00:01.000]',
    '+I[2, c2, 2.5, DE, 1970-01-01 00:00:02.000]',
    '+I[3, c3, NULL, NULL, NULL]',
    '+I[4, c1, 10.0, US, 1970-01-01 00:00:01.000]',
  ]);
});

test("plain hashes with 'key-prefix': INNER join with an extra condition; a value that does not convert fails the job naming it", async () => {
  const prefix = `${RUN}:user:`;
  await raw.hset(`${prefix}7`, { name: 'Ann', age: '31' });
  await raw.hset(`${prefix}8`, { name: 'Bob', age: '17' });
  const visits = join(dir, 'visits.json');
  writeFileSync(visits, [7, 8, 9, 7].map((user, i) => JSON.stringify({ id: i + 1, user })).join('\n'));
  const ddl = (table: string) => `
CREATE TABLE visits (id INT, \`user\` BIGINT, proc AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = '${visits}', 'format' = 'json');
CREATE TABLE ${table} (id BIGINT, name STRING, age INT, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'redis', 'url' = '${URL_}', 'key-prefix' = '${prefix}');
CREATE TABLE adults (id INT, name STRING, age INT) WITH ('connector' = 'print');
INSERT INTO adults SELECT v.id, u.name, u.age FROM visits v JOIN ${table} FOR SYSTEM_TIME AS OF v.proc AS u ON u.id = v.\`user\` AND u.age >= 18;`;
  assert.deepEqual(await runSql(ddl('users')).lines, ['+I[1, Ann, 31]', '+I[4, Ann, 31]']);

  await raw.hset(`${prefix}8`, { age: 'seventeen' });
  await assert.rejects(runSql(ddl('users')).lines, (e: unknown) => {
    assert.ok(e instanceof UserError, String(e));
    assert.match(e.message, new RegExp(`table "users": key "${prefix}8" column "age": value "seventeen" does not convert to INT`));
    assert.match(e.hint ?? '', /'ignore-parse-errors' = 'true'/);
    return true;
  });
});

test('a value updated in Redis is seen once the cache entry expires', async () => {
  const key = `${RUN}:price:`;
  await raw.hset(`${key}k1`, { price: '1' });
  const { firstLine, lines: quoted } = runSql(`
CREATE TABLE ticks (n INT, proc AS PROCTIME())
  WITH ('connector' = 'datagen', 'rows-per-second' = '20', 'number-of-rows' = '30', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '30');
CREATE TABLE prices (sku STRING, price INT, PRIMARY KEY (sku) NOT ENFORCED)
  WITH ('connector' = 'redis', 'url' = '${URL_}', 'key-prefix' = '${key}',
        'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.expire-after-write' = '200ms');
CREATE TABLE quoted (n INT, price INT) WITH ('connector' = 'print');
INSERT INTO quoted SELECT t.n, p.price FROM ticks t JOIN prices FOR SYSTEM_TIME AS OF t.proc AS p ON p.sku = 'k1';`);
  await firstLine;
  await raw.hset(`${key}k1`, { price: '2' });
  const lines = await quoted;
  assert.equal(lines.length, 30);
  assert.equal(lines[0], '+I[1, 1]');
  // 30 rows at 20 per second: the last ones come about a second after the update, well past the TTL
  assert.deepEqual(lines.slice(-5), ['+I[26, 2]', '+I[27, 2]', '+I[28, 2]', '+I[29, 2]', '+I[30, 2]']);
  const prices = lines.map((l) => Number(/, (\d)\]$/.exec(l)![1]));
  assert.deepEqual(prices, [...prices].sort(), 'once the new price is read, the old one never comes back');
});

test('Redis stopped mid-run: lookups are retried per lookup.max-retries, then the job fails with an ExternalError saying what to do', async () => {
  const key = `${RUN}:flag:`;
  await raw.hset(`${key}on`, { v: 'yes' });
  const run = runSql(`
CREATE TABLE ticks (n INT, proc AS PROCTIME())
  WITH ('connector' = 'datagen', 'rows-per-second' = '20', 'number-of-rows' = '600', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '600');
CREATE TABLE flags (k STRING, v STRING, PRIMARY KEY (k) NOT ENFORCED)
  WITH ('connector' = 'redis', 'url' = '${URL_}', 'key-prefix' = '${key}', 'lookup.max-retries' = '2', 'timeout' = '300ms');
CREATE TABLE flagged (n INT, v STRING) WITH ('connector' = 'print');
INSERT INTO flagged SELECT t.n, f.v FROM ticks t LEFT JOIN flags FOR SYSTEM_TIME AS OF t.proc AS f ON f.k = 'on';`);
  await run.firstLine;
  const started = Date.now();
  services('stop', 'redis');
  try {
    await assert.rejects(run.lines, (e: unknown) => {
      assert.ok(e instanceof ExternalError, String(e));
      assert.match(e.message, /^lookup join on table "flags" failed after 3 attempts \('lookup.max-retries' = 2\): redis at 127\.0\.0\.1:\d+: reading 1 keys of table "flags" failed/);
      assert.match(e.hint ?? '', /is the server running and reachable\?.*raise 'lookup.max-retries' on table "flags"/);
      return true;
    });
    assert.ok(Date.now() - started < 15_000, 'fails within seconds, not after the 30 s of input');
  } finally {
    services('start', 'redis');
  }
});
