import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import type { Row } from '../../connectors/registry.js';
import { OnnxModel } from '../../ml/index.js';
import { startFakeModelServer } from '../../ml/remote/fake-model-server.js';
import type { FakeModelServer } from '../../ml/remote/fake-model-server.js';
import { testInputs, testModel } from '../../ml/testdata.js';
import { SqlParseError } from '../parser/index.js';
import { planScript } from '../planner/index.js';
import type { SqlJob } from '../planner/index.js';
import { mlPredictCounters, resetMlPredictCounters } from './index.js';

const FEATURES = testInputs().features;
const ROWS = testInputs().rows.slice(0, 300).map((r, i) => {
  const rec: Record<string, number> = { id: i };
  FEATURES.forEach((f, k) => { rec[f] = r[k]!; });
  return rec;
});
const dir = mkdtempSync(join(tmpdir(), 'weir-remote-predict-'));
const file = join(dir, 'rows.json');
writeFileSync(file, ROWS.map((r) => JSON.stringify(r)).join('\n'));
const cols = FEATURES.map((f) => `${f} DOUBLE`).join(', ');
const TABLE = `CREATE TABLE t (id BIGINT, ${cols}) WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'json');\n`;
const DESC = `DESCRIPTOR(${FEATURES.join(', ')})`;
/** What the fake server's model gives: the sum of the inputs over 10. */
const expected = (r: Record<string, number>): number => FEATURES.reduce((a, f) => a + r[f]!, 0) / 10;

let server: FakeModelServer;
before(async () => { server = await startFakeModelServer(); });
after(async () => { await server.close(); });

function remoteModel(extra = ''): string {
  return `CREATE MODEL m INPUT (${cols}) OUTPUT (score DOUBLE) WITH ('provider' = 'kserve', 'endpoint' = '${server.url}', 'model' = 'm', 'max-batch-rows' = '20'${extra});\n`;
}

async function run(job: SqlJob): Promise<Row[]> {
  const env = StreamExecutionEnvironment.create({ batchSize: 1024 });
  job.build(env);
  const h = env.execute();
  await h.done;
  return h.collected<Row>(job.sinks[0]!.name).map((r) => r.value);
}

function reset(plan: FakeModelServer['plan'] = () => undefined): void {
  server.plan = plan;
  server.requests = 0;
  server.maxInFlight = 0;
  server.rowsPerRequest = [];
  resetMlPredictCounters();
}

test('ML_PREDICT on a kserve model: requests of max-batch-rows, side by side, in input order', async () => {
  // Every request takes a while, so requests overlap even on a busy machine; the first one longest.
  reset((_n, first) => ({ delayMs: first[0] === ROWS[0]!.amount ? 100 : 30 }));
  const { jobs } = planScript(`${TABLE}${remoteModel(", 'max-concurrent-operations' = '4'")}SELECT * FROM ML_PREDICT(TABLE t, MODEL m, ${DESC});`);
  assert.deepEqual(jobs[0]!.sinks[0]!.fields.map((f) => f.name), ['id', ...FEATURES, 'score', 'scored_by']);
  const out = await run(jobs[0]!);
  assert.deepEqual(out.map((r) => r[0]), ROWS.map((r) => r.id), 'ordered by default');
  out.forEach((r, i) => {
    assert.ok(Math.abs((r[7] as number) - expected(ROWS[i]!)) < 1e-9, `row ${i}`);
    assert.equal(r[8], 'kserve:m');
  });
  assert.equal(server.requests, 15);
  assert.equal(server.maxInFlight, 4);
  const c = mlPredictCounters('m');
  assert.equal(c.scored, 300);
  assert.equal(c.fallback, 0);
});

