import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Log } from './log.js';
import { captureLogger, prng, readAll, tempDir } from './testing/helpers.js';

const SCRIPT = fileURLToPath(new URL('./testing/crash-producer.js', import.meta.url));
const RUNS = 6;

/**
 * Runs the crash producer until it has printed `minLines` acknowledgement lines plus a random
 * extra delay, then SIGKILLs it. Returns the lines it printed.
 */
function runAndKill(args: string[], minLines: number, delayMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '';
    let stderr = '';
    let killing = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.stdout.on('data', (d: string) => {
      buf += d;
      const parts = buf.split('\n');
      buf = parts.pop()!;
      lines.push(...parts);
      if (!killing && lines.length >= minLines) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`crash producer exited with ${code}: ${stderr}`));
      else resolve(lines);
    });
  });
}

test('SIGKILL during idempotent appends: every acknowledged record is there exactly once', async () => {
  const dir = tempDir();
  const rnd = prng(42);
  const acked = new Map<number, number>(); // batch -> offset
  for (let run = 0; run < RUNS; run++) {
    let start = 0;
    while (acked.has(start)) start++;
    const lines = await runAndKill([dir, 'idempotent', String(start)], 5 + Math.floor(rnd() * 30), Math.floor(rnd() * 15));
    for (const line of lines) {
      const [word, k, off] = line.split(' ');
      assert.equal(word, 'ack');
      const prev = acked.get(Number(k));
      if (prev !== undefined) assert.equal(prev, Number(off), `batch ${k} acknowledged at two offsets`);
      acked.set(Number(k), Number(off));
    }
  }
  const { lines: warnings, logger } = captureLogger();
  const log = await Log.open(dir, { logger });
  try {
    const records = await readAll(log, 'crash', 0);
    // Sequences resend from the first unacknowledged batch, so the log must be r0, r1, ... with no
    // gap and no duplicate, and hold every acknowledged batch at the offset it was acknowledged with.
    records.forEach((r, i) => assert.equal(r.value, `r${i}`, `offset ${i}`));
    assert.ok(acked.size >= RUNS * 5, `only ${acked.size} batches acknowledged`);
    for (const [k, off] of acked) {
      assert.equal(records[off]?.value, `r${3 * k}`, `acknowledged batch ${k} at offset ${off}`);
      assert.equal(records[off + 2]?.value, `r${3 * k + 2}`);
    }
    for (const w of warnings) assert.match(w, /crash\/0\/\d{20}\.log: .* dropping \d+ bytes/);
  } finally {
    await log.close();
  }
});

test('SIGKILL during transactions: read-committed sees whole committed transactions once, never aborted or open ones', async () => {
  const dir = tempDir();
  const rnd = prng(7);
  const committed = new Set<string>();
  const aborted = new Set<string>();
  for (let run = 0; run < RUNS; run++) {
    const lines = await runAndKill([dir, 'txn', String(run)], 3 + Math.floor(rnd() * 15), Math.floor(rnd() * 15));
    for (const line of lines) {
      const [word, r, t] = line.split(' ');
      (word === 'commit' ? committed : aborted).add(`run${r}-t${t}`);
    }
  }
  const log = await Log.open(dir, { logger: () => undefined });
  try {
    const seen = new Map<string, number>();
    const values = new Set<string>();
    for (const p of [0, 1]) {
      for (const rec of await readAll(log, 'tx', p, 'read_committed')) {
        const v = rec.value as string;
        assert.ok(!values.has(v), `${v} read twice`);
        values.add(v);
        const m = /^(run\d+-t\d+)-\d$/.exec(v);
        if (!m) continue; // a plain record
        seen.set(m[1]!, (seen.get(m[1]!) ?? 0) + 1);
      }
    }
    for (const txn of committed) assert.equal(seen.get(txn), 3, `committed ${txn} not fully visible`);
    for (const [txn, n] of seen) {
      assert.equal(n, 3, `${txn} partly visible`);
      assert.ok(!aborted.has(txn), `aborted ${txn} visible`);
      assert.notEqual(Number(txn.split('-t')[1]) % 3, 2, `${txn} was going to be aborted but is visible`);
    }
    assert.ok(committed.size >= RUNS * 2);
    // With nothing open any more, the stable offset has caught up with the end of the log.
    for (const p of [0, 1]) assert.equal(log.lastStableOffset('tx', p), log.logEndOffset('tx', p));
  } finally {
    await log.close();
  }
});
