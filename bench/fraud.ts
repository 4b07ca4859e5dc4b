/**
 * The fraud pipeline of the main job (src/demo/fraud/pipeline.sql: OVER features, ML_PREDICT with the
 * shipped ONNX model, rule fallback) as a benchmark: throughput at saturation, then event-to-alert
 * latency at fixed input rates.
 *
 *   npm run build && node dist/bench/fraud.js [--events 50000] [--rates 10000,50000,100000] [--seconds 5]
 */
import { runFraudDemo } from '../src/demo/fraud/runner.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}
const events = Number(arg('events', '50000'));
const rates = arg('rates', '10000,50000,100000').split(',').map(Number);
const seconds = Number(arg('seconds', '5'));

const cpu0 = process.cpuUsage();
const sat = await runFraudDemo({ events });
const cpu = process.cpuUsage(cpu0);
const cpuSec = (cpu.user + cpu.system) / 1e6;
console.log(`saturation: ${Math.round(sat.eventsPerSecond).toLocaleString('en-US')} events/s wall, ${Math.round(events / cpuSec).toLocaleString('en-US')} events/s per core, p50/p99 ${sat.p50LatencyMs.toFixed(1)}/${sat.p99LatencyMs.toFixed(1)} ms, precision ${(sat.precision * 100).toFixed(1)} %, recall ${(sat.recall * 100).toFixed(1)} %`);
for (const rate of rates) {
  const n = Math.round(rate * seconds);
  const r = await runFraudDemo({ events: n, rate });
  const kept = r.eventsPerSecond >= rate * 0.95 ? 'kept up' : `fell behind (${Math.round(r.eventsPerSecond).toLocaleString('en-US')}/s)`;
  console.log(`rate ${rate.toLocaleString('en-US')}/s for ${seconds} s: p50 ${r.p50LatencyMs.toFixed(1)} ms, p99 ${r.p99LatencyMs.toFixed(1)} ms event to alert, ${kept}`);
}
