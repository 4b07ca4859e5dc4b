import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import type { Row } from '../../connectors/registry.js';
import { ModelRegistry, OnnxModel } from '../../ml/index.js';
import { testInputs, testModel } from '../../ml/testdata.js';
import { SqlParseError } from '../parser/index.js';
import { planScript } from '../planner/index.js';
import type { SqlJob } from '../planner/index.js';
import { MlPredictOperator, mlPredictCounters, resetMlPredictCounters } from './index.js';
import type { MlScorer } from './index.js';

/** The committed models of this folder (the build does not copy them to dist). */
function sqlMlTestdata(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return join(dir, 'src', 'sql', 'ml', 'testdata', name);
}

const FEATURES = testInputs().features;
const dir = mkdtempSync(join(tmpdir(), 'weir-ml-predict-'));

/** 3000 rows: the 2000 reference rows, then 1000 jittered copies; every 500th has a null amount when asked. */
function makeRows(withBad: boolean): Record<string, number | null>[] {
  const base = testInputs().rows;
  const rows: Record<string, number | null>[] = [];
  for (let i = 0; i < 3000; i++) {
    const src = base[i % base.length]!;
    const r: Record<string, number | null> = { id: i };
    FEATURES.forEach((f, k) => {
      r[f] = i < base.length ? src[k]! : Math.round(src[k]! * (1 + ((i * 7 + k) % 11) / 50) * 100) / 100;
    });
    if (withBad && i % 500 === 7) r.amount = null;
    rows.push(r);
  }
  return rows;
}

const goodRows = makeRows(false);
const badRows = makeRows(true);
const goodFile = join(dir, 'good.json');
const badFile = join(dir, 'bad.json');
writeFileSync(goodFile, goodRows.map((r) => JSON.stringify(r)).join('\n'));
writeFileSync(badFile, badRows.map((r) => JSON.stringify(r)).join('\n'));

const cols = FEATURES.map((f) => `${f} DOUBLE`).join(', ');
const table = (file: string): string => `CREATE TABLE t (id BIGINT, ${cols}) WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'json');\n`;
const model = (path: string, extra = ''): string =>
  `CREATE MODEL m INPUT (${cols}) OUTPUT (score DOUBLE, label BIGINT) WITH ('provider' = 'onnx', 'path' = '${path}'${extra});\n`;
const PREDICT = `SELECT * FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(${FEATURES.join(', ')}));`;
const FALLBACK = ", 'fallback' = 'CASE WHEN amount > 100 OR distinct_countries_1h >= 3 THEN 0.9 ELSE 0.1 END'";

async function run(job: SqlJob, batchSize = 256): Promise<Row[]> {
  const env = StreamExecutionEnvironment.create({ batchSize });
  job.build(env);
  const h = env.execute();
  await h.done;
  return h.collected<Row>(job.sinks[0]!.name).map((r) => r.value);
}

