import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import { LOOKUP_OPTIONS, registerConnector } from '../../connectors/registry.js';
import type { LookupContext, Row, TableConnector } from '../../connectors/registry.js';
import { SqlParseError } from '../parser/index.js';
import { planScript } from './index.js';
import type { SqlJob } from './index.js';

// Test doubles registered for this file only: `kv` looks up by its first column, `db` by any columns.
const customers: Row[] = [[1, 'Ann', 'EU'], [2, 'Bob', 'US'], [3, 'Cy', 'EU'], [3, 'Cy (old)', 'US']];
const lookups: { table: string; keyColumns: string[]; keys: Row[] }[] = [];
function memory(name: string, byFirstColumn: boolean): TableConnector {
  return {
    name,
    schema: { options: [...LOOKUP_OPTIONS] },
    ...(byFirstColumn ? { lookupKeys: (ctx: { columns: { name: string }[] }) => [ctx.columns[0]!.name] } : {}),
    createLookup: (ctx: LookupContext) => {
      const at = ctx.keyColumns.map((k) => ctx.columns.findIndex((c) => c.name === k));
      return {
        async lookup(keys) {
          lookups.push({ table: ctx.table, keyColumns: ctx.keyColumns, keys: [...keys] });
          return keys.map((k) => customers.filter((r) => at.every((c, i) => r[c] === k[i])));
        },
      };
    },
  };
}
const unregister = [registerConnector(memory('kv-test', true)), registerConnector(memory('db-test', false))];
after(() => { for (const u of unregister) u(); });

const dir = mkdtempSync(join(tmpdir(), 'weir-lookup-'));
const orders = join(dir, 'orders.json');
writeFileSync(orders, [
  { id: 10, cid: 1, amount: 5 }, { id: 11, cid: 2, amount: 70 }, { id: 12, cid: 9, amount: 1 }, { id: 13, cid: null, amount: 2 }, { id: 14, cid: 3, amount: 40 },
].map((r) => JSON.stringify(r)).join('\n'));

const DDL = `CREATE TABLE orders (id INT, cid INT, amount INT, proc AS PROCTIME(), ts AS TO_TIMESTAMP('2024-01-01 00:00:00'),
  WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = '${orders}', 'format' = 'json');
CREATE TABLE customers (id BIGINT, name STRING, region STRING, shout AS UPPER(name)) WITH ('connector' = 'kv-test');
CREATE TABLE customers_db (id BIGINT, name STRING, region STRING) WITH ('connector' = 'db-test');
`;

async function rows(job: SqlJob): Promise<Row[]> {
  const env = StreamExecutionEnvironment.create();
  job.build(env);
  const h = env.execute();
  await h.done;
  return h.collected<Row>(job.sinks[0]!.name).map((r) => r.value);
}

