/**
 * The throughput cost of checkpointing: the keyBy → tumbling count job with and without a checkpoint
 * every second (target: under 10 %). Runs each variant `--runs` times, alternating, and compares medians.
 *
 *   npm run build && node dist/bench/checkpoint-cost.js [--records 5000000] [--keys 100000] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../src/api/environment.js';
import { WatermarkStrategies } from '../src/runtime/watermarks.js';
import { fromGenerator } from '../src/runtime/source.js';
import { discardSink } from '../src/runtime/sink.js';
import { tumblingEventTimeWindows } from '../src/windows/assigners.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const records = arg('records', 5_000_000);
const keys = arg('keys', 100_000);
const runs = arg('runs', 3);

interface Ev { key: number; ts: number }

async function once(checkpoint: boolean): Promise<{ rate: number; checkpoints: number; lastBytes: number | undefined; lastMs: number | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), 'weir-cpbench-'));
  try {
    const env = StreamExecutionEnvironment.create(checkpoint ? { checkpointing: { intervalMs: 1000, dir } } : {});
    env.fromSource(
      fromGenerator(records, (n) => ({ key: (Math.imul(n, 0x9e3779b1) >>> 0) % keys, ts: 1_700_000_000_000 + Math.floor(n / 10) })),
      WatermarkStrategies.boundedOutOfOrderness<Ev>(0).withTimestampAssigner((e) => e.ts),
    )
      .keyBy((e) => e.key)
      .window(tumblingEventTimeWindows(60_000))
      .aggregate({ createAccumulator: () => 0, add: (_e: Ev, a: number) => a + 1, getResult: (a: number) => a, merge: (a: number, b: number) => a + b })
      .sinkTo(discardSink<number>());
    const t0 = process.hrtime.bigint();
    const job = env.execute();
    await job.done;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const m = job.checkpoints();
    return { rate: records / secs, checkpoints: m?.completed ?? 0, lastBytes: m?.lastSizeBytes, lastMs: m?.lastDurationMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const off: number[] = [];
const on: number[] = [];
let info = '';
for (let r = 0; r < runs; r++) {
  off.push((await once(false)).rate);
  const c = await once(true);
  on.push(c.rate);
  info = `${c.checkpoints} checkpoints in the last run, last one ${c.lastBytes ?? 0} bytes in ${c.lastMs ?? 0} ms`;
}
const a = median(off);
const b = median(on);
console.log(`without checkpoints: ${(a / 1e6).toFixed(2)} M records/s (median of ${runs})`);
console.log(`checkpoint every 1 s: ${(b / 1e6).toFixed(2)} M records/s (${info})`);
console.log(`cost: ${(((a - b) / a) * 100).toFixed(1)} %`);
