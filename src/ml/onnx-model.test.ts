import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { UserError } from '../core/errors.js';
import { OnnxModel, type ScoreMapping } from './onnx-model.js';
import { testInputs, testModel, testRows } from './testdata.js';

const TOL = 1e-5;

/** The same model exported without ZipMap, for a direct onnxruntime run that can return probabilities. */
const PLAIN: Record<string, string> = { logreg_zipmap: 'logreg', logreg: 'logreg', mlp: 'mlp', forest_zipmap: 'forest', forest: 'forest' };

async function directRun(file: string, rows: number[][]): Promise<{ label: BigInt64Array; probabilities: Float32Array }> {
  const session = await InferenceSession.create(testModel(file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const x = new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]);
    const out = await session.run({ features: x });
    return { label: out.label!.data as BigInt64Array, probabilities: out.probabilities!.data as Float32Array };
  } finally {
    await session.release();
  }
}

describe('OnnxModel on skl2onnx classifiers', () => {
  const { features, rows, models } = testInputs();
  const records = testRows();
  const mapping: ScoreMapping = { inputs: features, outputs: 'label BIGINT, prob_0 DOUBLE, prob_1 DOUBLE' };

  for (const name of ['logreg_zipmap', 'logreg', 'mlp', 'forest_zipmap', 'forest']) {
    it(`${name}: equals python onnxruntime and a direct Node run on all ${rows.length} rows`, async () => {
      const expected = models[name]!;
      const model = await OnnxModel.load(testModel(name));
      try {
        const out = await model.score(records, mapping);
        const direct = await directRun(PLAIN[name]!, rows);
        assert.equal(out.length, rows.length);
        let positives = 0;
        for (let i = 0; i < rows.length; i++) {
          const o = out[i]!;
          assert.equal(o.label, expected.label![i], `label of row ${i}`);
          assert.equal(o.label, Number(direct.label[i]), `label of row ${i} vs direct run`);
          const [p0, p1] = expected.probabilities![i]!;
          assert.ok(Math.abs((o.prob_0 as number) - p0!) <= TOL, `prob_0 of row ${i}: ${o.prob_0} vs ${p0}`);
          assert.ok(Math.abs((o.prob_1 as number) - p1!) <= TOL, `prob_1 of row ${i}: ${o.prob_1} vs ${p1}`);
          assert.equal(o.prob_0, direct.probabilities[2 * i]);
          assert.equal(o.prob_1, direct.probabilities[2 * i + 1]);
          if (o.label === 1) positives++;
        }
        // The models must predict both classes, or label equality would prove little.
        assert.ok(positives > 0 && positives < rows.length, `positives: ${positives}`);
      } finally {
        await model.close();
      }
    });
  }

  it('reads class labels from the ZipMap it removes', async () => {
    const model = await OnnxModel.load(testModel('logreg_zipmap'));
    assert.deepEqual(model.signature.classLabels, [0, 1]);
    assert.deepEqual(model.signature.zipMapOutputs, ['output_probability']);
    const prob = model.signature.outputs.find((o) => o.name === 'output_probability')!;
    assert.equal(prob.isTensor, true);
    assert.equal(prob.type, 'float32');
    assert.deepEqual(model.signature.inputs, [{ name: 'features', isTensor: true, type: 'float32', shape: ['', 6] }]);
    await model.close();
  });

  it('maps a single column to the positive-class probability and `label` by name, in declared order', async () => {
    const model = await OnnxModel.load(testModel('forest_zipmap'));
    const sample = records.slice(0, 50);
    const out = await model.score(sample, { inputs: features, outputs: 'score DOUBLE, label BIGINT' });
    const expected = models.forest_zipmap!;
    out.forEach((o, i) => {
      assert.deepEqual(Object.keys(o), ['score', 'label']);
      assert.ok(Math.abs((o.score as number) - expected.probabilities![i]![1]!) <= TOL);
      assert.equal(o.label, expected.label![i]);
    });
    // Two unnamed columns for two classes: one per class, in class order.
    const both = await model.score(sample, { inputs: features, outputs: 'legit DOUBLE, fraud DOUBLE' });
    both.forEach((o, i) => assert.ok(Math.abs((o.fraud as number) - expected.probabilities![i]![1]!) <= TOL));
    // An explicit source wins over the rules.
    const explicit = await model.score(sample, {
      inputs: features,
      outputs: [{ name: 'p_legit', type: 'DOUBLE', from: { output: 'output_probability', classLabel: 0 } }],
    });
    explicit.forEach((o, i) => assert.ok(Math.abs((o.p_legit as number) - expected.probabilities![i]![0]!) <= TOL));
    await model.close();
  });

  it('string class labels from a ZipMap name the probability columns', async () => {
    const expected = models.logreg_strings_zipmap!;
    const model = await OnnxModel.load(testModel('logreg_strings_zipmap'));
    assert.deepEqual(model.signature.classLabels, ['fraud', 'legit']);
    const sample = records.slice(0, expected.label!.length);
    const out = await model.score(sample, { inputs: features, outputs: 'label STRING, prob_fraud DOUBLE, prob_legit DOUBLE, last DOUBLE' });
    out.forEach((o, i) => {
      assert.equal(o.label, expected.label![i]);
      assert.ok(Math.abs((o.prob_fraud as number) - expected.probabilities![i]![0]!) <= TOL, `row ${i}`);
      assert.ok(Math.abs((o.prob_legit as number) - expected.probabilities![i]![1]!) <= TOL, `row ${i}`);
      // A lone unnamed column gets the last class.
      assert.equal(o.last, o.prob_legit);
    });
    await model.close();
  });

  it('runs one session.run() per batch and splits at maxBatchRows', async () => {
    const model = await OnnxModel.load(testModel('logreg'), { maxBatchRows: 64 });
    const session = model.session as { run: (...a: unknown[]) => Promise<unknown> };
    const real = session.run.bind(session);
    let calls = 0;
    session.run = (...a: unknown[]) => {
      calls++;
      return real(...a);
    };
    const out = await model.score(records.slice(0, 64), mapping);
    assert.equal(calls, 1);
    const split = await model.score(records.slice(0, 200), mapping);
    assert.equal(calls, 1 + 4);
    assert.deepEqual(split.slice(0, 64), out);
    assert.deepEqual(await model.score([], mapping), []);
    assert.equal(calls, 5);
    await model.close();
  });
});

