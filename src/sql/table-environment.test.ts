import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { WatermarkStrategies } from '../runtime/watermarks.js';
import { SqlParseError } from './parser/index.js';
import { StreamTableEnvironment, TableEnvironment } from './table-environment.js';
import type { ChangelogRow } from './table-environment.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-tenv-'));
const input = join(dir, 'in.json');
writeFileSync(input, [
  '{"id":1,"k":"a","amount":10}',
  '{"id":2,"k":"b","amount":5}',
  '{"id":3,"k":"a","amount":7}',
].join('\n'));
const SOURCE_DDL = `CREATE TABLE t (id INT, k STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${input}', 'format' = 'json')`;

const short = (rows: ChangelogRow[]): string[] => rows.map((r) => `${r.kind}${JSON.stringify(r.values)}`);

test('DDL answers at once; INSERT INTO a filesystem sink runs as a job', async () => {
  const tenv = TableEnvironment.create();
  const created = await tenv.executeSql(SOURCE_DDL);
  assert.equal(created.resultKind, 'SUCCESS');
  assert.equal(created.job, undefined);
  const out = join(dir, 'out');
  await tenv.executeSql(`CREATE TABLE f (id INT, k STRING) WITH ('connector' = 'filesystem', 'path' = '${out}', 'format' = 'csv')`);
  const insert = await tenv.executeSql('INSERT INTO f SELECT id, k FROM t WHERE amount > 6');
  assert.ok(insert.job);
  assert.equal(insert.bounded, true);
  await insert.done;
  const files = readdirSync(out).filter((f) => !f.startsWith('.'));
  assert.equal(files.length, 1);
  assert.equal(readFileSync(join(out, files[0]!), 'utf8'), '1,a\n3,a\n');

  const tables = await tenv.executeSql('SHOW TABLES');
  assert.deepEqual((await tables.collect()).map((r) => r.row.name), ['f', 't']);
  const described = await (await tenv.executeSql('DESCRIBE t')).collect();
  assert.deepEqual(described.map((r) => [r.row.name, r.row.type]), [['id', 'INT'], ['k', 'STRING'], ['amount', 'INT']]);
  assert.deepEqual(tenv.listTables(), ['f', 't']);
});

test('SELECT with GROUP BY gives changelog rows, read as they come or collected', async () => {
  const tenv = TableEnvironment.create();
  await tenv.executeSql(SOURCE_DDL);
  const result = await tenv.executeSql('SELECT k, COUNT(*) AS n, SUM(amount) AS total FROM t GROUP BY k');
  assert.deepEqual(result.columns.map((c) => c.name), ['k', 'n', 'total']);
  const rows: ChangelogRow[] = [];
  for await (const change of result) rows.push(change);
  assert.deepEqual(short(rows), ['+I["a",1,10]', '+I["b",1,5]', '-U["a",1,10]', '+U["a",2,17]']);
  assert.deepEqual(rows[3]!.row, { k: 'a', n: 2, total: 17 });
  assert.equal(result.formatRow(rows[2]!), '-U[a, 1, 10]');
  await result.done;

  const again = await tenv.executeSql('SELECT id FROM t WHERE k = \'a\'');
  await again.done; // nobody read yet: rows wait for the reader
  assert.deepEqual(short(await again.collect()), ['+I[1]', '+I[3]']);
});

test('executeScript runs statements in order, a statement set as one job', async () => {
  const tenv = TableEnvironment.create();
  const out = join(dir, 'script-out');
  const seen: number[] = [];
  const results = await tenv.executeScript(`${SOURCE_DDL};
CREATE TABLE f (id INT) WITH ('connector' = 'filesystem', 'path' = '${out}', 'format' = 'csv');
CREATE TABLE g (k STRING) WITH ('connector' = 'filesystem', 'path' = '${out}-g', 'format' = 'csv');
EXECUTE STATEMENT SET BEGIN
  INSERT INTO f SELECT id FROM t;
  INSERT INTO g SELECT k FROM t;
END;
SELECT COUNT(*) AS n FROM t;
`, { onResult: (_r, line) => { seen.push(line); } });
  assert.deepEqual(seen, [4, 8]);
  assert.equal(results.length, 2);
  assert.deepEqual(short(await results[1]!.collect()), ['+I[1]', '-U[1]', '+U[2]', '-U[2]', '+U[3]']);
  assert.equal(readdirSync(out).filter((f) => !f.startsWith('.')).length, 1);
});

interface Click { user: string; url: string; at: number }
const clicks: Click[] = [
  { user: 'ann', url: '/a', at: 1_000 },
  { user: 'bob', url: '/b', at: 2_000 },
  { user: 'ann', url: '/c', at: 12_000 },
  { user: 'ann', url: '/d', at: 3_000 }, // 9 s behind the newest click
  { user: 'bob', url: '/e', at: 25_000 },
];
const WINDOWS = `SELECT window_start, user, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end, user`;

