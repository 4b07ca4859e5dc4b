/**
 * Remote models against a real model server: MLServer (KServe v2 REST) serving the committed ONNX test
 * models through scripts/mlserver/onnx_runtime.py, started by `bash scripts/services start` (see
 * test/README.md). Scores from the server are compared with the in-process OnnxModel on the same rows.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../src/api/environment.js';
import type { Row } from '../src/connectors/registry.js';
import { UserError } from '../src/core/errors.js';
import { OnnxModel } from '../src/ml/index.js';
import { RemoteModel, scoreRemote, twoTierScore, twoTierStats } from '../src/ml/remote/index.js';
import { testInputs, testModel, testRows } from '../src/ml/testdata.js';
import { planScript } from '../src/sql/planner/index.js';
import { mlPredictCounters, resetMlPredictCounters } from '../src/sql/ml/index.js';
import { mlserverUrl } from './services.js';

const URL_ = mlserverUrl();
const FEATURES = testInputs().features;
const ROWS = testRows();
/** float32 models on both sides, but onnxruntime versions and JSON round trips differ in the last bits. */
const TOLERANCE = 1e-5;

function close(actual: unknown, expected: unknown, what: string): void {
  assert.equal(typeof actual, 'number', what);
  assert.ok(Math.abs((actual as number) - (expected as number)) <= TOLERANCE, `${what}: ${String(actual)} vs ${String(expected)}`);
}

async function local(name: string, outputs: string, inputs: string[] = FEATURES, rows = ROWS): Promise<Record<string, unknown>[]> {
  const m = await OnnxModel.load(testModel(name));
  try {
    return await m.score(rows, { inputs, outputs });
  } finally {
    await m.close();
  }
}

before(async () => {
  try {
    const res = await fetch(`${URL_}/v2/health/ready`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`status ${res.status}`);
  } catch (err) {
    throw new Error(`no MLServer at ${URL_} (${(err as Error).message}); run: bash scripts/services start mlserver`, { cause: err });
  }
});

test('KServe v2 on MLServer: logreg scores equal the in-process OnnxModel on 2000 rows, requests side by side', async () => {
  const model = await RemoteModel.open({ provider: 'kserve', endpoint: URL_, model: 'logreg', version: '1', maxBatchRows: 200, maxInFlight: 4, timeoutMs: 5000 });
  const remote = await model.score(ROWS, { inputs: FEATURES, outputs: 'label BIGINT, probabilities_0 DOUBLE, probabilities_1 DOUBLE' });
  const expected = await local('logreg', 'label BIGINT, prob_0 DOUBLE, prob_1 DOUBLE');
  assert.equal(remote.length, ROWS.length);
  remote.forEach((r, i) => {
    assert.equal(r.label, expected[i]!.label, `row ${i} label`);
    close(r.probabilities_0, expected[i]!.prob_0, `row ${i} p0`);
    close(r.probabilities_1, expected[i]!.prob_1, `row ${i} p1`);
  });
  assert.equal(model.stats.requests, 10);
  assert.ok(model.stats.maxInFlightSeen > 1 && model.stats.maxInFlightSeen <= 4, `in flight: ${model.stats.maxInFlightSeen}`);
  await model.close();
});

test('KServe v2 on MLServer: a regressor with a 5-column input tensor', async () => {
  const features = testInputs().models.regressor!.features!;
  const model = await RemoteModel.open({ provider: 'kserve', endpoint: URL_, model: 'regressor', timeoutMs: 5000 });
  const remote = await model.score(ROWS, { inputs: features, outputs: 'variable DOUBLE' });
  const expected = await local('regressor', 'variable DOUBLE', features);
  remote.forEach((r, i) => close(r.variable, expected[i]!.variable, `row ${i}`));
});

test("MLServer's own errors: a missing model version at open, a wrong tensor name as a 400 with the server's message", async () => {
  await assert.rejects(RemoteModel.open({ provider: 'kserve', endpoint: URL_, model: 'logreg', version: '7' }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /404/);
    return true;
  });
  const model = await RemoteModel.open({ provider: 'kserve', endpoint: URL_, model: 'logreg', tensors: [{ name: 'nope', datatype: 'FP32' }] });
  await assert.rejects(model.score(ROWS.slice(0, 2), { inputs: FEATURES, outputs: 'label BIGINT' }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /rejected with 400/);
    assert.match(err.message, /has no input 'nope'/);
    assert.ok(err.message.includes(`${URL_}/v2/models/logreg/infer`));
    return true;
  });
  assert.equal(model.stats.requests, 1, 'a 400 is not retried');
});

