import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import type { Row } from '../../connectors/registry.js';
import { OperatorHarness } from '../../operators/testing/harness.js';
import type { OneInputNode } from '../../runtime/graph.js';
import { planScript } from './index.js';
import type { SqlJob } from './index.js';

const DDL = `CREATE TABLE clicks (k STRING, v INT, proc AS PROCTIME())
  WITH ('connector' = 'datagen', 'rows-per-second' = '100', 'number-of-rows' = '40',
        'fields.k.length' = '1', 'fields.v.kind' = 'sequence', 'fields.v.start' = '1', 'fields.v.end' = '40');\n`;

/** The job's window operator, driven by hand with a virtual processing-time clock. */
async function windowHarness(job: SqlJob, now: number): Promise<OperatorHarness<Row, Row>> {
  const env = StreamExecutionEnvironment.create();
  job.build(env);
  const node = env.nodes.find((n) => n.name.startsWith('window-aggregate')) as OneInputNode;
  const edge = node.inputs[0]!.partitioning;
  assert.equal(edge.kind, 'hash');
  const h = new OperatorHarness<Row, Row>(node.create(), { keySelector: edge.kind === 'hash' ? edge.key : () => 0, processingTime: now });
  await h.open();
  return h;
}

test('TUMBLE over a PROCTIME attribute: windows by the wall clock, fired when processing time passes their end', async () => {
  const { jobs } = planScript(`${DDL}SELECT k, window_start, window_end, window_time, COUNT(*) AS c, SUM(v) AS s
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(proc), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end, window_time;`);
  const types = jobs[0]!.sinks[0]!.fields.slice(1, 4).map((f) => `${f.type.kind}${f.type.timeAttribute ? ` *${f.type.timeAttribute}*` : ''}`);
  assert.deepEqual(types, ['TIMESTAMP', 'TIMESTAMP', 'TIMESTAMP_LTZ *PROCTIME*']);
  const h = await windowHarness(jobs[0]!, 1_000);
  // The rows' own proc values do not matter: the operator's clock decides the window.
  h.processElements([[['a', 1, 0], -Infinity], [['b', 2, 0], -Infinity]]);
  h.setProcessingTime(9_000);
  h.processElements([[['a', 3, 0], -Infinity]]);
  h.setProcessingTime(9_998);
  assert.deepEqual(h.takeOutput(), [], 'nothing before the window ends');
  h.setProcessingTime(10_500);
  h.processElements([[['a', 4, 0], -Infinity]]);
  const first = h.takeOutput().map((e) => e.value);
  assert.deepEqual(first.sort(), [['a', 0, 10_000, 9_999, 2, 4], ['b', 0, 10_000, 9_999, 1, 2]]);
  // A watermark does not fire processing-time windows.
  h.processWatermark(Number.POSITIVE_INFINITY);
  assert.deepEqual(h.takeOutput(), []);
  h.setProcessingTime(20_000);
  assert.deepEqual(h.takeOutput().map((e) => e.value), [['a', 10_000, 20_000, 19_999, 1, 4]]);
});

test('a processing-time window job fires windows while it runs, as the clock moves', async () => {
  const { jobs } = planScript(`${DDL}SELECT window_start, window_end, COUNT(*) AS c
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(proc), INTERVAL '0.1' SECOND)) GROUP BY window_start, window_end;`);
  const env = StreamExecutionEnvironment.create();
  jobs[0]!.build(env);
  const h = env.execute();
  await h.done;
  const rows = h.collected<Row>(jobs[0]!.sinks[0]!.name).map((r) => r.value);
  // 40 rows at 100 per second span about 0.4 s: some 100 ms windows end during the run (the last,
  // still open when the input ends, does not fire, as in Flink).
  assert.ok(rows.length >= 1, `expected fired windows, got ${JSON.stringify(rows)}`);
  for (const r of rows) assert.equal((r[1] as number) - (r[0] as number), 100);
  const total = rows.reduce((a, r) => a + (r[2] as number), 0);
  assert.ok(total >= 1 && total <= 40);
});
