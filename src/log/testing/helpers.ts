import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogRecord } from '../format.js';
import type { Log } from '../log.js';
import type { Isolation } from '../partition.js';

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh empty directory under the OS temp dir, removed when the test process exits. */
export function tempDir(prefix = 'weir-log-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Reads a whole partition from its start with the given isolation. */
export async function readAll(log: Log, topic: string, partition: number, isolation: Isolation = 'read_uncommitted'): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let offset = log.logStartOffset(topic, partition);
  while (true) {
    const { records, nextOffset } = await log.read(topic, partition, offset, 1000, { isolation });
    out.push(...records);
    if (nextOffset === offset) return out;
    offset = nextOffset;
  }
}

/** Collects logger lines. */
export function captureLogger(): { lines: string[]; logger: (m: string) => void } {
  const lines: string[] = [];
  return { lines, logger: (m: string) => lines.push(m) };
}

/** A small deterministic PRNG (mulberry32), so "random" test choices are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Copies a log directory as it is on disk right now, like the state a crash would leave. */
export function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  fs.rmSync(path.join(to, '.lock'), { force: true });
}
