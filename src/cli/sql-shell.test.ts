import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlShellCommand } from './sql-shell.js';

function sink(): Writable & { text: string } {
  const w = new Writable({ write(chunk, _enc, cb) { w.text += String(chunk); cb(); } }) as Writable & { text: string };
  w.text = '';
  return w;
}

test('weir sql keeps the session between statements, prints changelogs, and reports errors with a caret', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-shell-'));
  try {
    writeFileSync(join(dir, 'clicks.json'), ['a', 'b', 'a'].map((u, i) => JSON.stringify({ u, ts: `2026-01-01 00:00:0${i}.000` })).join('\n') + '\n');
    const input = [
      `CREATE TABLE clicks (u STRING, ts TIMESTAMP(3)) WITH ('connector' = 'filesystem',`,
      `  'path' = '${join(dir, 'clicks.json')}', 'format' = 'json');`,
      'SHOW TABLES;',
      'SELECT u, COUNT(*) FROM clicks GROUP BY u;',
      'SELECT nope FROM clicks;',
      'QUIT;',
      'SELECT 1;',
    ].join('\n') + '\n';
    const stdout = sink();
    const stderr = sink();
    const code = await sqlShellCommand([], { stdin: Readable.from([input]), stdout, stderr });
    assert.equal(code, 1, 'a failed statement in piped input makes the exit code 1');
    assert.match(stdout.text, /\[OK\]\nclicks\n/);
    for (const row of ['+I[a, 1]', '+I[b, 1]', '-U[a, 1]', '+U[a, 2]']) assert.ok(stdout.text.includes(row), `missing ${row} in\n${stdout.text}`);
    assert.match(stderr.text, /nope/);
    assert.match(stderr.text, /\^/);
    assert.doesNotMatch(stdout.text, /EXPR\$0|\+I\[1\]/, 'nothing runs after QUIT');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
