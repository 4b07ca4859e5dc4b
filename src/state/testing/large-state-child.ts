/**
 * Child process of the LMDB large-state test: writes `count` keys of value state into an
 * `LmdbKeyedStateBackend`, reads a sample back, and prints one JSON line with the peak V8 heap seen.
 * Run with a capped heap (`--max-old-space-size`) so that holding the state on the heap would fail.
 *
 *   node --max-old-space-size=1024 dist/src/state/testing/large-state-child.js DIR COUNT SAMPLE
 */
import { getHeapStatistics } from 'node:v8';
import { LmdbKeyedStateBackend } from '../lmdb-backend.js';
import { valueState } from '../descriptors.js';

/** What the child prints on its last line of stdout. */
export interface LargeStateReport {
  count: number;
  peakHeapBytes: number;
  heapLimitBytes: number;
  writeSeconds: number;
  readSeconds: number;
  sampled: number;
  mismatches: string[];
  size: number;
}

const [dir, countArg, sampleArg] = process.argv.slice(2);
const count = Number(countArg);
const sample = Number(sampleArg);
const expected = (k: number): number => (k * 7) % 1000;

let peak = 0;
const sampleHeap = (): void => {
  peak = Math.max(peak, getHeapStatistics().used_heap_size);
};

const b = new LmdbKeyedStateBackend(dir!, {});
const s = b.getValueState(valueState<number>('v'));
let t0 = process.hrtime.bigint();
for (let k = 0; k < count; k++) {
  b.setCurrentKey(k);
  s.update(expected(k));
  if ((k & 0xffff) === 0) sampleHeap();
}
b.flush();
sampleHeap();
const writeSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

t0 = process.hrtime.bigint();
const mismatches: string[] = [];
for (let i = 0; i < sample; i++) {
  const k = (Math.imul(i, 0x9e3779b1) >>> 0) % count;
  b.setCurrentKey(k);
  const v = s.value();
  if (v !== expected(k) && mismatches.length < 10) mismatches.push(`key ${k}: ${String(v)} != ${expected(k)}`);
  if ((i & 0xffff) === 0) sampleHeap();
}
for (const k of [-1, count, count + 1]) {
  b.setCurrentKey(k);
  if (s.value() !== undefined) mismatches.push(`absent key ${k} has a value`);
}
const size = b.size('v');
sampleHeap();
const readSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
b.close();
const report: LargeStateReport = {
  count, peakHeapBytes: peak, heapLimitBytes: getHeapStatistics().heap_size_limit,
  writeSeconds, readSeconds, sampled: sample, mismatches, size,
};
console.log(JSON.stringify(report));