test('SQL: ML_PREDICT on a kserve model gives the scores of the same model scored in the stream', async () => {
  resetMlPredictCounters();
  const dir = mkdtempSync(join(tmpdir(), 'weir-remote-it-'));
  const file = join(dir, 'rows.json');
  writeFileSync(file, ROWS.map((r, i) => JSON.stringify({ id: i, ...r })).join('\n'));
  const cols = FEATURES.map((f) => `${f} DOUBLE`).join(', ');
  const sql = `CREATE TABLE t (id BIGINT, ${cols}) WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'json');
CREATE MODEL remote_forest INPUT (${cols}) OUTPUT (label BIGINT, probabilities_1 DOUBLE)
  WITH ('provider' = 'kserve', 'endpoint' = '${URL_}', 'model' = 'forest', 'model-version' = '1', 'timeout' = '5s',
        'max-batch-rows' = '100', 'max-concurrent-operations' = '4', 'fallback' = '-1');
CREATE MODEL local_forest INPUT (${cols}) OUTPUT (label BIGINT, score DOUBLE) WITH ('provider' = 'onnx', 'path' = '${testModel('forest')}');
CREATE VIEW both_scored AS SELECT * FROM ML_PREDICT(TABLE t, MODEL local_forest, DESCRIPTOR(${FEATURES.join(', ')}));
SELECT id, label, score, label0, probabilities_1, scored_by0 FROM ML_PREDICT(TABLE both_scored, MODEL remote_forest, DESCRIPTOR(${FEATURES.join(', ')}));`;
  const { jobs } = planScript(sql);
  const env = StreamExecutionEnvironment.create({ batchSize: 1024 });
  jobs[0]!.build(env);
  const h = env.execute();
  await h.done;
  const out = h.collected<Row>(jobs[0]!.sinks[0]!.name).map((r) => r.value);
  assert.deepEqual(out.map((r) => r[0]), ROWS.map((_, i) => i), 'in input order');
  for (const r of out) {
    assert.equal(r[5], 'kserve:forest:v1');
    assert.equal(r[3], r[1], `row ${String(r[0])} label`);
    close(r[4], r[2], `row ${String(r[0])} score`);
  }
  const c = mlPredictCounters('remote_forest');
  assert.equal(c.scored, ROWS.length);
  assert.equal(c.fallback, 0);
});

test('DataStream: twoTierScore sends only records whose in-process logreg score passes to the forest on MLServer', async () => {
  const fast = await OnnxModel.load(testModel('logreg'));
  const stats = twoTierStats();
  const env = StreamExecutionEnvironment.create();
  const records = ROWS.map((r, id) => ({ id, ...r }));
  twoTierScore(env.fromArray(records), {
    fast,
    heavy: { provider: 'kserve', endpoint: URL_, model: 'forest', timeoutMs: 5000, maxInFlight: 4 },
    inputs: FEATURES,
    outputs: 'score DOUBLE',
    heavyOutputs: [{ name: 'score', type: 'DOUBLE', from: { output: 'probabilities', index: 1 } }],
    threshold: 0.5,
    heavyBatchRows: 50,
    stats,
  }).collect('out');
  const h = env.execute();
  await h.done;
  await fast.close();
  const out = h.collected<Record<string, unknown>>('out').map((r) => r.value);
  const fastScores = await local('logreg', 'score DOUBLE');
  const heavyScores = await local('forest', 'score DOUBLE');
  let routed = 0;
  out.forEach((r, i) => {
    assert.equal(r.id, i);
    if ((fastScores[i]!.score as number) >= 0.5) {
      routed++;
      assert.equal(r.tier, 'heavy');
      assert.equal(r.scored_by, 'kserve:forest');
      close(r.score, heavyScores[i]!.score, `row ${i} heavy`);
    } else {
      assert.deepEqual([r.tier, r.scored_by, r.score], ['fast', 'model:logreg.onnx', fastScores[i]!.score]);
    }
  });
  assert.ok(routed > 0 && routed < ROWS.length, `${routed} routed`);
  assert.equal(stats.heavy.rows, routed);
  assert.equal(stats.heavy.scored, routed);
});

test('DataStream: scoreRemote against a model MLServer does not have keeps every record, scored by the fallback', async () => {
  const env = StreamExecutionEnvironment.create();
  scoreRemote(env.fromArray(ROWS.slice(0, 100)), {
    model: { provider: 'kserve', endpoint: URL_, model: 'no-such-model' },
    inputs: FEATURES, outputs: 'score DOUBLE',
    fallback: (r) => ({ score: r.amount > 100 ? 0.9 : 0.1 }),
  }).collect('out');
  const h = env.execute();
  await h.done;
  const out = h.collected<Record<string, unknown>>('out').map((r) => r.value);
  assert.equal(out.length, 100);
  assert.ok(out.every((r) => r.scored_by === 'fallback' && r.score === ((r.amount as number) > 100 ? 0.9 : 0.1)));
});
