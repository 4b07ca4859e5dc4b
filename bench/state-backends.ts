/**
 * get+put throughput of keyed value state: heap backend vs the LMDB backend (at several write-back cache
 * sizes). Loads `keys` keys, then runs `ops` read-modify-writes on keys drawn at random. Not a test.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/state-backends.js [--keys 1000000] [--ops 2000000] [--cache 10000,100000]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HeapKeyedStateBackend } from '../src/state/heap-backend.js';
import type { KeyedStateBackend } from '../src/state/heap-backend.js';
import { LmdbKeyedStateBackend } from '../src/state/lmdb-backend.js';
import { valueState } from '../src/state/descriptors.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const keys = Number(arg('keys', '1000000'));
const ops = Number(arg('ops', '2000000'));
const caches = arg('cache', '10000,100000').split(',').map(Number);

/** Wall and CPU seconds of `fn`: CPU time is the steadier number on a shared machine. */
function secondsOf(fn: () => void): { wall: number; cpu: number } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 };
}
const rate = (n: number, s: number): string => `${(n / s / 1e6).toFixed(2)} M/s`;

function run(label: string, b: KeyedStateBackend): void {
  const s = b.getValueState(valueState<number>('count'));
  const load = secondsOf(() => {
    for (let k = 0; k < keys; k++) { b.setCurrentKey(k); s.update(k); }
    (b as { flush?: () => void }).flush?.();
  });
  // A multiplicative hash walks all keys in a scattered order, as a keyed stream does.
  let check = 0;
  const rmw = secondsOf(() => {
    for (let i = 0; i < ops; i++) {
      b.setCurrentKey((Math.imul(i, 0x9e3779b1) >>> 0) % keys);
      const v = s.value()!;
      s.update(v + 1);
      check += v & 1;
    }
    (b as { flush?: () => void }).flush?.();
  });
  const heapMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  console.log(
    `${label.padEnd(20)} load: ${rate(keys, load.wall)} wall, ${rate(keys, load.cpu)} cpu   ` +
    `get+put: ${rate(ops, rmw.wall)} wall, ${rate(ops, rmw.cpu)} cpu   (heap used ${heapMb} MB, check ${check})`,
  );
  b.close?.();
}

console.log(`value state, ${keys} keys, ${ops} random get+put`);
run('heap', new HeapKeyedStateBackend());
global.gc?.();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-state-'));
try {
  for (const cacheEntries of caches) {
    run(`lmdb cache=${cacheEntries}`, new LmdbKeyedStateBackend(path.join(root, String(cacheEntries)), { cacheEntries }));
    global.gc?.();
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
