/**
 * keyBy → tumbling count over 100k keys and 10M records (by default). Reports records/s of wall time and
 * records/s per core (process CPU time, all threads), for each parallelism asked for.
 *
 *   npm run bench:keyed-window -- [--records 10000000] [--keys 100000] [--parallelism 1,2] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import { keyedWindowCount } from './jobs.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const records = Number(arg('records', '10000000'));
const keys = Number(arg('keys', '100000'));
const parallelisms = arg('parallelism', '1,2').split(',').map(Number);
const results: Record<string, unknown>[] = [];

for (const p of parallelisms) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const job = keyedWindowCount.execute({ args: { records, keys, windowMs: 60_000, perMs: 10 }, parallelism: p });
  const result = await job.done;
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const out = result.metrics.filter((m) => m.name === 'results').reduce((s, m) => s + m.recordsIn, 0);
  const row = {
    benchmark: 'keyBy→tumbling count', parallelism: p, records, keys, windowResults: out,
    wallSeconds: +wall.toFixed(2), cpuSeconds: +cpuSec.toFixed(2),
    recordsPerSecond: Math.round(records / wall), recordsPerSecondPerCore: Math.round(records / cpuSec),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  results.push(row);
  console.log(`p=${p}: ${(row.recordsPerSecond / 1e6).toFixed(2)} M records/s wall, ${(row.recordsPerSecondPerCore / 1e6).toFixed(2)} M records/s per core (cpu ${row.cpuSeconds} s, wall ${row.wallSeconds} s, ${out} window results)`);
}
const json = arg('json', '');
if (json) writeFileSync(json, JSON.stringify(results, null, 2));
