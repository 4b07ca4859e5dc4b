import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { ModelRegistry } from './model-registry.js';
import { modelMetrics } from './model-metrics.js';
import { OnnxModel } from './onnx-model.js';
import { predict } from './predict.js';
import { mlPredictCounters } from './predict-operator.js';
import { abBucket } from './scoring-group.js';
import { testInputs, testModel, testRows } from './testdata.js';

const FEATURES = testInputs().features;
type Txn = Record<string, number | string> & { id: number; card: string };
const txns: Txn[] = testRows().slice(0, 600).map((r, id) => ({ ...r, id, card: `c${id % 50}` }));

async function reference(file: string): Promise<number[]> {
  const m = await OnnxModel.load(testModel(file));
  const out = await m.score(txns, { inputs: FEATURES, outputs: 'score DOUBLE' });
  await m.close();
  return out.map((o) => o.score as number);
}

test('predict scores a DataStream with a registry model, routing an A/B share of keys by hash', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-predict-'));
  try {
    const reg = await ModelRegistry.open(dir);
    await reg.register('fraud', testModel('logreg'));
    await reg.register('fraud', testModel('forest'));
    await reg.promote('fraud', 1);
    await reg.promote('fraud', 2, { ab: 0.5 });
    const env = StreamExecutionEnvironment.create({ batchSize: 100 });
    const scored = predict(env.fromArray(txns), {
      model: { registry: dir, name: 'fraud' }, name: 'ds_fraud', inputs: FEATURES as (keyof Txn & string)[], outputs: 'score DOUBLE', key: (t) => t.card,
    });
    scored.collect();
    const h = env.execute('predict');
    await h.done;
    const out = h.collected<Txn & { score: number; scored_by: string }>().map((r) => r.value);
    assert.equal(out.length, txns.length);
    const [v1, v2] = [await reference('logreg'), await reference('forest')];
    for (const r of out) {
      const b = abBucket(r.card) < 0.5;
      assert.equal(r.scored_by, b ? 'model:v2' : 'model:v1', `card ${r.card}`);
      assert.ok(Math.abs(r.score - (b ? v2 : v1)[r.id]!) < 1e-6);
      assert.equal(r.amount, txns[r.id]!.amount, 'the record keeps its fields');
    }
    assert.ok(out.some((r) => r.scored_by === 'model:v1') && out.some((r) => r.scored_by === 'model:v2'));
    assert.equal(modelMetrics.value('rows', { model: 'ds_fraud', version: '2', variant: 'ab' }), out.filter((r) => r.scored_by === 'model:v2').length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('predict falls back per record when the model file is missing, and fails without a fallback', async () => {
  const env = StreamExecutionEnvironment.create();
  predict(env.fromArray(txns.slice(0, 10)), {
    model: { path: '/nonexistent/model.onnx' }, name: 'ds_missing', inputs: FEATURES as (keyof Txn & string)[], outputs: 'score DOUBLE',
    fallback: (t) => (t.id % 2 === 0 ? 0.25 : 0.75),
  }).collect();
  const h = env.execute('predict-fallback');
  await h.done;
  const out = h.collected<Txn & { score: number; scored_by: string }>().map((r) => r.value);
  assert.deepEqual(out.map((r) => [r.score, r.scored_by]), txns.slice(0, 10).map((t) => [t.id % 2 === 0 ? 0.25 : 0.75, 'fallback']));
  assert.equal(mlPredictCounters('ds_missing').fallback, 10);

  const env2 = StreamExecutionEnvironment.create();
  predict(env2.fromArray(txns.slice(0, 10)), { model: { path: '/nonexistent/model.onnx' }, inputs: ['amount'], outputs: 'score DOUBLE' }).collect();
  await assert.rejects(env2.execute('predict-fails').done, /model\.onnx/);
  assert.throws(() => predict(env2.fromArray(txns), { model: { path: 'x.onnx' }, inputs: ['amount'], outputs: 'amount DOUBLE' }), /would overwrite/);
});
