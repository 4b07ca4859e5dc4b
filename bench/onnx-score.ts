/**
 * Scoring throughput and per-batch latency of OnnxModel.score, per batch size, next to a bare
 * `session.run()` on a prebuilt tensor (what the mapping and validation add).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/onnx-score.js [--ms 800]
 */
import { performance } from 'node:perf_hooks';
import { Tensor } from 'onnxruntime-node';
import { OnnxModel, type ScoreMapping } from '../src/ml/onnx-model.js';
import { testInputs, testModel, testRows } from '../src/ml/testdata.js';

const BATCHES = [1, 8, 64, 256, 1024];
const MODELS: [string, string][] = [
  ['logistic regression', 'logreg'],
  ['random forest (20 trees, ZipMap)', 'forest_zipmap'],
];
const msArg = process.argv.indexOf('--ms');
const BUDGET_MS = msArg > 0 ? Number(process.argv[msArg + 1]) : 800;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Measured {
  rowsPerSec: number;
  p50: number;
  p99: number;
  /** CPU time of this process per call in ms: steadier than wall time on a shared machine. */
  cpu: number;
}

async function measure(fn: () => Promise<unknown>, rowsPerCall: number): Promise<Measured> {
  for (let i = 0; i < 20; i++) await fn();
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < BUDGET_MS || lat.length < 50) {
    const t = performance.now();
    await fn();
    lat.push(performance.now() - t);
  }
  const total = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  return {
    rowsPerSec: (lat.length * rowsPerCall) / (total / 1000),
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    cpu: (cpu.user + cpu.system) / 1000 / lat.length,
  };
}

const fmt = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

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
      const weir = await measure(() => model.score(rows, mapping), n);
      const x = new Tensor('float32', Float32Array.from(rows.flatMap((r) => features.map((f) => r[f]!))), [n, features.length]);
      const bare = await measure(() => model.session.run({ features: x }), n);
      console.log(
        `${title} | ${n} | ${Math.round(weir.rowsPerSec).toLocaleString('en')} | ${fmt(weir.p50)} | ${fmt(weir.p99)} | ${fmt(weir.cpu)} | ` +
          `${Math.round(bare.rowsPerSec).toLocaleString('en')} | ${fmt(bare.p50)} | ${fmt(bare.p99)} | ${fmt(bare.cpu)}`,
      );
    }
    await model.close();
  }
}

await main();
