/**
 * Append and read throughput of the embedded log. Not a test.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/log-append.js [records=200000]
 *
 * Records carry a 16-byte key and a 100-byte string value. Appends go through `appendBatch`
 * (one frame, one write per batch) with several batches in flight, so 'always' shares fsyncs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Log } from '../src/log/index.js';
import type { FsyncPolicy, RecordInput } from '../src/log/index.js';

const total = Number(process.argv[2] ?? 200_000);
const value = 'x'.repeat(100);

async function appendRun(fsync: FsyncPolicy, batchSize: number, inFlight: number, records: number, measureReads = false): Promise<{ appends: number; reads: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-'));
  const log = await Log.open(dir, { fsync, fsyncIntervalMs: 20 });
  await log.createTopic('bench', { partitions: 1 });
  const batches = Math.ceil(records / batchSize);
  const started = process.hrtime.bigint();
  const pending = new Set<Promise<unknown>>();
  for (let b = 0; b < batches; b++) {
    const batch: RecordInput[] = new Array(batchSize);
    for (let i = 0; i < batchSize; i++) batch[i] = { key: `key-${(b * batchSize + i) % 100000}`.padEnd(16, '-'), value };
    const p = log.appendBatch('bench', 0, batch).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  await log.close();
  const reads = measureReads ? await readRun(dir, records) : 0;
  fs.rmSync(dir, { recursive: true, force: true });
  return { appends: (batches * batchSize) / secs, reads };
}

async function readRun(dir: string, records: number): Promise<number> {
  const log = await Log.open(dir);
  const started = process.hrtime.bigint();
  let offset = 0;
  let n = 0;
  while (n < records) {
    const { records: got, nextOffset } = await log.read('bench', 0, offset, 1000);
    if (got.length === 0) break;
    n += got.length;
    offset = nextOffset;
  }
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  await log.close();
  return n / secs;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(11);
}

console.log(`weir log bench: ${total} records of ~120 bytes, node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}`);
await appendRun('never', 1000, 4, Math.min(total, 50_000)); // warm-up
const never = await appendRun('never', 1000, 4, total, true);
console.log(`appendBatch 1000/batch, fsync never:       ${fmt(never.appends)} records/s`);
console.log(`appendBatch 1000/batch, fsync interval:    ${fmt((await appendRun('interval', 1000, 8, total)).appends)} records/s`);
console.log(`appendBatch 1000/batch, fsync always:      ${fmt((await appendRun('always', 1000, 8, total)).appends)} records/s`);
console.log(`append 1/call x64 in flight, fsync always: ${fmt((await appendRun('always', 1, 64, Math.min(total, 20_000))).appends)} records/s`);
console.log(`append 1/call x64 in flight, fsync never:  ${fmt((await appendRun('never', 1, 64, Math.min(total, 50_000))).appends)} records/s`);
console.log(`read 1000/call (after reopen):             ${fmt(never.reads)} records/s`);
