import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OperatorContext } from '../operators/operator.js';
import type { OnnxModel } from './onnx-model.js';
import { OnnxModel as Model } from './onnx-model.js';
import { type MlPredictSpec, MlPredictOperator, type MlScorer, mlPredictCounters, resetMlPredictCounters } from './predict-operator.js';
import { testInputs, testModel } from './testdata.js';

type Row = unknown[];

async function run(spec: MlPredictSpec, batches: Row[][]): Promise<Row[]> {
  const op = new MlPredictOperator(spec);
  const out: Row[] = [];
  const sink = { emitBatch: (b: { values: Row[] }) => { out.push(...b.values); }, emit() {}, emitSide() {}, emitWatermark() {} };
  try {
    for (const values of batches) await op.processBatch({ values, timestamps: values.map(() => 0) }, sink);
  } finally {
    await op.close();
  }
  return out;
}

/** The same file model, offered only through the record methods (as a remote or test scorer is). */
async function recordScorer(model: OnnxModel): Promise<MlScorer> {
  return { label: () => 'model:logreg.onnx', scoreSettled: (r, m) => model.scoreSettled(r, m), close: async () => {} };
}

describe('MlPredictOperator', () => {
  const { features, rows } = testInputs();
  // Rows carry an id first, so the model's inputs sit at 1..6; the second input is cast from a string.
  const input: Row[] = rows.slice(0, 40).map((r, i) => [`id${i}`, r[0], String(r[1]), ...r.slice(2)]);
  input[3]![1] = null;
  input[7]![2] = 'not a number';
  input[11]![4] = Number.NaN;
  const spec = (openScorer?: () => Promise<MlScorer>): MlPredictSpec => ({
    model: 'logreg-op', source: { kind: 'path', path: testModel('logreg') }, inputNames: features,
    inputIndexes: features.map((_, i) => i + 1),
    inputCasts: features.map((_, i) => (i === 1 ? (v: unknown) => {
      const n = Number(v);
      if (Number.isNaN(n)) throw new Error('bad cast');
      return n;
    } : undefined)),
    outputs: [{ name: 'score', type: 'DOUBLE' }, { name: 'label', type: 'BIGINT' }],
    fallback: (inputs) => (inputs[0] === null ? -1 : -2),
    ...(openScorer ? { openScorer } : {}),
  });

  it('scores positional rows as the record path does: casts, bad rows, fallback, counters', async () => {
    resetMlPredictCounters();
    const fast = await run(spec(), [input.slice(0, 25), input.slice(25)]);
    const fastCounters = { ...mlPredictCounters('logreg-op') };
    resetMlPredictCounters();
    const model = await Model.load(testModel('logreg'));
    let slow: Row[];
    try {
      slow = await run(spec(() => recordScorer(model)), [input.slice(0, 25), input.slice(25)]);
    } finally {
      await model.close();
    }
    assert.deepEqual(fast, slow);
    assert.deepEqual(fastCounters, mlPredictCounters('logreg-op'));
    assert.equal(fast.length, input.length);
    assert.deepEqual(fast[3]!.slice(7), [-1, null, 'fallback']);
    assert.deepEqual(fast[7]!.slice(7), [-2, null, 'fallback']);
    assert.deepEqual(fast[11]!.slice(7), [-2, null, 'fallback']);
    assert.equal(fast[0]![9], 'model:logreg.onnx');
    assert.equal(typeof fast[0]![7], 'number');
    assert.ok(fast.every((r, i) => r.length === 10 && r[0] === `id${i}`));
    assert.deepEqual({ rows: fastCounters.rows, fallback: fastCounters.fallback, badRows: fastCounters.badRows }, { rows: 40, fallback: 3, badRows: 3 });
  });

  it('without a fallback, a bad row fails the batch naming the row', async () => {
    const { fallback: _, ...noFallback } = spec();
    await assert.rejects(run(noFallback, [input.slice(0, 5)]), /row 3 of a batch cannot be scored by model logreg-op: row 3, column "amount": null/);
    await assert.rejects(run(noFallback, [input.slice(5, 10)]), /cannot be cast to the INPUT types/);
  });
  it('warns once, with the error, when the fallback expression itself fails', async () => {
    resetMlPredictCounters();
    const failing: MlScorer = { label: () => 'model:x', scoreSettled: () => Promise.reject(new Error('model down')), close: async () => {} };
    const op = new MlPredictOperator({ ...spec(async () => failing), fallback: () => { throw new Error('division by zero'); } });
    const logs: string[] = [];
    op.open({ log: (level: string, message: string) => logs.push(`${level}: ${message}`) } as unknown as OperatorContext);
    const out: Row[] = [];
    const sink = { emitBatch: (b: { values: Row[] }) => { out.push(...b.values); }, emit() {}, emitSide() {}, emitWatermark() {} };
    try {
      for (const values of [input.slice(0, 4), input.slice(4, 8)]) await op.processBatch({ values, timestamps: values.map(() => 0) }, sink);
    } finally {
      await op.close();
    }
    assert.equal(out.length, 8);
    for (const r of out) assert.deepEqual(r.slice(7), [null, null, 'fallback']);
    assert.equal(mlPredictCounters('logreg-op').fallbackErrors, 8);
    const fallbackLogs = logs.filter((l) => l.includes('fallback expression'));
    assert.equal(fallbackLogs.length, 1, logs.join('\n'));
    assert.match(fallbackLogs[0]!, /^warn: .*division by zero/);
  });
});
