/**
 * What scoring costs inside a job: the ML_PREDICT operator (`MlPredictOperator`, the operator the SQL
 * planner puts in the stream) with an in-process ONNX model, per batch size. Reports rows/s per core
 * (rows / process CPU time) and the latency the operator adds to a batch (p50/p99 of one
 * `processBatch`, and that divided by the batch's rows), end to end: rows in (arrays), rows with
 * `score`, `label` and `scored_by` out. Beside it, onnxruntime-node's `session.run` alone on a ready
 * float32 tensor (the model's own cost in Node), and the same model and rows with onnxruntime in
 * Python (`bench/ml_predict_peer.py`, when Python has onnxruntime): `sess.run` alone, and end to
 * end from rows as lists to rows with the outputs appended.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/ml-predict.js [--ms 600] [--python python3]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Tensor } from 'onnxruntime-node';
import type { Row } from '../src/connectors/registry.js';
import { OnnxModel } from '../src/ml/onnx-model.js';
import { testInputs, testModel } from '../src/ml/testdata.js';
import { MlPredictOperator } from '../src/ml/predict-operator.js';
import { type Measured, fmt, measure } from './measure.js';

const BATCHES = [1, 8, 64, 256, 1024, 4096];
const MODELS: [string, string][] = [
  ['logistic regression', 'logreg'],
  ['random forest (20 trees)', 'forest'],
];
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const BUDGET_MS = Number(arg('--ms') ?? 600);
const PYTHON = arg('--python') ?? process.env.WEIR_PYTHON ?? 'python3';
const PEER = fileURLToPath(new URL('../../bench/ml_predict_peer.py', import.meta.url));

const rate = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${Math.round(x / 1000).toLocaleString('en')} k`);

type PeerMeasured = Pick<Measured, 'rowsPerCoreSec' | 'p50' | 'p99'>;
type PeerLine = Record<'run' | 'end_to_end', { rows_per_core_s: number; p50_ms: number; p99_ms: number }>;

/** The peer's figures per batch size, or undefined when Python or its onnxruntime is missing. */
async function peer(model: string, rowsFile: string): Promise<Map<number, { run: PeerMeasured; e2e: PeerMeasured }> | undefined> {
  try {
    const { stdout } = await promisify(execFile)(PYTHON, [PEER, model, rowsFile, BATCHES.join(','), String(BUDGET_MS)], { timeout: 300_000 });
    const out = new Map<number, { run: PeerMeasured; e2e: PeerMeasured }>();
    const of = (m: PeerLine['run']): PeerMeasured => ({ rowsPerCoreSec: m.rows_per_core_s, p50: m.p50_ms, p99: m.p99_ms });
    for (const line of stdout.trim().split('\n')) {
      const r = JSON.parse(line) as PeerLine & { batch: number };
      out.set(r.batch, { run: of(r.run), e2e: of(r.end_to_end) });
    }
    return out;
  } catch (err) {
    console.error(`(no Python peer: ${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const { features, rows } = testInputs();
  const tmp = mkdtempSync(join(tmpdir(), 'weir-bench-ml-'));
  const rowsFile = join(tmp, 'rows.json');
  writeFileSync(rowsFile, JSON.stringify(rows));
  console.log(`node ${process.version}, ${BUDGET_MS} ms per case, onnxruntime intra/inter-op threads 1, no spinning`);
  console.log('model | batch | weir end to end rows/s per core | added latency p50 / p99 per batch | per row (p50) | weir run() only | python end to end | python p50 / p99 end to end | python run() only');
  console.log('--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---:');
  try {
    for (const [title, file] of MODELS) {
      const op = new MlPredictOperator({
        model: file, source: { kind: 'path', path: testModel(file) }, inputNames: features,
        inputIndexes: features.map((_, i) => i), inputCasts: features.map(() => undefined),
        outputs: [{ name: 'score', type: 'DOUBLE' }, { name: 'label', type: 'BIGINT' }],
      });
      let emitted = 0;
      const out = { emitBatch: (b: { values: Row[] }) => { emitted += b.values.length; }, emit() {}, emitSide() {}, emitWatermark() {} };
      const py = await peer(testModel(file), rowsFile);
      const bare = await OnnxModel.load(testModel(file));
      for (const n of BATCHES) {
        const values: Row[] = Array.from({ length: n }, (_, i) => [...rows[i % rows.length]!]);
        const timestamps = new Array<number>(n).fill(0);
        const m = await measure(() => op.processBatch({ values, timestamps }, out), n, BUDGET_MS);
        const x = new Tensor('float32', Float32Array.from(values.flat() as number[]), [n, features.length]);
        const run = await measure(() => bare.session.run({ [bare.signature.inputs[0]!.name]: x }), n, BUDGET_MS);
        const p = py?.get(n);
        console.log(`${title} | ${n} | ${rate(m.rowsPerCoreSec)} | ${fmt(m.p50)} / ${fmt(m.p99)} | ${fmt(m.p50 / n)} | ${rate(run.rowsPerCoreSec)} | ` +
          `${p ? rate(p.e2e.rowsPerCoreSec) : '–'} | ${p ? `${fmt(p.e2e.p50)} / ${fmt(p.e2e.p99)}` : '–'} | ${p ? rate(p.run.rowsPerCoreSec) : '–'}`);
      }
      await op.close();
      await bare.close();
      if (emitted === 0) throw new Error('the operator emitted nothing');
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
