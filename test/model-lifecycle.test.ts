/**
 * The model lifecycle end to end: SQL jobs read card transactions from an embedded-log topic while
 * this test writes them, score them with ML_PREDICT on a registry model, and the test promotes,
 * stages A/B and shadow versions and breaks model files while the jobs run. Needs only Node.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../src/api/environment.js';
import type { Row } from '../src/connectors/registry.js';
import { leaseLog } from '../src/connectors/log/shared-log.js';
import type { Log } from '../src/log/index.js';
import { ModelRegistry, OnnxModel, abBucket, modelMetrics } from '../src/ml/index.js';
import { testInputs, testModel, testRows } from '../src/ml/testdata.js';
import { planScript } from '../src/sql/planner/index.js';
import { mlPredictCounters } from '../src/sql/ml/index.js';

const FEATURES = testInputs().features;
const ROWS = testRows();
const N = ROWS.length;
const CARDS = 300;
const FILES = ['logreg', 'forest', 'mlp'];
const dir = mkdtempSync(join(tmpdir(), 'weir-model-lifecycle-'));
const logDir = join(dir, 'log');
const lease = leaseLog({ dir: logDir }, 'model-lifecycle test');
let log: Log;
/** Reference scores of each test model file on ROWS, by file name. */
const reference = new Map<string, number[]>();

before(async () => {
  log = await lease.log;
  const mapping = { inputs: FEATURES, outputs: 'score DOUBLE, label BIGINT' };
  for (const f of FILES) {
    const m = await OnnxModel.load(testModel(f));
    reference.set(f, (await m.score(ROWS, mapping)).map((o) => o.score as number));
    await m.close();
  }
});

after(async () => {
  await lease.release();
  rmSync(dir, { recursive: true, force: true });
});

