import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { runCommand, substitute } from './run.js';

function sink(): Writable & { text: string } {
  const w = new Writable({ write(chunk, _enc, cb) { w.text += String(chunk); cb(); } }) as Writable & { text: string };
  w.text = '';
  return w;
}

const dir = mkdtempSync(join(tmpdir(), 'weir-run-'));
writeFileSync(join(dir, 'in.json'), [
  '{"id":1,"k":"a","ts":"2024-01-01 00:00:01.000"}',
  '{"id":2,"k":"b","ts":"2024-01-01 00:00:02.000"}',
  '{"id":3,"k":"a","ts":"2024-01-01 00:00:15.000"}',
].join('\n'));
const DDL = `CREATE TABLE t (id INT, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
  WITH ('connector' = 'filesystem', 'path' = '\${SCRIPT_DIR}/in.json', 'format' = 'json');`;

test('weir run: bounded script runs to completion; print, SELECT and filesystem sink outputs', async () => {
  const file = join(dir, 'ok.sql');
  writeFileSync(file, `${DDL}
CREATE TABLE p (k STRING, n BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'out');
CREATE TABLE f (id INT, k STRING) WITH ('connector' = 'filesystem', 'path' = '\${OUT}', 'format' = 'csv');
EXECUTE STATEMENT SET BEGIN
  INSERT INTO p SELECT k, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, k;
  INSERT INTO f SELECT id, k FROM t WHERE id <> 2;
END;
SELECT id FROM t WHERE k = 'a';
`);
  const out = sink();
  const err = sink();
  const code = await runCommand([file, '--define', `OUT=${join(dir, 'files')}`], { stdout: out, stderr: err });
  assert.equal(code, 0, err.text);
  assert.deepEqual(out.text.trim().split('\n').sort(), ['+I[1]', '+I[3]', 'out> +I[a, 1]', 'out> +I[a, 1]', 'out> +I[b, 1]'].sort());
  const parts = readdirSync(join(dir, 'files'));
  assert.equal(parts.length, 1);
  assert.ok(!parts[0]!.startsWith('.'));
  assert.equal(readFileSync(join(dir, 'files', parts[0]!), 'utf8'), '1,a\n3,a\n');
});

test('weir run: a SQL error prints line, column and caret and exits 1', async () => {
  const file = join(dir, 'bad.sql');
  writeFileSync(file, `${DDL}\nSELECT id, kk\nFROM t;\n`);
  const out = sink();
  const err = sink();
  assert.equal(await runCommand([file], { stdout: out, stderr: err }), 1);
  assert.match(err.text, /SQL error: Column 'kk' not found in any table \(line 3, column 12\)/);
  assert.match(err.text, /3 \| SELECT id, kk\n {2}\| {12}\^/);
  assert.equal(await runCommand([], { stdout: out, stderr: err }), 2);
  assert.equal(await runCommand([file, '--parallelism', '0'], { stdout: out, stderr: err }), 2);
  assert.equal(substitute('${A}/${B}', { A: 'x' }), 'x/${B}');
});

test('weir run --parallelism 2: same rows from the compiled CLI', async () => {
  const file = join(dir, 'par.sql');
  writeFileSync(file, `${DDL}\nSELECT k, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;\n`);
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'run', file, '--parallelism', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += String(d); });
  child.stderr.on('data', (d) => { stderr += String(d); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.deepEqual(stdout.trim().split('\n').sort(), ['+I[a, 2]', '+I[b, 1]']);
});

async function runUntilOutput(file: string): Promise<{ code: number | null; stdout: string }> {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const child = spawn(process.execPath, [main, 'run', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += String(d); });
  // Wait until it prints, so the handler is installed and rows flow.
  await new Promise<void>((resolve) => { const t = setInterval(() => { if (stdout.includes('+I[')) { clearInterval(t); resolve(); } }, 20); });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout };
}

test('weir run: an unbounded job runs until SIGINT, then stops gracefully with exit 0', async () => {
  const file = join(dir, 'unbounded.sql');
  writeFileSync(file, `CREATE TABLE g (id BIGINT, v INT) WITH ('connector' = 'datagen', 'rows-per-second' = '200', 'fields.v.min' = '1', 'fields.v.max' = '3');
CREATE TABLE p (v INT, n BIGINT) WITH ('connector' = 'print');
INSERT INTO p SELECT v, COUNT(*) FROM g GROUP BY v;
`);
  const { code, stdout } = await runUntilOutput(file);
  assert.equal(code, 0);
  assert.match(stdout, /^\+I\[[123], 1\]$/m);
});

test('weir run: an unbounded SELECT prints its rows while it runs', async () => {
  const file = join(dir, 'unbounded-select.sql');
  writeFileSync(file, `CREATE TABLE g (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '100', 'fields.id.min' = '5', 'fields.id.max' = '5');
SELECT id * 2 AS twice FROM g;
`);
  const { code, stdout } = await runUntilOutput(file);
  assert.equal(code, 0);
  assert.match(stdout, /^\+I\[10\]$/m);
});
