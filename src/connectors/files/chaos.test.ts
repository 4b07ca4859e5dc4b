import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const JOB = fileURLToPath(new URL('./testing/chaos-job.js', import.meta.url));
// Throttled to 300k/s in the job, so every attempt makes a little progress and ten kills land mid-run
// whatever the machine's speed.
const RECORDS = 2_000_000;

function latestCheckpoint(cp: string): string {
  try { return readFileSync(join(cp, 'LATEST'), 'utf8'); } catch { return ''; }
}

interface Outcome { outcome: 'finished' | 'killed'; resumed: boolean }

/**
 * Runs the job; with `kill`, SIGKILLs it at a random moment 0–400 ms after its next checkpoint completes
 * (so every attempt makes progress, and kills land in all phases: processing, pre-commit, checkpoint
 * write, commit).
 */
function run(out: string, cp: string, records: number, parallelism: number, kill: boolean): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JOB, out, cp, String(records), String(parallelism)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let killed = false;
    const before = latestCheckpoint(cp);
    const poll = kill ? setInterval(() => {
      if (latestCheckpoint(cp) === before) return;
      clearInterval(poll);
      setTimeout(() => { killed = true; child.kill('SIGKILL'); }, Math.floor(Math.random() * 400));
    }, 5) : undefined;
    child.on('exit', (code) => {
      if (poll) clearInterval(poll);
      const resumed = /resuming chaos from checkpoint/.test(stderr);
      if (killed) resolve({ outcome: 'killed', resumed });
      else if (code === 0) resolve({ outcome: 'finished', resumed });
      else reject(new Error(`chaos job exited with ${code}: ${stderr}`));
    });
  });
}

/** What a reader of the output directory sees: the lines of the visible files only. */
function visibleLines(dir: string): string[] {
  const lines: string[] = [];
  for (const f of readdirSync(dir)) {
    if (f.startsWith('.') || f.startsWith('_')) continue;
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) if (l) lines.push(l);
  }
  return lines.sort();
}

for (const parallelism of [1, 2]) {
  test(`exactly once through 10+ SIGKILLs: windowed aggregation to part files, parallelism ${parallelism}`, { timeout: 300_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'weir-chaos-'));
    try {
      const records = RECORDS;
      assert.equal((await run(join(root, 'ref'), join(root, 'ref-cp'), records, parallelism, false)).outcome, 'finished');
      const expected = visibleLines(join(root, 'ref'));
      assert.ok(expected.length > 10_000);

      let kills = 0;
      let resumed = 0;
      // Kill until at least ten kills landed mid-run, then let the job finish.
      for (;;) {
        const r = await run(join(root, 'out'), join(root, 'cp'), records, parallelism, kills < 10);
        if (r.resumed) resumed++;
        if (r.outcome === 'finished') break;
        kills++;
      }
      assert.ok(kills >= 10, `only ${kills} kills landed before the job finished`);
      assert.equal(resumed, kills, 'every attempt after a kill resumes from a checkpoint');
      const actual = visibleLines(join(root, 'out'));
      assert.equal(actual.length, expected.length, `rows: ${actual.length} after ${kills} kills, ${expected.length} without`);
      assert.deepEqual(actual, expected);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
