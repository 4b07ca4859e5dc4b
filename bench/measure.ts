/** Timing of repeated async calls for the scoring benchmarks (bench/onnx-score.ts, bench/ml-predict.ts). */
import { performance } from 'node:perf_hooks';

export interface Measured {
  /** Rows per wall-clock second. */
  rowsPerSec: number;
  /** Rows per second of process CPU time (all threads): throughput per core, steadier on a shared machine. */
  rowsPerCoreSec: number;
  /** Wall time of one call, ms. */
  p50: number;
  p99: number;
  /** CPU time of this process per call in ms. */
  cpu: number;
}

/** The value at percentile `p` of an ascending array. */
export function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Calls `fn` for `budgetMs` (at least 50 times, after 20 warm-up calls), each call handling `rowsPerCall` rows. */
export async function measure(fn: () => Promise<unknown>, rowsPerCall: number, budgetMs: number): Promise<Measured> {
  for (let i = 0; i < 20; i++) await fn();
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < budgetMs || lat.length < 50) {
    const t = performance.now();
    await fn();
    lat.push(performance.now() - t);
  }
  const total = performance.now() - start;
  const used = process.cpuUsage(cpu0);
  const cpuMs = (used.user + used.system) / 1000;
  lat.sort((a, b) => a - b);
  return {
    rowsPerSec: (lat.length * rowsPerCall) / (total / 1000),
    rowsPerCoreSec: (lat.length * rowsPerCall) / (cpuMs / 1000),
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    cpu: cpuMs / lat.length,
  };
}

/** A duration in ms as `47 µs` or `1.15 ms`. */
export const fmt = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 0)} µs` : `${ms.toFixed(2)} ms`);
