import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slowSink } from '../api/testing/fixture-jobs.js';

// Peak resident memory of this process (worker threads included) in MB. Ten million records of ~60
// bytes each would need well over 1 GB if a fast source could run ahead of a slow sink.
const PEAK_RSS_BOUND_MB = 400;

test(`backpressure: 10M records into a slow sink across threads keep peak RSS under ${PEAK_RSS_BOUND_MB} MB`, { timeout: 240_000 }, async () => {
  const job = slowSink.execute({ args: { n: 10_000_000, delayMs: 1 }, parallelism: 2 });
  const result = await job.done;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const delivered = result.metrics.filter((m) => m.name === 'slow').reduce((s, m) => s + m.recordsIn, 0);
  assert.equal(delivered, 10_000_000);
  assert.ok(peakMb < PEAK_RSS_BOUND_MB, `peak RSS ${peakMb.toFixed(0)} MB exceeds ${PEAK_RSS_BOUND_MB} MB`);
  console.log(`peak RSS ${peakMb.toFixed(0)} MB for 10M records in ${(result.durationMs / 1000).toFixed(1)} s`);
});
