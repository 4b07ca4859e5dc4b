import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Log } from '../../log/index.js';
import type { Isolation } from '../../log/index.js';

const JOB = fileURLToPath(new URL('./testing/chaos-job.js', import.meta.url));
const RECORDS = 500_000;
const PARTITIONS = 4;

function latestCheckpoint(cp: string): string {
  try { return readFileSync(join(cp, 'LATEST'), 'utf8'); } catch { return ''; }
}

interface Outcome { outcome: 'finished' | 'killed'; resumed: boolean }

/**
 * Runs the job. `kill`: SIGKILLs it at a random moment 0–150 ms after its next checkpoint completes, so
 * every attempt makes progress and kills land in all phases (reading, prepare, checkpoint write, commit).
 * `crash`: the job kills itself inside the first commit after a checkpoint completed, the narrow window
 * where only the restored job can still commit that checkpoint's prepared transaction.
 */
function run(logDir: string, cp: string, parallelism: number, kill: boolean, crash = false): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const args = [JOB, logDir, cp, String(parallelism), ...(crash ? ['crash-in-commit'] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let killed = false;
    const before = latestCheckpoint(cp);
    const poll = kill ? setInterval(() => {
      if (latestCheckpoint(cp) === before) return;
      clearInterval(poll);
      setTimeout(() => { killed = true; child.kill('SIGKILL'); }, Math.floor(Math.random() * 150));
    }, 5) : undefined;
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      const resumed = /resuming chaos from checkpoint/.test(stderr);
      if (killed || (crash && signal === 'SIGKILL')) resolve({ outcome: 'killed', resumed });
      else if (code === 0) resolve({ outcome: 'finished', resumed });
      else reject(new Error(`chaos job exited with ${code}: ${stderr}`));
    });
  });
}

/** The input, written once: `card,amount` with event timestamps, out of order by less than the watermark bound. */
async function writeInput(dir: string): Promise<void> {
  const log = await Log.open(dir, { fsync: 'never' });
  await log.createTopic('txns', { partitions: PARTITIONS });
  await log.createTopic('totals', { partitions: 3 });
  const batches = Array.from({ length: PARTITIONS }, () => [] as { key: null; value: string; timestamp: number }[]);
  for (let n = 0; n < RECORDS; n++) {
    const h = Math.imul(n ^ 0x2545f491, 0x9e3779b1) >>> 0;
    batches[n % PARTITIONS]!.push({ key: null, value: `${h % 500},${h % 1000}`, timestamp: 1_700_000_000_000 + n * 2 + (h % 1800) - 900 });
  }
  for (let p = 0; p < PARTITIONS; p++) {
    const all = batches[p]!;
    for (let i = 0; i < all.length; i += 2000) await log.appendBatch('txns', p, all.slice(i, i + 2000));
  }
  await log.close();
}

/** What a `read_committed` (or uncommitted) consumer of `totals` sees, sorted. */
async function outputRows(dir: string, isolation: Isolation): Promise<{ rows: string[]; prepared: number; open: number }> {
  const log = await Log.open(dir, { logger: () => undefined });
  try {
    const c = log.consumer({ topics: ['totals'], isolation });
    const rows: string[] = [];
    for (;;) {
      const batch = await c.poll({ maxRecords: 5000 });
      if (batch.length === 0) break;
      for (const r of batch) rows.push(String(r.value));
    }
    let open = 0;
    for (let p = 0; p < 3; p++) open += log.logEndOffset('totals', p) - log.lastStableOffset('totals', p);
    return { rows: rows.sort(), prepared: log.preparedTransactions().length, open };
  } finally {
    await log.close();
  }
}

test('exactly once through 10+ SIGKILLs: log topic -> windowed aggregation -> log topic, parallelism 2', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'weir-log-chaos-'));
  try {
    const input = join(root, 'input');
    await writeInput(input);
    cpSync(input, join(root, 'ref'), { recursive: true });
    cpSync(input, join(root, 'log'), { recursive: true });

    assert.equal((await run(join(root, 'ref'), join(root, 'ref-cp'), 2, false)).outcome, 'finished');
    const expected = (await outputRows(join(root, 'ref'), 'read_committed')).rows;
    assert.ok(expected.length > 5_000, `only ${expected.length} rows`);

    let kills = 0;
    let commitCrashes = 0;
    let resumed = 0;
    for (let attempt = 0; ; attempt++) {
      // Every third attempt dies inside its commit; the others are killed from outside.
      const crash = kills < 10 && attempt % 3 === 1;
      const r = await run(join(root, 'log'), join(root, 'cp'), 2, kills < 10 && !crash, crash);
      if (r.resumed) resumed++;
      if (r.outcome === 'finished') break;
      kills++;
      if (crash) commitCrashes++;
    }
    assert.ok(kills >= 10, `only ${kills} kills landed before the job finished`);
    assert.ok(commitCrashes >= 3, `only ${commitCrashes} crashes between a completed checkpoint and its commit`);
    assert.equal(resumed, kills, 'every attempt after a kill resumes from a checkpoint');
    const actual = await outputRows(join(root, 'log'), 'read_committed');
    const written = await outputRows(join(root, 'log'), 'read_uncommitted');
    assert.equal(actual.prepared, 0, 'no prepared transaction is left behind');
    assert.equal(actual.open, 0, 'no transaction holds the last stable offset back');
    assert.equal(actual.rows.length, expected.length, `rows: ${actual.rows.length} after ${kills} kills, ${expected.length} without`);
    assert.deepEqual(actual.rows, expected, 'a read_committed consumer sees exactly the rows of the uninterrupted run');
    process.stderr.write(`log chaos: ${kills} kills (${commitCrashes} inside a commit), ${expected.length} rows, ${written.rows.length - expected.length} rows of aborted transactions hidden\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
