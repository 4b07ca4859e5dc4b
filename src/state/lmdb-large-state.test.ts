import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LargeStateReport } from './testing/large-state-child.js';

const KEYS = 10_000_000;
const HEAP_BOUND = 1024 * 1024 * 1024;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-lmdb-large-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// Takes ~50 s on a busy 2-core machine (30 s CPU): the point is state that outgrows a capped heap.
it(`LMDB backend holds 10M keys of value state in a child with --max-old-space-size=1024, peak V8 heap < 1 GB`, { timeout: 300_000 }, () => {
  const child = fileURLToPath(new URL('./testing/large-state-child.js', import.meta.url));
  const out = execFileSync(process.execPath, ['--max-old-space-size=1024', child, dir, String(KEYS), '200000'], {
    encoding: 'utf8', maxBuffer: 1 << 20,
  });
  const report = JSON.parse(out.trim().split('\n').pop()!) as LargeStateReport;
  assert.deepEqual(report.mismatches, []);
  assert.equal(report.size, KEYS);
  assert.equal(report.sampled, 200_000);
  assert.ok(report.peakHeapBytes < HEAP_BOUND, `peak heap ${report.peakHeapBytes} bytes`);
  console.log(`10M keys: write ${report.writeSeconds.toFixed(1)} s, sample read ${report.readSeconds.toFixed(1)} s, peak heap ${(report.peakHeapBytes / 2 ** 20).toFixed(0)} MB`);
});