test("ML_PREDICT config 'output-mode' = 'allow_unordered' lets later requests overtake a slow one", async () => {
  reset((_n, first) => ({ delayMs: first[0] === ROWS[0]!.amount ? 600 : 10 }));
  const { jobs } = planScript(`${TABLE}${remoteModel()}SELECT id, score FROM ML_PREDICT(TABLE t, MODEL m, ${DESC}, MAP['output-mode', 'allow_unordered', 'max-concurrent-operations', '3']);`);
  const out = await run(jobs[0]!);
  assert.equal(out.length, 300);
  const ids = out.map((r) => r[0] as number);
  assert.deepEqual([...ids].sort((a, b) => a - b), ROWS.map((r) => r.id));
  // The source may hand over several batches; within the first one, the slow first request came out after the next ones.
  assert.ok(ids.indexOf(0) > ids.indexOf(20) && ids.indexOf(0) > ids.indexOf(40), `ids: ${ids.slice(0, 50).join(' ')}`);
  assert.deepEqual(ids.slice(ids.indexOf(0), ids.indexOf(0) + 20), ROWS.slice(0, 20).map((r) => r.id), 'the slow request kept its own order');
  assert.equal(server.maxInFlight, 3);
});

test('a failing server: rows of each failed request get the fallback rule and scored_by = fallback; none is dropped', async () => {
  // Every other request fails with 503 however often it is retried.
  const failing = new Set<number>();
  reset((_n, first) => {
    const i = ROWS.findIndex((r) => r.amount === first[0]);
    return Math.floor(i / 20) % 2 === 1 || failing.has(i) ? { status: 503, body: '{"error":"overloaded"}' } : undefined;
  });
  const { jobs } = planScript(`${TABLE}${remoteModel(", 'max-retries' = '1', 'fallback' = 'CASE WHEN amount > 100 THEN 0.9 ELSE 0.1 END'")}SELECT id, amount, score, scored_by FROM ML_PREDICT(TABLE t, MODEL m, ${DESC});`);
  const out = await run(jobs[0]!);
  assert.equal(out.length, 300);
  out.forEach((r, i) => {
    if (Math.floor(i / 20) % 2 === 1) assert.deepEqual(r.slice(2), [(r[1] as number) > 100 ? 0.9 : 0.1, 'fallback'], `row ${i}`);
    else assert.equal(r[3], 'kserve:m', `row ${i}`);
  });
  const c = mlPredictCounters('m');
  assert.equal(c.fallback, 140);
  assert.equal(c.scored, 160);
  assert.equal(c.modelErrors, 7);
});

test('a request past the timeout is scored by the fallback', async () => {
  reset((n) => (n === 0 ? { delayMs: 2000 } : undefined));
  const { jobs } = planScript(`${TABLE}${remoteModel(", 'timeout' = '300ms', 'fallback' = '-1', 'max-concurrent-operations' = '1'")}SELECT id, score, scored_by FROM ML_PREDICT(TABLE t, MODEL m, ${DESC});`);
  const logged: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { logged.push(String(chunk)); return true; }) as typeof process.stderr.write;
  let out: Row[];
  try {
    out = await run(jobs[0]!);
  } finally {
    process.stderr.write = write;
  }
  // The limit was the remote request's own: the warning names it, not an undefined operator limit.
  assert.ok(logged.some((l) => l.includes("a batch of 20 rows took longer than the model's own 'timeout'; scored by the fallback")), logged.join(''));
  assert.deepEqual(out.slice(0, 20).map((r) => r.slice(1)), ROWS.slice(0, 20).map(() => [-1, 'fallback']));
  assert.ok(out.slice(20).every((r) => r[2] === 'kserve:m'));
  assert.equal(mlPredictCounters('m').fallback, 20);
  assert.equal(mlPredictCounters('m').timeouts, 1, 'the timed-out request counts as a timeout, not a model error');
  assert.equal(mlPredictCounters('m').modelErrors, 0);
});