function planErr(sql: string): SqlParseError {
  try {
    planScript(sql);
  } catch (e) {
    assert.ok(e instanceof SqlParseError, `expected a positioned error, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the script to fail');
}

for (const name of ['logreg', 'forest']) {
  test(`ML_PREDICT gives what OnnxModel.score gives (${name}, 3000 rows, batches of 256)`, async () => {
    resetMlPredictCounters();
    const { jobs } = planScript(table(goodFile) + model(testModel(name)) + PREDICT);
    const job = jobs[0]!;
    assert.deepEqual(job.sinks[0]!.fields.map((f) => f.name), ['id', ...FEATURES, 'score', 'label', 'scored_by']);
    const out = await run(job);
    assert.equal(out.length, goodRows.length);
    const onnx = await OnnxModel.load(testModel(name));
    const expected = await onnx.score(goodRows, { inputs: FEATURES, outputs: 'score DOUBLE, label BIGINT' });
    await onnx.close();
    const byId = new Map(out.map((r) => [r[0] as number, r]));
    goodRows.forEach((r, i) => {
      const got = byId.get(r.id as number)!;
      assert.deepEqual(got.slice(0, 7), [r.id, ...FEATURES.map((f) => r[f])], `row ${i} keeps its input columns`);
      assert.deepEqual(got.slice(7), [expected[i]!.score, expected[i]!.label, `model:${name}.onnx`], `row ${i}`);
    });
    const c = mlPredictCounters('m');
    assert.equal(c.scored, goodRows.length);
    assert.equal(c.fallback, 0);
  });
}

test('a missing model file: every row kept, scored by the fallback and counted', async () => {
  resetMlPredictCounters();
  const { jobs } = planScript(table(goodFile) + model(join(dir, 'no-such-model.onnx'), FALLBACK) + PREDICT);
  const out = await run(jobs[0]!);
  assert.equal(out.length, goodRows.length);
  for (const r of out) {
    const amount = r[1] as number;
    const countries = r[4] as number;
    assert.equal(r[7], amount > 100 || countries >= 3 ? 0.9 : 0.1);
    assert.equal(r[8], null, 'label has no fallback value');
    assert.equal(r[9], 'fallback');
  }
  const c = mlPredictCounters('m');
  assert.equal(c.fallback, goodRows.length);
  assert.ok(c.loadErrors >= 1);
});

test('a missing model file without a fallback fails the job with the path in the message', async () => {
  const { jobs } = planScript(table(goodFile) + model(join(dir, 'gone.onnx')) + PREDICT);
  await assert.rejects(run(jobs[0]!), /gone\.onnx/);
});

test('a model that throws on a batch: the batch is scored by the fallback, the stream goes on', async () => {
  resetMlPredictCounters();
  // throwing.onnx fails on every batch of more than one row and scores single rows (sum of the inputs).
  const sql = `CREATE TABLE t (id BIGINT, ${cols}) WITH ('connector' = 'filesystem', 'path' = '${goodFile}', 'format' = 'json');
CREATE MODEL m INPUT (${cols}) OUTPUT (score DOUBLE) WITH ('provider' = 'onnx', 'path' = '${sqlMlTestdata('throwing.onnx')}', 'fallback' = '-1');
${PREDICT}`;
  const out = await run(planScript(sql).jobs[0]!, 100);
  assert.equal(out.length, goodRows.length);
  assert.ok(out.every((r) => r[7] === -1 && r[8] === 'fallback'));
  const c = mlPredictCounters('m');
  assert.equal(c.fallback, goodRows.length);
  assert.ok(c.modelErrors >= 1);
});

test('rows with a bad input are kept and scored by the fallback; the rest by the model', async () => {
  resetMlPredictCounters();
  const { jobs } = planScript(table(badFile) + model(testModel('logreg'), FALLBACK) + PREDICT);
  const out = await run(jobs[0]!);
  assert.equal(out.length, badRows.length);
  const bad = out.filter((r) => r[1] === null);
  assert.equal(bad.length, 6);
  for (const r of bad) {
    assert.equal(r[9], 'fallback');
    assert.equal(r[7], (r[4] as number) >= 3 ? 0.9 : 0.1, 'NULL amount > 100 is unknown, so the country test decides');
  }
  assert.ok(out.filter((r) => r[1] !== null).every((r) => r[9] === 'model:logreg.onnx' && typeof r[7] === 'number'));
  const c = mlPredictCounters('m');
  assert.equal(c.badRows, 6);
  assert.equal(c.fallback, 6);
  assert.equal(c.scored, badRows.length - 6);
});

test('a batch the model does not score within the timeout gets the fallback; the next batch the model', async () => {
  resetMlPredictCounters();
  let calls = 0;
  const slowFirst: MlScorer = {
    label: () => 'model:slow',
    scoreSettled: async (rows) => {
      calls++;
      if (calls === 1) await new Promise((r) => setTimeout(r, 200));
      return rows.map((r) => ({ ok: true as const, output: { score: (r.x as number) * 2 } }));
    },
    close: async () => {},
  };
  const op = new MlPredictOperator({
    model: 'slow', source: { kind: 'path', path: 'unused' }, inputNames: ['x'], inputIndexes: [1], inputCasts: [undefined],
    outputs: [{ name: 'score', type: 'DOUBLE' }], fallback: (inputs) => -(inputs[0] as number), timeoutMs: 20, openScorer: async () => slowFirst,
  });
  const emitted: Row[][] = [];
  const out = { emitBatch: (b: { values: Row[] }) => emitted.push(b.values), emit() {}, emitSide() {}, emitWatermark() {} };
  await op.processBatch({ values: [['a', 1], ['b', 2]], timestamps: [1, 2] }, out);
  await op.processBatch({ values: [['c', 3]], timestamps: [3] }, out);
  await op.close();
  assert.deepEqual(emitted, [[['a', 1, -1, 'fallback'], ['b', 2, -2, 'fallback']], [['c', 3, 6, 'model:slow']]]);
  const c = mlPredictCounters('slow');
  assert.equal(c.timeouts, 1);
  assert.equal(c.fallback, 2);
  assert.equal(c.scored, 1);
});

test('a model from a registry: scored_by names the production version', async () => {
  resetMlPredictCounters();
  const regDir = join(dir, 'registry');
  mkdirSync(regDir, { recursive: true });
  const registry = await ModelRegistry.open(regDir);
  const file = join(dir, 'lr.onnx');
  copyFileSync(testModel('logreg'), file);
  await registry.register('fraud', file);
  const v2 = await registry.register('fraud', testModel('forest'));
  await registry.promote('fraud', v2.version);
  const sql = table(goodFile) + `CREATE MODEL m INPUT (${cols}) OUTPUT (score DOUBLE) WITH ('provider' = 'onnx', 'registry' = '${regDir}', 'model' = 'fraud');\n` + PREDICT;
  const out = await run(planScript(sql).jobs[0]!);
  assert.equal(out.length, goodRows.length);
  assert.ok(out.every((r) => r[8] === `model:v${v2.version}`));
});

test('ML_PREDICT works on a subquery, with an alias and a config map, and in EXPLAIN', async () => {
  const sql = table(goodFile) + model(testModel('logreg')) +
    `SELECT p.id, p.score FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(${FEATURES.join(', ')}), MAP['timeout', '5s', 'async', 'true']) AS p WHERE p.score > 0.5;`;
  const { jobs } = planScript(sql);
  assert.match(jobs[0]!.explain(), /ML_PREDICT\(model=\[m\], args=\[amount, .*config=\[timeout=5s, async=true\]\)/);
  const out = await run(jobs[0]!);
  assert.ok(out.length > 0 && out.length < goodRows.length);
  assert.ok(out.every((r) => (r[1] as number) > 0.5));
});

test('planning errors say what is wrong and where', () => {
  const base = table(goodFile) + model(testModel('logreg'));
  assert.match(planErr(base + 'SELECT * FROM ML_PREDICT(TABLE t, MODEL nope, DESCRIPTOR(amount));').message, /Model 'nope' not found/);
  assert.match(planErr(base + 'SELECT * FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(amount));').message, /Number of descriptor input columns \(1\) does not match model input size \(6\)/);
  assert.match(planErr(base + `SELECT * FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(${FEATURES.slice(1).join(', ')}, nope));`).message, /Column 'nope' not found/);
  assert.match(planErr(base + `SELECT * FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(${FEATURES.join(', ')}), MAP['bogus', '1']);`).message, /Unsupported ML_PREDICT config 'bogus'/);
  assert.match(planErr(table(goodFile) + `CREATE MODEL m INPUT (a DOUBLE) OUTPUT (s DOUBLE) WITH ('path' = 'x.onnx');`).message, /no 'provider'/);
  assert.match(planErr(table(goodFile) + `CREATE MODEL m INPUT (a DOUBLE) OUTPUT (s DOUBLE) WITH ('provider' = 'onnx');`).message, /needs either 'path' or both 'registry' and 'model'/);
  assert.match(planErr(table(goodFile) + `CREATE MODEL m INPUT (a DOUBLE) OUTPUT (s DOUBLE) WITH ('provider' = 'onnx', 'path' = 'x.onnx', 'fallback' = 'b + 1');`).message, /'fallback' does not compile/);
  assert.match(planErr(table(goodFile) + `CREATE MODEL m INPUT (a DOUBLE) OUTPUT (s DOUBLE) WITH ('provider' = 'onnx', 'path' = 'x.onnx', 'timeout' = 'soon');`).message, /'timeout' = 'soon' is not a duration/);
  assert.match(planErr(base + model(testModel('logreg'))).message, /Model "m" already exists/);
});

test('descriptor columns are cast to the model INPUT types where Flink casts implicitly; output names are made unique', async () => {
  const sql = `CREATE TABLE t (id BIGINT, score INT, ${cols}) WITH ('connector' = 'filesystem', 'path' = '${goodFile}', 'format' = 'json');
