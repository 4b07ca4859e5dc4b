import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import type { ChangeRow, Row } from '../../connectors/registry.js';
import { SqlParseError, formatSqlError } from '../parser/index.js';
import { describeSqlError, planScript, windowsOf } from './index.js';
import { runToRows } from './testing.js';
import type { WindowDef } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-planner-'));
const data = join(dir, 'o.json');
writeFileSync(data, [
  { id: 1, k: 'a', v: 5, ts: '2024-01-01 00:00:01.000' },
  { id: 2, k: 'b', v: 7, ts: '2024-01-01 00:00:04.000' },
  { id: 3, k: 'a', v: 1, ts: '2024-01-01 00:00:12.000' },
  { id: 4, k: 'a', v: 2, ts: '2024-01-01 00:00:02.000' },
  { id: 5, k: 'b', v: 3, ts: '2024-01-01 00:00:25.000' },
].map((r) => JSON.stringify(r)).join('\n'));

const DDL = `CREATE TABLE o (id INT, k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${data}', 'format' = 'json');\n`;

const run = runToRows;

function planError(sql: string): SqlParseError {
  try {
    planScript(sql);
  } catch (e) {
    assert.ok(e instanceof SqlParseError, `expected a positioned error, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the script to fail');
}

test('projection and filter run as one fused operator, inside the watermark operator of the scan below', async () => {
  const { jobs } = planScript(`${DDL}SELECT id, v * 10 AS v10 FROM o WHERE v > 2 AND k = 'a';`);
  const env = StreamExecutionEnvironment.create();
  jobs[0]!.build(env);
  assert.deepEqual(env.nodes.map((n) => n.name), ['source(o)', 'watermark(o)+calc', 'q1']);
  assert.deepEqual(await run(jobs[0]!), [[1, 50]]);
  // a view's projection and filter under the query's: still one operator
  const nested = planScript(`${DDL}CREATE VIEW w AS SELECT id, v + 1 AS v1, k FROM o WHERE k = 'a';
SELECT id * 2 AS i2 FROM (SELECT * FROM w WHERE v1 > 2) WHERE id < 4;`).jobs[0]!;
  const env2 = StreamExecutionEnvironment.create();
  nested.build(env2);
  assert.deepEqual(env2.nodes.map((n) => n.name), ['source(o)', 'watermark(o)+calc', 'q1']);
  assert.deepEqual(await run(nested), [[2]]);
});

test('window aggregation drops the late row as Flink does and types window columns', async () => {
  const { jobs } = planScript(`${DDL}SELECT k, window_start, window_end, window_time, COUNT(*) AS c, SUM(v) AS s
FROM TABLE(TUMBLE(TABLE o, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, window_time, k;`);
  const types = jobs[0]!.sinks[0]!.fields.map((f) => `${f.name} ${f.type.kind}${f.type.nullable ? '' : ' NOT NULL'}${f.type.timeAttribute ? ` *${f.type.timeAttribute}*` : ''}`);
  assert.deepEqual(types.slice(1, 4), ['window_start TIMESTAMP NOT NULL', 'window_end TIMESTAMP NOT NULL', 'window_time TIMESTAMP NOT NULL *ROWTIME*']);
  const rows = (await run(jobs[0]!)) as Row[];
  const t0 = Date.UTC(2024, 0, 1);
  // id 4 (00:00:02) arrives after the watermark passed 00:00:09.999 (from id 3 at 00:00:12): late, dropped.
  assert.deepEqual(rows.map((r) => [r[0], (r[1] as number) - t0, r[4], r[5]]).sort(), [['a', 0, 1, 5], ['a', 10000, 1, 1], ['b', 0, 1, 7], ['b', 20000, 1, 3]].sort());
});

test('unbounded GROUP BY emits a changelog', async () => {
  const { jobs } = planScript(`${DDL}SELECT k, SUM(v) AS s FROM o GROUP BY k;`);
  assert.equal(jobs[0]!.sinks[0]!.updating, true);
  const out = (await run(jobs[0]!)) as ChangeRow[];
  assert.deepEqual(out.map((c) => `${c.op}${JSON.stringify(c.row)}`), [
    '+I["a",5]', '+I["b",7]', '-U["a",5]', '+U["a",6]', '-U["a",6]', '+U["a",8]', '-U["b",7]', '+U["b",10]',
  ]);
});

test('window TVF rows without aggregation: one row per hopping window', () => {
  const hop: WindowDef = { kind: 'HOP', size: 10, slide: 5, offset: 0, timeIndex: 0, timeColumn: 'ts', partitionKeys: [] };
  assert.deepEqual(windowsOf(hop, 12).sort((a, b) => a[0] - b[0]), [[5, 15], [10, 20]]);
  const cum: WindowDef = { kind: 'CUMULATE', size: 20, step: 5, offset: 0, timeIndex: 0, timeColumn: 'ts', partitionKeys: [] };
  assert.deepEqual(windowsOf(cum, 12), [[0, 15], [0, 20]]);
  const tum: WindowDef = { kind: 'TUMBLE', size: 10, offset: 0, timeIndex: 0, timeColumn: 'ts', partitionKeys: [] };
  assert.deepEqual(windowsOf(tum, -1), [[-10, 0]]);
});

test('errors point at the construct with line, column and caret', () => {
  const e1 = planError(`${DDL}SELECT id, nope FROM o;`);
  assert.equal(e1.line, 3);
  assert.equal(e1.column, 12);
  assert.match(e1.message, /Column 'nope' not found/);
  assert.match(formatSqlError(e1), /\n {2}\| {12}\^/);

  const e2 = planError(`${DDL}SELECT * FROM o JOIN o AS p ON o.id < p.id;`);
  assert.match(e2.message, /a join without an equality between the two sides is not supported by weir yet/);
  assert.equal(e2.column, 32);

  const e3 = planError(`CREATE TABLE p (a INT, t TIMESTAMP(3)) WITH ('connector' = 'datagen');
SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE p, DESCRIPTOR(t), INTERVAL '1' SECOND)) GROUP BY window_start, window_end;`);
  assert.match(e3.message, /requires the timecol is a time attribute type/);
  assert.match(e3.hint ?? '', /WATERMARK FOR t/);

  const e4 = planError(`${DDL}SELECT k, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) FROM o;`);
  assert.match(e4.message, /ROW_NUMBER without a rank filter is not supported/);
  assert.match(e4.hint ?? '', /WHERE rn <= N/);
  assert.match(planError(`${DDL}SELECT k, SUM(v) OVER (PARTITION BY k ORDER BY v) FROM o;`).message, /must be ordered by a time attribute/);

  const e5 = planError(`CREATE TABLE p (a INT) WITH ('connector' = 'filesystem', 'format' = 'json', 'pathh' = '/x');`);
  assert.match(e5.message, /missing required option 'path'/);
  assert.equal(e5.line, 1);

  const e7 = planError(`${DDL}SELECT * FROM TABLE(SESSION(TABLE o, DESCRIPTOR(ts), INTERVAL '1' SECOND));`);
  assert.match(e7.message, /SESSION window rows without GROUP BY/);
  assert.equal(e7.column, 15);

  const e6 = planError(`${DDL}SELECT k, v FROM o GROUP BY k;`);
  assert.match(e6.message, /Expression 'v' is not being grouped/);
});

test('DDL statements: SHOW TABLES, DESCRIBE, DROP, views and SET', () => {
  const { steps, catalog } = planScript(`${DDL}
CREATE TABLE sink (k STRING, n BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'print', 'print-identifier' = 'x');
CREATE VIEW big AS SELECT * FROM o WHERE v > 4;
SET 'table.local-time-zone' = 'UTC';
SHOW TABLES;
DESCRIBE o;
DROP VIEW big;
SHOW TABLES;`);
  const outputs = steps.filter((s) => s.kind === 'output').map((s) => (s as { text: string }).text);
  assert.equal(outputs[0], 'big\no\nsink');
  assert.match(outputs[1]!, /\| ts {3}\| TIMESTAMP\(3\) \*ROWTIME\* \| TRUE \| {5}\| {8}\| ts - INTERVAL '1' SECOND \|/);
  assert.equal(outputs[2], 'o\nsink');
  assert.equal(catalog.config.get('table.local-time-zone'), 'UTC');
  assert.throws(() => planScript(`${DDL}${DDL}`), /Table "o" already exists/);
});

test('regular joins: inner join of insert-only inputs stays insert-only; LEFT JOIN retracts the NULL-padded row', async () => {
  const { jobs } = planScript(`${DDL}SELECT a.id, b.id FROM o AS a JOIN o AS b ON a.k = b.k AND a.id < b.id;
SELECT a.id, b.id FROM o AS a LEFT JOIN o AS b ON a.id = b.id + 1;`);
  assert.equal(jobs[0]!.sinks[0]!.updating, false);
  assert.deepEqual(((await run(jobs[0]!)) as Row[]).map((r) => r.join('-')).sort(), ['1-3', '1-4', '2-5', '3-4'].sort());
  const changes = (await run(jobs[1]!)) as ChangeRow[];
  const live = new Map<string, number>();
  for (const c of changes) live.set(c.row.join('-'), (live.get(c.row.join('-')) ?? 0) + (c.op === '+I' ? 1 : -1));
  assert.deepEqual([...live].filter(([, n]) => n > 0).map(([k]) => k).sort(), ['1-', '2-1', '3-2', '4-3', '5-4']);
  // Whether a left row goes out NULL-padded first depends on which of the two scans' reads finishes
  // first. Where one did and its match came later, the padded row is retracted before the match goes out.
  let padded = 0;
  changes.forEach((c, i) => {
    if (c.op !== '+I' || c.row[1] !== null || c.row[0] === 1) return;
    padded++;
    const del = changes.findIndex((d, j) => j > i && d.op === '-D' && d.row[0] === c.row[0] && d.row[1] === null);
    const match = changes.findIndex((m) => m.op === '+I' && m.row[0] === c.row[0] && m.row[1] !== null);
    assert.ok(del > i && del < match, `${c.row.join('-')} is retracted before its match`);
  });
  assert.equal(changes.filter((c) => c.op === '-D').length, padded);
});

test('OVER: rows wait for the watermark and come out in time order', async () => {
  const { jobs } = planScript(`${DDL}SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s FROM o;`);
  const rows = (await run(jobs[0]!)) as Row[];
  // id 4 (00:00:02) arrives behind the watermark (00:00:11) and is dropped.
  assert.deepEqual(rows.map((r) => r.join(':')).sort(), ['1:5', '2:7', '3:6', '5:10']);
});

test('INSERT INTO checks the sink and EXPLAIN prints both plans', () => {
  const { steps, jobs } = planScript(`${DDL}
CREATE TABLE out (k STRING, total BIGINT) WITH ('connector' = 'blackhole');
EXPLAIN INSERT INTO out SELECT k, SUM(v) FROM o GROUP BY k;
INSERT INTO out SELECT k, CAST(v AS BIGINT) FROM o;`);
  const explain = (steps[0] as { text: string }).text;
  assert.match(explain, /== Logical Plan ==\nSink\(table=\[out\], fields=\[k, total\]\)\n\+- Calc/);
  assert.match(explain, /GroupAggregate\(groupBy=\[k\]/);
  assert.match(explain, /== Physical Plan ==\n#0 source source\(o\)/);
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0]!.bounded, true);
  const e = planError(`${DDL}CREATE TABLE f (k STRING, s INT) WITH ('connector' = 'filesystem', 'path' = '${dir}/x', 'format' = 'json');
INSERT INTO f SELECT k, SUM(v) FROM o GROUP BY k;`);
  assert.match(e.message, /only accepts inserts/);
  assert.match(describeSqlError(e), /SQL error: .*\n.*\| INSERT INTO f/);
  assert.match(planError(`${DDL}CREATE TABLE out2 (k STRING) WITH ('connector' = 'blackhole');\nINSERT INTO out2 SELECT k, v FROM o;`).message, /the query has 2 columns, the sink expects 1/);
});