/** A registry with the three test models as v1 (logreg), v2 (forest), v3 (mlp) of `name`, v1 in production. */
async function registry(name: string): Promise<{ reg: ModelRegistry; regDir: string }> {
  const regDir = join(dir, `registry-${name}`);
  const reg = await ModelRegistry.open(regDir);
  for (const f of FILES) await reg.register(name, testModel(f));
  await reg.promote(name, 1);
  return { reg, regDir };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `SELECT * FROM ML_PREDICT(...)` over a fresh one-partition topic while writing ROWS into it in
 * chunks; `during(sent, rows)` runs after each chunk (it may promote, and may wait for the job).
 * Ends the job once every row came out and no more arrive. Rows: id, card_id, features, score,
 * label, scored_by.
 */
async function runJob(model: string, options: string, during: (sent: number, out: () => Row[]) => Promise<void> = async () => {}): Promise<Row[]> {
  const topic = `t_${model}`;
  await log.createTopic(topic, { partitions: 1 });
  const cols = FEATURES.map((f) => `${f} DOUBLE`).join(', ');
  const sql = `
    CREATE TABLE txns (id BIGINT, card_id STRING, ${cols}) WITH (
      'connector' = 'log', 'path' = '${logDir}', 'topic' = '${topic}', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
    CREATE MODEL ${model} INPUT (${cols}) OUTPUT (score DOUBLE, label BIGINT) WITH ('provider' = 'onnx', ${options});
    SELECT * FROM ML_PREDICT(TABLE txns, MODEL ${model}, DESCRIPTOR(${FEATURES.join(', ')}));`;
  const { jobs } = planScript(sql);
  const job = jobs[0]!;
  const env = StreamExecutionEnvironment.create({ batchSize: 64 });
  job.build(env);
  const handle = env.execute(`lifecycle-${model}`);
  const out = (): Row[] => handle.collected<Row>(job.sinks[0]!.name).map((r) => r.value);
  let failed: unknown;
  void handle.done.catch((err: unknown) => { failed = err; });
  try {
    const producer = log.producer();
    for (let n = 0; n < N; n += 100) {
      const chunk = ROWS.slice(n, n + 100).map((r, k) => {
        const id = n + k;
        return { key: `c${id % CARDS}`, value: JSON.stringify({ id, card_id: `c${id % CARDS}`, ...r }) };
      });
      await producer.send(topic, chunk);
      await during(n + chunk.length, out);
      await sleep(5);
    }
    const deadline = Date.now() + 20_000;
    while (out().length < N && Date.now() < deadline && failed === undefined) await sleep(20);
    // A little longer, so a row scored twice would show up as an extra row.
    await sleep(200);
  } finally {
    await handle.cancel();
  }
  if (failed !== undefined && out().length < N) throw failed;
  return out();
}

const W = 2 + FEATURES.length;
const scoredBy = (r: Row): string => r[W + 2] as string;

/** Every id exactly once, and each score equal to what the version in `scored_by` gives. */
function checkRows(out: Row[], fileOf: Record<string, string>): void {
  const ids = out.map((r) => Number(r[0])).sort((a, b) => a - b);
  assert.equal(out.length, N, `expected ${N} rows, got ${out.length}`);
  assert.deepEqual(ids, ROWS.map((_, i) => i), 'every record came out exactly once');
  for (const r of out) {
    const file = fileOf[scoredBy(r)];
    assert.ok(file, `unexpected scored_by ${scoredBy(r)}`);
    const want = reference.get(file)![Number(r[0])]!;
    assert.ok(Math.abs((r[W] as number) - want) < 1e-5, `row ${String(r[0])} scored by ${scoredBy(r)}: ${String(r[W])} != ${want}`);
  }
}

test('a promotion mid-stream switches scored_by without losing or re-scoring a record', async () => {
  const { reg, regDir } = await registry('swap');
  let promotedAt = -1;
  const out = await runJob('m_swap', `'registry' = '${regDir}', 'model' = 'swap'`, async (sent, rows) => {
    if (sent === N / 2) {
      await reg.promote('swap', 2);
      promotedAt = rows().length;
      // Wait for the swap so both versions score a good part of the stream.
      const deadline = Date.now() + 5000;
      while (mlPredictCounters('m_swap').swaps === 0 && Date.now() < deadline) await sleep(20);
    }
  });
  assert.ok(promotedAt > 0);
  checkRows(out, { 'model:v1': 'logreg', 'model:v2': 'forest' });
  // The log keeps order in one partition: v1 up to the swap, v2 after, never back.
  const labels = out.map(scoredBy);
  const firstV2 = labels.indexOf('model:v2');
  assert.ok(firstV2 >= promotedAt, 'no row was scored by v2 before the promotion');
  assert.ok(firstV2 < N, 'v2 took over');
  assert.ok(labels.slice(0, firstV2).every((l) => l === 'model:v1') && labels.slice(firstV2).every((l) => l === 'model:v2'));
  assert.equal(mlPredictCounters('m_swap').swaps, 1);
  assert.equal(modelMetrics.value('swaps', { model: 'm_swap', version: '2', variant: 'prod' }), 1);
});

test('A/B at 0.3: a stable share of cards is scored by B, each card always by the same version, also across a production swap', async () => {
  const { reg, regDir } = await registry('ab');
  await reg.promote('ab', 2, { ab: 0.3 });
  const out = await runJob('m_ab', `'registry' = '${regDir}', 'model' = 'ab', 'ab.key' = 'card_id'`, async (sent) => {
    if (sent === N / 2) {
      // A new production version under a running A/B test: the A side moves to v3, the B side stays v2.
      await reg.promote('ab', 3);
      const deadline = Date.now() + 5000;
      while (mlPredictCounters('m_ab').swaps === 0 && Date.now() < deadline) await sleep(20);
    }
  });
  checkRows(out, { 'model:v1': 'logreg', 'model:v2': 'forest', 'model:v3': 'mlp' });
  const byCard = new Map<string, Set<string>>();
  for (const r of out) {
    const card = r[1] as string;
    const side = scoredBy(r) === 'model:v2' ? 'B' : 'A';
    assert.equal(side === 'B', abBucket(card) < 0.3, `card ${card} is routed by its hash`);
    let s = byCard.get(card);
    if (!s) byCard.set(card, (s = new Set()));
    s.add(side);
  }
  assert.equal(byCard.size, CARDS);
  for (const [card, sides] of byCard) assert.equal(sides.size, 1, `card ${card} was scored by both sides`);
  const bShare = [...byCard.values()].filter((s) => s.has('B')).length / CARDS;
  assert.ok(Math.abs(bShare - 0.3) < 0.06, `share of cards on B: ${bShare}`);
  const labels = new Set(out.map(scoredBy));
  assert.deepEqual([...labels].sort(), ['model:v1', 'model:v2', 'model:v3']);
  const c = mlPredictCounters('m_ab');
  assert.equal(c.ab, out.filter((r) => scoredBy(r) === 'model:v2').length);
  assert.equal(modelMetrics.value('rows', { model: 'm_ab', variant: 'ab' }), c.ab);
});

test('a shadow version scores every record into the shadow log; outputs stay production', async () => {
  const { reg, regDir } = await registry('shadow');
  await reg.shadow('shadow', 2);
  const shadowLog = join(dir, 'shadow.jsonl');
  const out = await runJob('m_shadow', `'registry' = '${regDir}', 'model' = 'shadow', 'ab.key' = 'id', 'shadow.log' = '${shadowLog}'`);
  checkRows(out, { 'model:v1': 'logreg' });
  const lines = readFileSync(shadowLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {
    key: number; model: string; production: { scored_by: string; score: number }; shadow: { scored_by: string; score: number };
  });
  assert.equal(lines.length, N);
  assert.deepEqual(lines.map((l) => Number(l.key)).sort((a, b) => a - b), ROWS.map((_, i) => i), 'one line per record');
  for (const l of lines) {
    assert.equal(l.model, 'm_shadow');
    assert.equal(l.production.scored_by, 'model:v1');
    assert.equal(l.shadow.scored_by, 'model:v2');
    assert.ok(Math.abs(l.production.score - reference.get('logreg')![l.key]!) < 1e-5);
    assert.ok(Math.abs(l.shadow.score - reference.get('forest')![l.key]!) < 1e-5);
  }
  assert.equal(mlPredictCounters('m_shadow').shadow, N);
  assert.equal(modelMetrics.value('rows', { model: 'm_shadow', version: '2', variant: 'shadow' }), N);
});

test('a corrupted model file: every record scored by the fallback, counted in the Prometheus metrics', async () => {
  const { reg, regDir } = await registry('broken');
  writeFileSync(reg.pathOf(await reg.get('broken', 1)), 'not a model any more');
  const out = await runJob('m_broken', `'registry' = '${regDir}', 'model' = 'broken', 'fallback' = 'CASE WHEN amount > 100 THEN 0.9 ELSE 0.1 END'`);
  assert.deepEqual(out.map((r) => Number(r[0])).sort((a, b) => a - b), ROWS.map((_, i) => i), 'no record dropped');
  for (const r of out) {
    assert.equal(scoredBy(r), 'fallback');
    assert.equal(r[W], (r[2] as number) > 100 ? 0.9 : 0.1);
  }
  const text = (await import('../src/ml/index.js')).modelMetricsText();
  assert.match(text, new RegExp(`\\nweir_model_rows_total\\{model="m_broken",version="none",variant="fallback"\\} ${N}\\n`));
  assert.match(text, /\nweir_model_errors_total\{model="m_broken",version="none",variant="prod",kind="load"\} [1-9]/);
  assert.equal(mlPredictCounters('m_broken').fallback, N);
});

test('a promoted version whose file is gone is not swapped in: counted, production keeps scoring', async () => {
  const { reg, regDir } = await registry('gone');
  rmSync(reg.pathOf(await reg.get('gone', 2)));
  const out = await runJob('m_gone', `'registry' = '${regDir}', 'model' = 'gone', 'fallback' = '0.5'`, async (sent) => {
    if (sent === N / 2) {
      await reg.promote('gone', 2);
      await sleep(400);
    }
  });
  checkRows(out, { 'model:v1': 'logreg' });
  assert.ok(modelMetrics.value('errors', { model: 'm_gone', version: '2', kind: 'load' }) >= 1);
});
