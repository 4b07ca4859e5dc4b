/**
 * Scoring throughput and per-batch latency of OnnxModel.score, per batch size, next to a bare
 * `session.run()` on a prebuilt tensor (what the mapping and validation add).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/onnx-score.js [--ms 800]
 */
import { Tensor } from 'onnxruntime-node';
import { OnnxModel, type ScoreMapping } from '../src/ml/onnx-model.js';
import { testInputs, testModel, testRows } from '../src/ml/testdata.js';
import { fmt, measure } from './measure.js';

const BATCHES = [1, 8, 64, 256, 1024];
const MODELS: [string, string][] = [
  ['logistic regression', 'logreg'],
  ['random forest (20 trees, ZipMap)', 'forest_zipmap'],
];
const msArg = process.argv.indexOf('--ms');
const BUDGET_MS = msArg > 0 ? Number(process.argv[msArg + 1]) : 800;

async function main(): Promise<void> {
  const { features } = testInputs();
  const all = testRows();
  const mapping: ScoreMapping = { inputs: features, outputs: 'score DOUBLE, label BIGINT' };
  console.log(`node ${process.version}, ${BUDGET_MS} ms per case, intra/inter-op threads 1, no spinning`);
  console.log('model | batch | weir rows/s | weir p50 | weir p99 | weir cpu/batch | bare rows/s | bare p50 | bare p99 | bare cpu/batch');
  for (const [title, file] of MODELS) {
    const model = await OnnxModel.load(testModel(file));
    for (const n of BATCHES) {
      const rows = Array.from({ length: n }, (_, i) => all[i % all.length]!);
      const weir = await measure(() => model.score(rows, mapping), n, BUDGET_MS);
      const x = new Tensor('float32', Float32Array.from(rows.flatMap((r) => features.map((f) => r[f]!))), [n, features.length]);
      const bare = await measure(() => model.session.run({ features: x }), n, BUDGET_MS);
      console.log(
        `${title} | ${n} | ${Math.round(weir.rowsPerSec).toLocaleString('en')} | ${fmt(weir.p50)} | ${fmt(weir.p99)} | ${fmt(weir.cpu)} | ` +
          `${Math.round(bare.rowsPerSec).toLocaleString('en')} | ${fmt(bare.p50)} | ${fmt(bare.p99)} | ${fmt(bare.cpu)}`,
      );
    }
    await model.close();
  }
}

await main();