CREATE MODEL m INPUT (a DOUBLE) OUTPUT (score DOUBLE) WITH ('provider' = 'onnx', 'path' = '${join(dir, 'none.onnx')}', 'fallback' = 'a * 2');
SELECT id, score, score0, scored_by FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(id));`;
  const out = await run(planScript(sql).jobs[0]!);
  assert.deepEqual(out.slice(0, 2), [[0, null, 0, 'fallback'], [1, null, 2, 'fallback']]);
  const bad = `CREATE TABLE t (id BIGINT, s STRING) WITH ('connector' = 'filesystem', 'path' = '${goodFile}', 'format' = 'json');
CREATE MODEL m INPUT (a DOUBLE) OUTPUT (score DOUBLE) WITH ('provider' = 'onnx', 'path' = 'x.onnx');
SELECT * FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(s));`;
  assert.match(planErr(bad).message, /Descriptor column type STRING cannot be assigned to model input type DOUBLE at position 0/);
});

test('DROP MODEL removes the model', () => {
  const base = table(goodFile) + model(testModel('logreg'));
  assert.match(planErr(base + `DROP MODEL m;\n${PREDICT}`).message, /Model 'm' not found/);
});

test('a registry model is hot-swapped on promotion: later batches say the new version, none is lost', async () => {
  resetMlPredictCounters();
  const regDir = join(dir, 'registry-swap');
  mkdirSync(regDir, { recursive: true });
  const registry = await ModelRegistry.open(regDir);
  const v1 = await registry.register('fraud', testModel('logreg'));
  await registry.promote('fraud', v1.version);
  const op = new MlPredictOperator({
    model: 'swap', source: { kind: 'registry', dir: regDir, model: 'fraud' }, inputNames: FEATURES,
    inputIndexes: FEATURES.map((_, i) => i), inputCasts: FEATURES.map(() => undefined), outputs: [{ name: 'score', type: 'DOUBLE' }],
  });
  const labels: string[] = [];
  const out = { emitBatch: (b: { values: Row[] }) => { for (const r of b.values) labels.push(r[r.length - 1] as string); }, emit() {}, emitSide() {}, emitWatermark() {} };
  const batch = (): { values: Row[]; timestamps: number[] } => ({ values: testInputs().rows.slice(0, 50).map((r) => [...r]), timestamps: new Array(50).fill(0) });
  await op.processBatch(batch(), out);
  const v2 = await registry.register('fraud', testModel('forest'));
  await registry.promote('fraud', v2.version);
  const deadline = Date.now() + 5000;
  while (labels[labels.length - 1] !== `model:v${v2.version}` && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    await op.processBatch(batch(), out);
  }
  await op.close();
  assert.equal(labels[0], `model:v${v1.version}`);
  assert.equal(labels[labels.length - 1], `model:v${v2.version}`, 'the promoted version took over');
  assert.equal(labels.length % 50, 0, 'every row of every batch came out');
  assert.equal(mlPredictCounters('swap').swaps, 1);
});