function planFails(sql: string): SqlParseError {
  try {
    planScript(DDL + sql);
  } catch (e) {
    assert.ok(e instanceof SqlParseError, `expected a positioned error, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected planning to fail: ${sql}`);
}

test('PROCTIME(): a TIMESTAMP_LTZ(3) NOT NULL *PROCTIME* column and function, never an event time', async () => {
  const { steps, jobs } = planScript(`${DDL}DESCRIBE orders;\nSELECT id, proc, PROCTIME() AS p2 FROM orders WHERE id = 10;`);
  const describe = steps.find((s) => s.kind === 'output')!;
  assert.match(describe.kind === 'output' ? describe.text : '', /\| proc +\| TIMESTAMP_LTZ\(3\) \*PROCTIME\* +\| FALSE \|/);
  const types = jobs[0]!.sinks[0]!.fields.map((f) => `${f.type.kind}(${f.type.precision})${f.type.nullable ? '' : ' NOT NULL'} *${f.type.timeAttribute}*`);
  assert.deepEqual(types.slice(1), ['TIMESTAMP_LTZ(3) NOT NULL *PROCTIME*', 'TIMESTAMP_LTZ(3) NOT NULL *PROCTIME*']);
  const before = Date.now();
  const [row] = await rows(jobs[0]!);
  assert.ok((row![1] as number) >= before && (row![1] as number) <= Date.now(), 'the wall clock when the row was read');

  const wm = planFails(`CREATE TABLE bad (a INT, p AS PROCTIME(), WATERMARK FOR p AS p) WITH ('connector' = 'datagen');`);
  assert.match(wm.message, /Watermark can not be defined for a processing-time attribute column/);
  const over = planFails('SELECT id, COUNT(*) OVER (ORDER BY proc) FROM orders;');
  assert.match(over.message, /processing-time OVER windows is not supported/);
  const interval = planScript(`${DDL}EXPLAIN SELECT a.id FROM orders a JOIN orders b ON a.id = b.id AND a.proc BETWEEN b.proc - INTERVAL '1' SECOND AND b.proc;`);
  assert.doesNotMatch(interval.steps.map((s) => (s.kind === 'output' ? s.text : '')).join(''), /IntervalJoin/, 'proctime bounds are no event-time interval join');
});

test('INNER lookup join: one row per match, probe rows without a match or with a NULL key dropped', async () => {
  lookups.length = 0;
  const { jobs } = planScript(`${DDL}SELECT o.id, c.name, c.shout FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.proc AS c ON c.id = o.cid;`);
  assert.deepEqual(await rows(jobs[0]!), [[10, 'Ann', 'ANN'], [11, 'Bob', 'BOB'], [14, 'Cy', 'CY'], [14, 'Cy (old)', 'CY (OLD)']]);
  // each key once (the file source may cut the input into more than one batch), NULL never asked for
  assert.deepEqual(lookups.flatMap((l) => l.keys), [[1], [2], [9], [3]]);
  assert.deepEqual(lookups[0]!.keyColumns, ['id']);
});

test('LEFT lookup join pads with NULLs; extra ON conditions filter the looked-up rows; AS OF PROCTIME() works too', async () => {
  const { jobs } = planScript(`${DDL}SELECT o.id, c.name FROM orders o LEFT JOIN customers FOR SYSTEM_TIME AS OF PROCTIME() AS c
  ON o.cid = c.id AND c.region = 'EU' AND o.amount < 50;`);
  assert.equal(jobs[0]!.sinks[0]!.fields[1]!.type.nullable, true);
  assert.deepEqual(await rows(jobs[0]!), [[10, 'Ann'], [11, null], [12, null], [13, null], [14, 'Cy']]);
});

test('a connector that looks up by any columns gets every equality as a key, constants included', async () => {
  lookups.length = 0;
  const { jobs } = planScript(`${DDL}SELECT o.id, d.name FROM orders o JOIN customers_db FOR SYSTEM_TIME AS OF o.proc AS d ON d.region = 'US' AND d.id = o.cid;`);
  assert.deepEqual(await rows(jobs[0]!), [[11, 'Bob'], [14, 'Cy (old)']]);
  assert.deepEqual(lookups[0]!.keyColumns, ['id', 'region']);
  assert.deepEqual(lookups[0]!.keys[0], [1, 'US']);
});

test('EXPLAIN shows the lookup join, its keys, condition and options', () => {
  const { steps } = planScript(`${DDL}CREATE TABLE cached (id BIGINT, name STRING) WITH ('connector' = 'kv-test', 'lookup.cache' = 'PARTIAL',
  'lookup.partial-cache.expire-after-write' = '10 s', 'lookup.async' = 'true', 'lookup.max-retries' = '5');
EXPLAIN SELECT o.id, c.name FROM orders o LEFT JOIN cached FOR SYSTEM_TIME AS OF o.proc AS c ON c.id = o.cid AND c.name <> 'x';`);
  const text = steps.map((s) => (s.kind === 'output' ? s.text : '')).join('\n');
  assert.match(text, /LookupJoin\(table=\[cached\], joinType=\[LeftOuterJoin\], lookup=\[id=o\.cid\], where=\[c\.name <> 'x'\], select=\[id, cid, amount, proc, ts, id, name\], cache=\[PARTIAL\(expire-after-write=10000 ms, cache-missing-key=true\)\], async=\[true\], retries=\[5\]\)/);
  assert.match(text, /one lookup-join\(cached\) p=1/);
});

test('planning errors say what is missing and where', () => {
  const missing = planFails(`SELECT * FROM orders o JOIN customers FOR SYSTEM_TIME AS OF o.proc AS c\n  ON c.name = 'Ann' AND o.amount > 1;`);
  assert.match(missing.message, /Lookup join on 'customers' requires an equality condition on its lookup key: missing c\.id = <expression of the left side>/);
  assert.deepEqual([missing.line, missing.column], [6, 6]);

  const notLookup = planFails(`CREATE TABLE files (id INT) WITH ('connector' = 'filesystem', 'path' = '${orders}', 'format' = 'json');
SELECT * FROM orders o JOIN files FOR SYSTEM_TIME AS OF o.proc AS f ON f.id = o.cid;`);
  assert.match(notLookup.message, /table 'files' cannot be used in a lookup join: connector 'filesystem' does not support lookups/);
  assert.equal(notLookup.line, 6);

  assert.match(planFails('SELECT * FROM orders o JOIN customers FOR SYSTEM_TIME AS OF o.ts AS c ON c.id = o.cid;').message,
    /a lookup join needs FOR SYSTEM_TIME AS OF a processing-time attribute of the left table, but 'o.ts' is not one/);
  assert.match(planFails('SELECT * FROM customers;').message, /table 'customers' cannot be read as a stream: connector 'kv-test' only supports lookups/);
  assert.match(planFails('SELECT * FROM orders o JOIN customers FOR SYSTEM_TIME AS OF o.proc AS c ON c.id = CAST(o.id AS STRING);').message,
    /same type on both sides of a key condition, but c\.id is BIGINT and CAST\(o\.id AS STRING\) is STRING/);
  assert.match(planFails(`CREATE TABLE c2 (id BIGINT) WITH ('connector' = 'kv-test', 'lookup.cache' = 'PARTIAL');
SELECT * FROM orders o JOIN c2 FOR SYSTEM_TIME AS OF o.proc AS c ON c.id = o.cid;`).message, /'lookup.cache' = 'PARTIAL' needs a bound on the cache/);
  assert.match(planFails('SELECT * FROM orders o FULL JOIN customers FOR SYSTEM_TIME AS OF o.proc AS c ON c.id = o.cid;').message, /FULL lookup join is not supported/);
});

test('redis tables are checked when a lookup join is planned, without a server', () => {
  const base = "'connector' = 'redis', 'url' = 'redis://127.0.0.1:1'";
  assert.match(planFails(`CREATE TABLE r (id STRING, v DOUBLE) WITH (${base}, 'namespace' = 'n');
SELECT * FROM orders o JOIN r FOR SYSTEM_TIME AS OF o.proc ON r.id = CAST(o.cid AS STRING);`).message, /a redis table needs a PRIMARY KEY of one column, the entity key/);
  assert.match(planFails(`CREATE TABLE r (id STRING, v DOUBLE, PRIMARY KEY (id) NOT ENFORCED) WITH (${base}, 'namespace' = 'n', 'key-prefix' = 'x:');
SELECT * FROM orders o JOIN r FOR SYSTEM_TIME AS OF o.proc ON r.id = CAST(o.cid AS STRING);`).message, /exactly one of 'namespace' \(feature store\) and 'key-prefix'/);
  const { steps } = planScript(`${DDL}CREATE TABLE r (id STRING, v DOUBLE, PRIMARY KEY (id) NOT ENFORCED) WITH (${base}, 'namespace' = 'n');
EXPLAIN SELECT o.id, r.v FROM orders o JOIN r FOR SYSTEM_TIME AS OF o.proc ON r.id = CAST(o.cid AS STRING);`);
  assert.match(steps.map((s) => (s.kind === 'output' ? s.text : '')).join('\n'), /LookupJoin\(table=\[r\], joinType=\[InnerJoin\], lookup=\[id=CAST\(o\.cid AS STRING\)\]/);
});
