// Throughput of the window operator's hot path: keyBy -> tumbling event-time window -> count.
// Not a test. Run: npx tsc -p tsconfig.json && node dist/bench/window-operator.js [records] [keys]
import type { Batch } from '../src/core/batch.js';
import type { Key } from '../src/core/keys.js';
import { HeapKeyedStateBackend } from '../src/state/heap-backend.js';
import type { AggregateFunction } from '../src/state/descriptors.js';
import type { OperatorContext, Output } from '../src/operators/operator.js';
import { WindowOperator, tumblingEventTimeWindows } from '../src/windows/index.js';

const records = Number(process.argv[2] ?? 10_000_000);
const keyCount = Number(process.argv[3] ?? 100_000);
const batchSize = 1024;
const windowMs = 1_000;
const recordsPerMs = 1_000; // 10M records span 10 s of event time: 10 windows, ~10 records per key and window
const outOfOrderness = 200;

const count: AggregateFunction<number, number, number> = {
  createAccumulator: () => 0,
  add: (_v, acc) => acc + 1,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

function run(withOperator: boolean): { seconds: number; cpuSeconds: number; results: number; total: number } {
  const op = new WindowOperator<number, number>({ assigner: tumblingEventTimeWindows(windowMs), aggregate: count });
  const ctx: OperatorContext = {
    operatorName: op.name, subtaskIndex: 0, parallelism: 1, maxParallelism: 128,
    processingTime: { now: () => 0, scheduleAt: () => {} },
    keyedState: new HeapKeyedStateBackend(128, () => 0),
    log: () => {},
  };
  op.open(ctx);
  let results = 0;
  let total = 0;
  const out: Output<number> = {
    emit: (v) => { results++; total += v; },
    emitBatch: (b) => { results += b.values.length; for (const v of b.values) total += v; },
    emitSide: () => {},
    emitWatermark: () => {},
  };
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let base = 0; base < records; base += batchSize) {
    const n = Math.min(batchSize, records - base);
    const values = new Array<number>(n);
    const timestamps = new Array<number>(n);
    const keys = new Array<Key>(n);
    for (let j = 0; j < n; j++) {
      const i = base + j;
      values[j] = 1;
      // A little disorder within the bound, as a real source has.
      timestamps[j] = Math.floor(i / recordsPerMs) - (i % 7 === 0 ? 50 : 0);
      keys[j] = (i * 7919) % keyCount;
    }
    const maxTs = Math.floor((base + n - 1) / recordsPerMs);
    const batch: Batch<number> = { values, timestamps, keys };
    if (withOperator) {
      op.processBatch(batch, out);
      op.onWatermark(maxTs - outOfOrderness, out);
    }
  }
  if (withOperator) op.onWatermark(Number.POSITIVE_INFINITY, out);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, results, total };
}

const baseline = run(false);
const r = run(true);
const rate = records / r.seconds;
console.log(`window-operator bench: ${records} records, ${keyCount} keys, tumbling ${windowMs} ms, count, batches of ${batchSize}`);
console.log(`  window results: ${r.results} (records counted: ${r.total})`);
console.log(`  time: ${r.seconds.toFixed(2)} s (of which ~${baseline.seconds.toFixed(2)} s generating batches)`);
console.log(`  throughput: ${(rate / 1e6).toFixed(2)} M records/s (${((records / (r.seconds - baseline.seconds)) / 1e6).toFixed(2)} M/s without generation)`);
// On a shared machine wall time includes waiting for a core; CPU time is what the operator cost.
console.log(`  cpu time: ${r.cpuSeconds.toFixed(2)} s -> ${((records / r.cpuSeconds) / 1e6).toFixed(2)} M records/s per core ` +
  `(${((records / (r.cpuSeconds - baseline.cpuSeconds)) / 1e6).toFixed(2)} M/s without generation)`);
if (r.total !== records) {
  console.error(`counted ${r.total} records, expected ${records}`);
  process.exitCode = 1;
}
