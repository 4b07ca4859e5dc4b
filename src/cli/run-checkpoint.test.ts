import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));

const SQL = `
CREATE TABLE txns (card INT, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
  WITH ('connector' = 'filesystem', 'path' = '\${IN}', 'format' = 'json');
CREATE TABLE totals (window_start TIMESTAMP(3), card INT, n BIGINT, total INT)
  WITH ('connector' = 'filesystem', 'path' = '\${OUT}', 'format' = 'json');
SET 'execution.checkpointing.interval' = '100ms';
INSERT INTO totals
SELECT window_start, card, COUNT(*), SUM(amount)
FROM TABLE(TUMBLE(TABLE txns, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, card;
`;

function run(root: string, out: string, cp: string, killAfterCheckpoint: boolean): Promise<'finished' | 'killed'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', join(root, 'job.sql'), '--define', `IN=${join(root, 'in.json')}`, '--define', `OUT=${out}`, '--checkpoint-dir', cp], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    let killed = false;
    const latest = () => { try { return readFileSync(join(cp, 'LATEST'), 'utf8'); } catch { return ''; } };
    const before = latest();
    const poll = killAfterCheckpoint ? setInterval(() => {
      if (latest() === before) return;
      clearInterval(poll);
      setTimeout(() => { killed = true; child.kill('SIGKILL'); }, Math.floor(Math.random() * 200));
    }, 5) : undefined;
    child.on('exit', (code) => {
      if (poll) clearInterval(poll);
      if (killed) resolve('killed');
      else if (code === 0) resolve('finished');
      else reject(new Error(`weir run exited with ${code}: ${stderr}`));
    });
  });
}

const visible = (dir: string) => readdirSync(dir).filter((f) => !f.startsWith('.')).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean)).sort();

test('weir run --checkpoint-dir: killed SQL jobs resume and write every row exactly once', { timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'weir-sqlcp-'));
  try {
    const lines: string[] = [];
    for (let n = 0; n < 200_000; n++) {
      const h = Math.imul(n ^ 0x27d4eb2d, 0x9e3779b1) >>> 0;
      const ts = new Date(Date.UTC(2026, 0, 1) + n * 5 + (h % 1500)).toISOString().replace('T', ' ').slice(0, 23);
      lines.push(JSON.stringify({ card: h % 300, amount: h % 500, ts }));
    }
    writeFileSync(join(root, 'in.json'), lines.join('\n') + '\n');
    writeFileSync(join(root, 'job.sql'), SQL);
    assert.equal(await run(root, join(root, 'ref'), join(root, 'ref-cp'), false), 'finished');
    let kills = 0;
    while ((await run(root, join(root, 'out'), join(root, 'cp'), kills < 3)) === 'killed') kills++;
    assert.equal(kills, 3);
    const expected = visible(join(root, 'ref'));
    assert.ok(expected.length > 1000);
    assert.deepEqual(visible(join(root, 'out')), expected);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
