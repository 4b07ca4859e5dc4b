/**
 * From the feature store to a scored stream, with the real tools: features written to Redis by the
 * feature sink, `weir features export` (the built CLI) with labels, `examples/fraud/train.py` training
 * a scikit-learn model on the export and saving it with skl2onnx, `weir model register/promote`, and
 * ML_PREDICT scoring with it in SQL; weir's scores must equal onnxruntime's in Python on the same rows.
 * Needs Redis (`bash scripts/services start`) and Python with scikit-learn, skl2onnx and onnxruntime
 * (`WEIR_PYTHON`, else python3).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StreamExecutionEnvironment } from '../src/api/environment.js';
import type { Row } from '../src/connectors/registry.js';
import { redisFeatureSink } from '../src/features/redis-feature-sink.js';
import { parseCsv } from '../src/features/csv.js';
import { planScript } from '../src/sql/planner/index.js';
import { ROOT, connectRedis, redisUrl } from './services.js';

const run = promisify(execFile);
const CLI = join(ROOT, 'dist/src/cli/main.js');
const PYTHON = process.env.WEIR_PYTHON ?? 'python3';
const FEATURES = ['amount', 'txn_count_1m', 'amount_sum_1h', 'distinct_countries_1h', 'amount_avg_ratio'];

const URL_ = redisUrl();
const NS = `t${process.pid}x${Date.now().toString(36)}:train`;
const dir = mkdtempSync(join(tmpdir(), 'weir-train-export-'));

before(async () => {
  (await connectRedis(URL_)).disconnect();
  try {
    await run(PYTHON, ['-c', 'import sklearn, skl2onnx, onnxruntime']);
  } catch (err) {
    throw new Error(`${PYTHON} lacks scikit-learn, skl2onnx or onnxruntime; run bash scripts/services start (it sets up WEIR_PYTHON) or pip install them`, { cause: err });
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** A small deterministic PRNG, so the data (and so the model) is the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

interface CardFeatures { card: string; ts: number; amount: number; txn_count_1m: number; amount_sum_1h: number; distinct_countries_1h: number; amount_avg_ratio: number }

test('train.py trains on a feature-store export and weir scores with the model as onnxruntime does', async () => {
  // Three feature writes per card; each label is taken at a time between the second and third write,
  // so a correct export joins it with the second write, never the third.
  const rnd = prng(7);
  const writes: CardFeatures[] = [];
  const labels: string[] = ['key,label,time'];
  for (let c = 0; c < 300; c++) {
    const card = `card${c}`;
    const risky = rnd() < 0.3;
    for (let k = 0; k < 3; k++) {
      const ratio = risky && k === 1 ? 3 + rnd() * 4 : 0.5 + rnd();
      const amount = Math.round((20 + rnd() * 80) * ratio * 100) / 100;
      writes.push({
        card, ts: 1_000_000 + k * 60_000 + c, amount, txn_count_1m: Math.floor(1 + rnd() * (risky && k === 1 ? 8 : 3)),
        amount_sum_1h: Math.round(amount * (2 + rnd() * 5) * 100) / 100, distinct_countries_1h: risky && k === 1 ? 2 + Math.floor(rnd() * 3) : 1, amount_avg_ratio: Math.round(ratio * 1000) / 1000,
      });
    }
    // Mostly the truth, with some label noise so the model is not a single threshold.
    const label = (risky ? 1 : 0) ^ (rnd() < 0.05 ? 1 : 0);
    labels.push(`${card},${label},${1_000_000 + 90_000 + c}`);
  }
  // A label from before any feature was written: the export keeps it without features; train.py drops it.
  labels.push('card0,1,5');
  const sink = redisFeatureSink<CardFeatures>({ url: URL_, namespace: NS, key: 'card', features: FEATURES as (keyof CardFeatures & string)[], time: 'ts' });
  const env = StreamExecutionEnvironment.create();
  env.fromArray(writes).sinkTo(sink);
  await env.execute().done;

  writeFileSync(join(dir, 'labels.csv'), `${labels.join('\n')}\n`);
  const exported = await run(process.execPath, [CLI, 'features', 'export', '--labels', join(dir, 'labels.csv'), '--out', join(dir, 'train.csv'),
    '--namespace', NS, '--redis', URL_, '--features', FEATURES.join(',')]);
  assert.match(exported.stdout, /wrote 301 rows \(300 with features, 5 feature columns\)/);
  const csv = parseCsv(readFileSync(join(dir, 'train.csv'), 'utf8'));
  assert.deepEqual(csv[0], ['key', 'time', 'label', 'feature_time', ...FEATURES]);
  assert.deepEqual(csv[1]!.slice(0, 4), ['card0', '1090000', csv[1]![2], '1060000'], 'the label at 90 s gets the write of 60 s, not the later one');
  assert.deepEqual(csv[301]!.slice(0, 4), ['card0', '5', '1', ''], 'a label from before any write has no features');

  const onnx = join(dir, 'fraud.onnx');
  const preds = join(dir, 'scores.json');
  const trained = await run(PYTHON, [join(ROOT, 'examples/fraud/train.py'), '--from-export', join(dir, 'train.csv'), '--out', onnx, '--predictions', preds], { timeout: 120_000 });
  assert.match(trained.stdout, /held-out at score > 0.8: precision/);
  const reference = JSON.parse(readFileSync(preds, 'utf8')) as { features: string[]; keys: string[]; rows: number[][]; scores: number[] };
  assert.deepEqual(reference.features, FEATURES);
  assert.equal(reference.rows.length, 300);

  const registry = join(dir, 'models');
  const reg = await run(process.execPath, [CLI, 'model', 'register', 'fraud', onnx, '--registry', registry, '--notes', 'trained on a feature-store export']);
  assert.match(reg.stdout, /registered fraud v1/);
  await run(process.execPath, [CLI, 'model', 'promote', 'fraud', '1', '--registry', registry]);

  const input = join(dir, 'rows.json');
  writeFileSync(input, reference.rows.map((r, i) => JSON.stringify({ card_id: reference.keys[i], ...Object.fromEntries(FEATURES.map((f, k) => [f, r[k]])) })).join('\n'));
  const cols = FEATURES.map((f) => `${f} DOUBLE`).join(', ');
  const { jobs } = planScript(`
    CREATE TABLE t (card_id STRING, ${cols}) WITH ('connector' = 'filesystem', 'path' = '${input}', 'format' = 'json');
    CREATE MODEL fraud INPUT (${cols}) OUTPUT (score DOUBLE) WITH ('provider' = 'onnx', 'registry' = '${registry}', 'model' = 'fraud');
    SELECT card_id, score, scored_by FROM ML_PREDICT(TABLE t, MODEL fraud, DESCRIPTOR(${FEATURES.join(', ')}));`);
  const scoreEnv = StreamExecutionEnvironment.create({ batchSize: 64 });
  jobs[0]!.build(scoreEnv);
  const h = scoreEnv.execute('score-export');
  await h.done;
  const out = h.collected<Row>(jobs[0]!.sinks[0]!.name).map((r) => r.value);
  assert.equal(out.length, 300);
  const want = new Map(reference.keys.map((k, i) => [k, reference.scores[i]!]));
  let maxDiff = 0;
  for (const [card, score, by] of out) {
    assert.equal(by, 'model:v1');
    maxDiff = Math.max(maxDiff, Math.abs((score as number) - want.get(card as string)!));
  }
  assert.ok(maxDiff < 1e-6, `weir and onnxruntime in Python differ by up to ${maxDiff}`);
  // The model learned something: risky cards score higher on average.
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const lab = new Map(csv.slice(1).filter((r) => r[3] !== '').map((r) => [r[0]!, Number(r[2])]));
  assert.ok(mean(out.filter((r) => lab.get(r[0] as string) === 1).map((r) => r[1] as number)) > mean(out.filter((r) => lab.get(r[0] as string) === 0).map((r) => r[1] as number)) + 0.3);
});