async function windowCounts(outOfOrdernessMs: number): Promise<string[]> {
  // One record per batch, so each watermark follows the click that raised it.
  const env = StreamExecutionEnvironment.create({ batchSize: 1 });
  const tenv = StreamTableEnvironment.create(env);
  const stream = env.fromArray(clicks).assignTimestampsAndWatermarks(
    WatermarkStrategies.boundedOutOfOrderness<Click>(outOfOrdernessMs).withTimestampAssigner((c) => c.at));
  tenv.fromDataStream('clicks', stream, { columns: { user: 'STRING', url: 'STRING' }, rowtime: 'ts' });
  const rows = await (await tenv.executeSql(WINDOWS)).collect();
  return rows.map((r) => `${r.kind} ${r.row.window_start as number} ${r.row.user as string} ${r.row.n as number}`).sort();
}

test('fromDataStream: a window query on the stream\'s event time and watermarks', async () => {
  // The stream's watermarks decide lateness (Flink's SOURCE_WATERMARK()): with 5 s allowed, the 3 s click counts.
  assert.deepEqual(await windowCounts(5_000), ['+I 0 ann 2', '+I 0 bob 1', '+I 10000 ann 1', '+I 20000 bob 1']);
  // With 0 s it arrives after the watermark passed 10 s and is dropped as late.
  assert.deepEqual(await windowCounts(0), ['+I 0 ann 1', '+I 0 bob 1', '+I 10000 ann 1', '+I 20000 bob 1']);
});

test('fromDataStream needs event time for a rowtime column and objects with the columns', async () => {
  const env = StreamExecutionEnvironment.create();
  const tenv = StreamTableEnvironment.create(env);
  tenv.fromDataStream('clicks', env.fromArray(clicks), { columns: { user: 'STRING' }, rowtime: 'ts' });
  const result = await tenv.executeSql('SELECT user FROM clicks');
  await assert.rejects(result.collect(), /no event time for rowtime column 'ts'[\s\S]*/);
  await assert.rejects(result.done, (e: Error & { hint?: string }) => /assignTimestampsAndWatermarks/.test(e.hint ?? ''));
  assert.throws(() => tenv.fromDataStream('bad', env.fromArray(clicks), { columns: { user: 'STRNG(' } }), /column 'user' has type 'STRNG\('/);
  assert.throws(() => tenv.fromDataStream('clicks', env.fromArray(clicks), { columns: { user: 'STRING' } }), /Table "clicks" already exists/);
});

test('toChangelogStream feeds DataStream operators in the same job', async () => {
  const env = StreamExecutionEnvironment.create();
  const tenv = StreamTableEnvironment.create(env);
  tenv.fromDataStream('clicks', env.fromArray(clicks), { columns: { user: 'STRING', url: 'STRING' } });
  const counts = tenv.toChangelogStream('SELECT user, COUNT(*) AS n FROM clicks GROUP BY user')
    .map((c) => `${c.kind} ${c.row.user as string}=${c.row.n as number}`);
  counts.collect('counts');
  const urls = tenv.toDataStream('SELECT url FROM clicks WHERE user = \'bob\'').map((r) => r.url as string);
  urls.collect('urls');
  assert.throws(() => tenv.toDataStream('SELECT user, COUNT(*) FROM clicks GROUP BY user'), (e: Error & { hint?: string }) => /updates rows/.test(e.message) && /use toChangelogStream/.test(e.hint ?? ''));
  const handle = env.execute();
  await handle.done;
  assert.deepEqual(handle.collected<string>('counts').map((r) => r.value),
    ['+I ann=1', '+I bob=1', '-U ann=1', '+U ann=2', '-U ann=2', '+U ann=3', '-U bob=1', '+U bob=2']);
  assert.deepEqual(handle.collected<string>('urls').map((r) => r.value), ['/b', '/e']);
});

test('toDataStream of a window query over fromDataStream, in one job with the DataStream code', async () => {
  const env = StreamExecutionEnvironment.create({ batchSize: 1 });
  const tenv = StreamTableEnvironment.create(env);
  const stream = env.fromArray(clicks).assignTimestampsAndWatermarks(WatermarkStrategies.boundedOutOfOrderness<Click>(5_000).withTimestampAssigner((c) => c.at));
  tenv.fromDataStream('clicks', stream, { columns: { user: 'STRING' }, rowtime: 'ts' });
  tenv.toDataStream(WINDOWS).filter((r) => r.user === 'ann').map((r) => `${r.window_start as number}:${r.n as number}`).collect('ann');
  const handle = env.execute();
  await handle.done;
  assert.deepEqual(handle.collected<string>('ann').map((r) => r.value), ['0:2', '10000:1']);
});