test('two-tier scoring in standard SQL: the heavy remote model only for rows whose fast score passes', async () => {
  reset();
  const sql = `${TABLE}
CREATE MODEL fast INPUT (${cols}) OUTPUT (score DOUBLE) WITH ('provider' = 'onnx', 'path' = '${testModel('logreg')}');
CREATE MODEL heavy INPUT (${cols}) OUTPUT (score DOUBLE) WITH ('provider' = 'kserve', 'endpoint' = '${server.url}', 'model' = 'm', 'fallback' = '-1');
CREATE VIEW fast_scored AS SELECT * FROM ML_PREDICT(TABLE t, MODEL fast, ${DESC});
CREATE VIEW suspicious AS SELECT * FROM fast_scored WHERE score >= 0.5;
SELECT id, score0 AS score, 'heavy' AS tier, scored_by0 AS scored_by FROM ML_PREDICT(TABLE suspicious, MODEL heavy, ${DESC})
UNION ALL
SELECT id, score, 'fast' AS tier, scored_by FROM fast_scored WHERE score < 0.5;`;
  const { jobs } = planScript(sql);
  const out = await run(jobs[0]!);
  assert.equal(out.length, 300);
  const onnx = await OnnxModel.load(testModel('logreg'));
  const fastScores = await onnx.score(ROWS, { inputs: FEATURES, outputs: 'score DOUBLE' });
  await onnx.close();
  const byId = new Map(out.map((r) => [r[0] as number, r]));
  let heavy = 0;
  ROWS.forEach((r, i) => {
    const got = byId.get(r.id!)!;
    const f = fastScores[i]!.score as number;
    if (f >= 0.5) {
      heavy++;
      assert.deepEqual(got.slice(2), ['heavy', 'kserve:m']);
      assert.ok(Math.abs((got[1] as number) - expected(r)) < 1e-9);
    } else {
      assert.deepEqual(got.slice(1), [f, 'fast', 'model:logreg.onnx']);
    }
  });
  assert.ok(heavy > 0 && heavy < 300, `${heavy} rows passed`);
  assert.equal(server.rowsPerRequest.reduce((a, b) => a + b, 0), heavy, 'only passing rows reached the server');
});

/** The positioned error a script fails to plan with. */
function planErr(sql: string): SqlParseError {
  let error: unknown;
  assert.throws(() => planScript(sql), (e: unknown) => { error = e; return e instanceof SqlParseError; });
  return error as SqlParseError;
}

test('CREATE MODEL checks the remote options', () => {
  const m = (opts: string): string => `CREATE MODEL m INPUT (a DOUBLE) OUTPUT (s DOUBLE) WITH (${opts});`;
  assert.match(planErr(m("'provider' = 'kserve'")).message, /needs 'endpoint'/);
  assert.match(planErr(m("'provider' = 'kserve', 'endpoint' = 'localhost:1'")).message, /not an http\(s\) URL/);
  assert.match(planErr(m("'provider' = 'tfserving', 'endpoint' = 'http://h:1', 'path' = 'x.onnx'")).message, /'path' does not apply/);
  assert.match(planErr(m("'provider' = 'kserve', 'endpoint' = 'http://h:1', 'max-concurrent-operations' = '0'")).message, /at least 1/);
  assert.match(planErr(m("'provider' = 'kserve', 'endpoint' = 'http://h:1', 'output-mode' = 'sideways'")).message, /'output-mode' = 'sideways'/);
  assert.match(planErr(m("'provider' = 'onnx', 'path' = 'x.onnx', 'endpoint' = 'http://h:1'")).message, /only apply to a remote provider/);
  assert.match(planErr(m("'provider' = 'kserve', 'endpoint' = 'http://h:1', 'ordered' = 'true', 'output-mode' = 'allow_unordered'")).message, /'output-mode' and 'ordered' are the same option/);
  assert.match(planErr(m("'provider' = 'kserve', 'endpoint' = 'http://h:1', 'max-in-flight' = '2', 'max-concurrent-operations' = '4'")).message, /are the same option/);
  const triton = planErr(m("'provider' = 'triton'"));
  assert.match(triton.message, /provider 'triton' is not supported/);
  assert.match(triton.hint ?? '', /'kserve' \/ 'tfserving'/);
  planScript(m("'provider' = 'tfserving', 'endpoint' = 'http://h:1', 'model-name' = 'x', 'model-version' = '3', 'ordered' = 'false', 'max-in-flight' = '2', 'max-retries' = '0'"));
});