describe('OnnxModel outputs and types', () => {
  const { models } = testInputs();
  const records = testRows();

  it('regressor: a [N, 1] output fills one column', async () => {
    const expected = models.regressor!;
    const model = await OnnxModel.load(testModel('regressor'));
    const out = await model.score(records, { inputs: expected.features!, outputs: 'predicted_amount DOUBLE' });
    out.forEach((o, i) => {
      const want = expected.values![i]!;
      assert.ok(Math.abs((o.predicted_amount as number) - want) <= TOL * Math.max(1, Math.abs(want)), `row ${i}`);
    });
    await model.close();
  });

  it('converts to declared column types', async () => {
    const model = await OnnxModel.load(testModel('logreg'));
    const row = records.find((_, i) => models.logreg!.label![i] === 1)!;
    const [o] = await model.score([row], {
      inputs: testInputs().features,
      outputs: [
        { name: 'label', type: 'VARCHAR(5)' },
        { name: 'prob_1', type: 'FLOAT' },
        { name: 'is_fraud', type: 'BOOLEAN', from: { output: 'label' } },
        { name: 'predicted_class', type: 'TINYINT' },
        { name: 'score', type: 'DECIMAL(10, 2)' },
      ],
    });
    assert.ok(o);
    assert.deepEqual(Object.keys(o), ['label', 'prob_1', 'is_fraud', 'predicted_class', 'score']);
    assert.equal(o.label, '1');
    assert.equal(o.prob_1, Math.fround(o.prob_1 as number));
    assert.equal(typeof o.score, 'number');
    assert.equal(o.score, Math.round((o.prob_1 as number) * 100) / 100);
    assert.equal(o.is_fraud, true);
    assert.equal(o.predicted_class, 1);
    await model.close();
  });

  it('several inputs map by name, in their element types; an [N, 3] output spreads over columns', async () => {
    const model = await OnnxModel.load(testModel('multi_input'));
    assert.deepEqual(model.signature.inputs.map((i) => i.type), ['float32', 'int64', 'float64']);
    const rows = [
      { ratio: 0.5, amount: 10.25, txn_count_1h: 3, other: 'x' },
      { ratio: 1.75, amount: 2, txn_count_1h: 7n },
    ];
    const out = await model.score(rows, {
      inputs: ['amount', 'txn_count_1h', 'ratio'],
      outputs: 'total DOUBLE, a DOUBLE, b BIGINT, c DOUBLE, n BIGINT',
    });
    assert.deepEqual(out, [
      { total: 10.25 + 3 + 0.5, a: 10.25, b: 6, c: 1.5, n: 3 },
      { total: 2 + 7 + 1.75, a: 2, b: 14, c: 5.25, n: 7 },
    ]);
    // A record maps inputs to columns of other names.
    const renamed = await model.score([{ amt: 1, n: 2, r: 3 }], {
      inputs: { amount: 'amt', txn_count_1h: 'n', ratio: 'r' },
      outputs: [{ name: 'total' }, { name: 'second', from: { output: 'stats', index: 1 } }],
    });
    assert.deepEqual(renamed, [{ total: 6, second: 4 }]);
    await model.close();
  });

  it('reads int64 outputs exactly, as numbers while they are safe integers', async () => {
    const model = await OnnxModel.load(testModel('multi_input'));
    const big = 2n ** 53n + 1n;
    const rows = [-5, 2 ** 40 + 3, -(2 ** 52), Number.MAX_SAFE_INTEGER, big, -big, 0, Number.MIN_SAFE_INTEGER, -(2n ** 53n)].map((c) => ({ amount: 0, txn_count_1h: c, ratio: 0 }));
    const raw = await model.score(rows, { inputs: ['amount', 'txn_count_1h', 'ratio'], outputs: [{ name: 'n', from: { output: 'count' } }] });
    assert.deepEqual(raw.map((r) => r.n), [-5, 2 ** 40 + 3, -(2 ** 52), Number.MAX_SAFE_INTEGER, big, -big, 0, Number.MIN_SAFE_INTEGER, -(2n ** 53n)]);
    const typed = await model.scoreSettled(rows, { inputs: ['amount', 'txn_count_1h', 'ratio'], outputs: 'count BIGINT' });
    assert.deepEqual(typed.map((r) => r.ok), [true, true, true, true, false, false, true, true, false]);
    assert.match((typed[4] as { error: Error }).error.message, /row 4: output column "count" is BIGINT but the model gave bigint 9007199254740993: outside the safe integer range/);
    await model.close();
  });

  it('rejects mappings that do not fit the model, naming what is wrong', async () => {
    const multi = await OnnxModel.load(testModel('multi_input'));
    await assert.rejects(multi.score([{}], { inputs: ['amount', 'ratio'], outputs: 'total' }), (e: unknown) => e instanceof UserError && /model input "txn_count_1h" has no column/.test(e.message));
    await assert.rejects(multi.score([{}], { inputs: { amount: 'a', nope: 'b' }, outputs: 'total' }), /model input "nope"/);
    await assert.rejects(multi.score([{}], { inputs: ['amount', 'txn_count_1h', 'ratio'], outputs: 'total, a, b' }), /2 output columns \(a, b\) left to fill, but the unused model outputs \(stats, count\) give 4 values/);
    await assert.rejects(multi.score([{}], { inputs: ['amount', 'txn_count_1h', 'ratio'], outputs: 'stats DOUBLE' }), /has the name of a model output with 3 values per row/);
    await assert.rejects(multi.score([{}], { inputs: ['amount', 'txn_count_1h', 'ratio'], outputs: 'total WIBBLE' }), /unsupported model output type "WIBBLE"/);
    await multi.close();
    const logreg = await OnnxModel.load(testModel('logreg'));
    await assert.rejects(logreg.score([{}], { inputs: ['amount'], outputs: 'score' }), /takes 6 values per row but the mapping gives 1 column/);
    await assert.rejects(
      logreg.score([{}], { inputs: testInputs().features, outputs: 'x DOUBLE, y DOUBLE, z DOUBLE' }),
      /cannot tell what output columns x, y, z are: the model is a classifier with 2 classes/,
    );
    await assert.rejects(logreg.score([{}], { inputs: testInputs().features, outputs: [{ name: 'p', from: { output: 'probabilities', classLabel: 7 } }] }), /asks for class 7/);
    await logreg.close();
  });

  it('fails to load a missing file or bytes that are not a model with a UserError', async () => {
    await assert.rejects(OnnxModel.load(testModel('no-such-model')), (e: unknown) => e instanceof UserError && /cannot read model file/.test(e.message));
    await assert.rejects(OnnxModel.load(new TextEncoder().encode('{"not": "a model"}')), (e: unknown) => e instanceof UserError);
    const json = await readFile(testModel('logreg').replace(/logreg\.onnx$/, 'inputs.json'));
    await assert.rejects(OnnxModel.load(json.subarray(0, 100)), (e: unknown) => e instanceof UserError);
  });
});