test('createTemporarySystemFunction: scalar and aggregate functions written in TypeScript', async () => {
  const tenv = TableEnvironment.create();
  await tenv.executeSql(SOURCE_DDL);
  tenv.createTemporarySystemFunction('shout', Object.assign((s: string | null) => (s === null ? null : `${s.toUpperCase()}!`), { returns: 'STRING' }));
  tenv.createTemporarySystemFunction('maxOf', {
    kind: 'aggregate', args: ['INT'], returns: 'INT',
    createAccumulator: () => ({ max: null as number | null }),
    accumulate: (acc: { max: number | null }, v: number | null) => { if (v !== null && (acc.max === null || v > acc.max)) acc.max = v; },
    getValue: (acc: { max: number | null }) => acc.max,
  });
  const rows = await (await tenv.executeSql('SELECT shout(k) AS k, maxOf(amount) AS m FROM t GROUP BY k')).collect();
  assert.deepEqual(short(rows), ['+I["A!",10]', '+I["B!",5]']);
  // The module loader's checks apply unchanged.
  assert.throws(() => tenv.createTemporarySystemFunction('nope', (x: number) => x), /function 'nope' \(in-process\): it does not declare its SQL result type/);
  assert.throws(() => tenv.createTemporarySystemFunction('upper', Object.assign((s: string) => s, { returns: 'STRING' })), /built-in function/);
  assert.throws(() => tenv.createTemporarySystemFunction('shout', Object.assign((s: string) => s, { returns: 'STRING' })), /already exists/);
});

test('planning errors keep line, column, caret and hint', async () => {
  const tenv = TableEnvironment.create();
  await tenv.executeSql(SOURCE_DDL);
  const sql = 'SELECT id,\n  kk FROM t';
  await assert.rejects(tenv.executeSql(sql), (e: unknown) => {
    assert.ok(e instanceof SqlParseError);
    assert.match(e.message, /Column 'kk' not found in any table \(line 2, column 3\)/);
    assert.equal(e.line, 2);
    assert.equal(e.column, 3);
    assert.equal(e.caret, '  ^');
    assert.match(e.describe(), /2 \| {3}kk FROM t\n {2}\| {3}\^/);
    return true;
  });
  await assert.rejects(tenv.executeSql('SHOW TABLES; SHOW TABLES'), /executeSql runs one statement[\s\S]*column 14/);
  // Nothing ran and nothing changed: the catalog is as before.
  assert.deepEqual(tenv.listTables(), ['t']);
});

test('a slow reader holds back a parallel job without losing rows', { timeout: 20_000 }, async () => {
  const tenv = TableEnvironment.create({ parallelism: 2 });
  await tenv.executeSql("CREATE TABLE gen (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000000', 'number-of-rows' = '30000', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '30000')");
  const result = await tenv.executeSql('SELECT n FROM gen');
  let count = 0;
  let sum = 0;
  for await (const change of result) {
    count++;
    sum += change.row.n as number;
    if (count % 5000 === 0) await new Promise((r) => setTimeout(r, 20));
  }
  await result.done;
  assert.equal(count, 30_000);
  assert.equal(sum, (30_000 * 30_001) / 2);
});

test('cancel stops a query over an unbounded source', { timeout: 20_000 }, async () => {
  const tenv = TableEnvironment.create();
  await tenv.executeSql("CREATE TABLE gen (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '1000000000')");
  const result = await tenv.executeSql('SELECT n * 2 AS twice FROM gen');
  assert.equal(result.bounded, false);
  const seen: number[] = [];
  for await (const change of result) {
    seen.push(change.row.twice as number);
    if (seen.length === 5) break;
  }
  assert.deepEqual(seen, [2, 4, 6, 8, 10]);
  await result.cancel();
  await result.done;
});

test('leaving for await early ends an unbounded query, as closing a Flink collect iterator does', { timeout: 20_000 }, async () => {
  const tenv = TableEnvironment.create();
  await tenv.executeSql("CREATE TABLE gen (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '1000000000')");
  const result = await tenv.executeSql('SELECT n FROM gen');
  let count = 0;
  for await (const _change of result) {
    if (++count === 10) break;
  }
  // no cancel(): the job still ends
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((r) => { timer = setTimeout(() => r('still running'), 3000); });
  const ended = await Promise.race([result.done.then(() => 'ended', () => 'ended'), late]);
  clearTimeout(timer);
  assert.equal(ended, 'ended');
});

test('an unbounded query nobody reads yet holds its job back instead of filling memory', { timeout: 20_000 }, async () => {
  const tenv = TableEnvironment.create();
  await tenv.executeSql("CREATE TABLE gen (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000000', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '1000000000')");
  const result = await tenv.executeSql('SELECT n FROM gen');
  await new Promise((r) => setTimeout(r, 500));
  await result.cancel();
  await result.done;
  // what was produced before cancel waits unread: about the read-ahead bound, not 500 ms at a million rows a second
  let rows = 0;
  for await (const _change of result) rows++;
  assert.ok(rows <= 20_000, `${rows} rows queued`);
  assert.ok(rows >= 10_000, `${rows} rows queued`);
});

test('examples/sql-api prints what docs/sql-api.md says', () => {
  const script = fileURLToPath(new URL('../../examples/sql-api/sql-api.js', import.meta.url));
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
  assert.deepEqual(out.trim().split('\n'), [
    '+I ana 1 30', '+I bo 1 120', '-U ana 1 30', '+U ana 2 280', '-U bo 1 120', '+U bo 2 135',
    '2,bo', '3,ana',
    "error at 1:12: Column 'amout' not found in any table (line 1, column 12)",
    'window from 0 ms: 400', 'window from 10000 ms: 15',
  ]);
});