describe('OnnxModel bad input', () => {
  const { features } = testInputs();
  const records = testRows().slice(0, 10);
  const mapping: ScoreMapping = { inputs: features, outputs: 'score DOUBLE, label BIGINT' };
  let model: OnnxModel;
  before(async () => {
    model = await OnnxModel.load(testModel('logreg_zipmap'));
  });
  after(async () => {
    await model.close();
  });

  const cases: [string, unknown, RegExp][] = [
    ['null', null, /row 3, column "amount": null where a number is needed \(model input "features" is float32\)/],
    ['missing', undefined, /row 3, column "amount": undefined \(missing\) where a number is needed/],
    ['a string', '12.5', /row 3, column "amount": string "12.5" where a number is needed/],
    ['NaN', Number.NaN, /row 3, column "amount": NaN is not a finite number/],
    ['Infinity', Number.POSITIVE_INFINITY, /row 3, column "amount": number Infinity is not a finite number/],
    ['an object', { v: 1 }, /row 3, column "amount": an object where a number is needed/],
  ];
  for (const [what, value, message] of cases) {
    it(`${what} fails the batch with a UserError naming row and column`, async () => {
      const rows = records.map((r, i) => (i === 3 ? { ...r, amount: value } : r));
      await assert.rejects(model.score(rows, mapping), (e: unknown) => e instanceof UserError && message.test(e.message));
    });
  }

  it('scoreSettled scores the good rows and returns an error for each bad one', async () => {
    const rows: Record<string, unknown>[] = records.map((r) => ({ ...r }));
    rows[1]!.hour_of_day = null;
    rows[4]!.txn_count_1m = Number.NaN;
    rows[7] = { amount: 5 };
    const settled = await model.scoreSettled(rows, mapping);
    const clean = await model.score(records, mapping);
    assert.equal(settled.length, rows.length);
    settled.forEach((s, i) => {
      if ([1, 4, 7].includes(i)) {
        assert.equal(s.ok, false, `row ${i}`);
        if (!s.ok) {
          assert.ok(s.error instanceof UserError);
          assert.match(s.error.message, new RegExp(`^row ${i}, column "`));
        }
      } else {
        assert.deepEqual(s, { ok: true, output: clean[i] }, `row ${i}`);
      }
    });
    assert.match((settled[7] as { ok: false; error: UserError }).error.message, /column "txn_count_1m": undefined/);
    const notRecord = await model.scoreSettled([records[0]!, null as unknown as Record<string, unknown>], mapping);
    assert.equal(notRecord[0]!.ok, true);
    assert.match((notRecord[1] as { error: Error }).error.message, /row 1, column "amount": the row is null, not a record/);
    const none = await model.scoreSettled([{ amount: null }], mapping);
    assert.equal(none.length, 1);
    assert.equal(none[0]!.ok, false);
  });

  it('checks integer inputs of several element types', async () => {
    const multi = await OnnxModel.load(testModel('multi_input'));
    const m: ScoreMapping = { inputs: ['amount', 'txn_count_1h', 'ratio'], outputs: 'total DOUBLE' };
    const settled = await multi.scoreSettled(
      [
        { amount: 1, txn_count_1h: 2.5, ratio: 1 },
        { amount: 1, txn_count_1h: 2n ** 70n, ratio: 1 },
        { amount: 1, txn_count_1h: 4, ratio: 'x' },
        { amount: 1, txn_count_1h: 4, ratio: 1 },
      ],
      m,
    );
    assert.deepEqual(settled.map((s) => s.ok), [false, false, false, true]);
    assert.match((settled[0] as { error: Error }).error.message, /row 0, column "txn_count_1h": number 2.5 where an integer is needed \(model input "txn_count_1h" is int64\)/);
    assert.match((settled[1] as { error: Error }).error.message, /outside int64/);
    assert.match((settled[2] as { error: Error }).error.message, /row 2, column "ratio": string "x" where a number is needed/);
    assert.deepEqual(settled[3], { ok: true, output: { total: 6 } });
    await multi.close();
  });

  it('a value that does not fit a declared output type is a per-row error', async () => {
    const multi = await OnnxModel.load(testModel('multi_input'));
    const settled = await multi.scoreSettled([{ amount: 100, txn_count_1h: 100, ratio: 1 }, { amount: 1, txn_count_1h: 1, ratio: 1 }], {
      inputs: ['amount', 'txn_count_1h', 'ratio'],
      outputs: 'total TINYINT',
    });
    assert.equal(settled[0]!.ok, false);
    assert.match((settled[0] as { error: Error }).error.message, /row 0: output column "total" is TINYINT but the model gave number 201: outside -128..127/);
    assert.deepEqual(settled[1], { ok: true, output: { total: 3 } });
    await multi.close();
  });
});

describe('OnnxModel.scoreBatch (positional rows)', () => {
  const MULTI: ScoreMapping = {
    inputs: ['amount', 'txn_count_1h', 'ratio'],
    outputs: [{ name: 'total' }, { name: 'second', from: { output: 'stats', index: 1 } }, { name: 'n', from: { output: 'count' } }],
  };
  // Positional rows keep the inputs at other places than the mapping's order, with a column in between.
  const INDEXES = [2, 3, 0];
  const asRecord = (row: readonly unknown[]): Record<string, unknown> => ({ amount: row[2], txn_count_1h: row[3], ratio: row[0] });
  const mixed: unknown[][] = [
    [0.5, 'x', 10, 3],
    [1, 'x', null, 3],
    [1, 'x', 2, 2.5],
    [Number.NaN, 'x', 2, 3],
    [1, 'x', 2, 2n ** 70n],
    [2.25, 'x', 7n, 4n],
    [1, 'x', '12', 3],
    [1, 'x', undefined, null],
    [-3, 'x', 1e30, -(2 ** 40)],
    [1, 'x', Number.POSITIVE_INFINITY, 1],
    [4, 'x', 1, 2 ** 52],
  ];

  /** Asserts scoreBatch gives, row by row, what scoreSettled gives for the same rows as records. */
  async function assertSame(model: OnnxModel, rows: unknown[][], mapping: ScoreMapping): Promise<void> {
    const batch = await model.scoreBatch({ rows, indexes: INDEXES }, mapping);
    const settled = await model.scoreSettled(rows.map(asRecord), mapping);
    const names = (mapping.outputs as { name: string }[]).map((o) => o.name);
    assert.equal(batch.columns.length, names.length);
    settled.forEach((s, j) => {
      if (s.ok) {
        assert.equal(batch.errors?.[j], undefined, `row ${j} should score`);
        assert.deepEqual(names.map((_, c) => batch.columns[c]![j]), names.map((nm) => s.output[nm]), `row ${j}`);
      } else {
        assert.ok(batch.errors?.[j] instanceof UserError, `row ${j} should fail`);
        assert.equal(batch.errors[j]!.message, s.error.message, `row ${j}`);
        assert.ok(batch.columns.every((col) => col[j] === undefined), `row ${j} has no outputs`);
      }
    });
  }

  it('equals the record path on mixed float32/int64/float64 inputs, bad values and NULLs', async () => {
    const model = await OnnxModel.load(testModel('multi_input'));
    try {
      await assertSame(model, mixed, MULTI);
      const good = mixed.filter((_, j) => [0, 5, 8, 10].includes(j));
      await assertSame(model, good, MULTI);
      const res = await model.scoreBatch({ rows: good, indexes: INDEXES }, MULTI);
      assert.equal(res.errors, undefined);
      assert.deepEqual(res.columns[2], [3, 4, -(2 ** 40), 2 ** 52]);
      // Output values that do not fit the declared type are per-row errors here too.
      await assertSame(model, [[1, 'x', 100, 100], [1, 'x', 1, 1]], { inputs: MULTI.inputs, outputs: [{ name: 'total', type: 'TINYINT' }] });
      // A row that is not an array is an error for that row only.
      const notRow = await model.scoreBatch({ rows: [mixed[0]!, null as unknown as unknown[]], indexes: INDEXES }, MULTI);
      assert.equal(notRow.errors?.[0], undefined);
      assert.match(notRow.errors![1]!.message, /^row 1, column "amount": the row is null, not a row/);
      const allBad = await model.scoreBatch({ rows: [mixed[1]!, mixed[3]!], indexes: INDEXES }, MULTI);
      assert.equal(allBad.errors?.filter(Boolean).length, 2);
    } finally {
      await model.close();
    }
  });

  it('equals the record path across maxBatchRows chunks, with row numbers of the whole call', async () => {
    const model = await OnnxModel.load(testModel('multi_input'), { maxBatchRows: 3 });
    try {
      await assertSame(model, mixed, MULTI);
      const res = await model.scoreBatch({ rows: mixed, indexes: INDEXES }, MULTI);
      assert.match(res.errors![7]!.message, /^row 7, column "amount"/);
    } finally {
      await model.close();
    }
  });

  it('reuses input buffers safely: shrinking batches and overlapping calls', async () => {
    const { features, rows } = testInputs();
    const model = await OnnxModel.load(testModel('logreg'));
    const mapping: ScoreMapping = { inputs: features, outputs: 'score DOUBLE, label BIGINT' };
    const indexes = features.map((_, i) => i);
    const expect = async (part: number[][]): Promise<unknown[][]> => {
      const out = await model.score(part.map((r) => Object.fromEntries(features.map((f, i) => [f, r[i]]))), mapping);
      return [out.map((o) => o.score), out.map((o) => o.label)];
    };
    try {
      for (const part of [rows.slice(0, 200), rows.slice(200, 205), rows.slice(300, 301), rows]) {
        const res = await model.scoreBatch({ rows: part, indexes }, mapping);
        assert.deepEqual(res, { columns: await expect(part) });
      }
      const a = rows.slice(0, 50);
      const b = rows.slice(50, 100);
      const [ra, rb] = await Promise.all([model.scoreBatch({ rows: a, indexes }, mapping), model.scoreBatch({ rows: b, indexes }, mapping)]);
      assert.deepEqual(ra.columns, await expect(a));
      assert.deepEqual(rb.columns, await expect(b));
      await assert.rejects(model.scoreBatch({ rows: a, indexes }, { inputs: { features }, outputs: 'score DOUBLE' }), /needs a mapping whose inputs are a list/);
    } finally {
      await model.close();
    }
  });
});
