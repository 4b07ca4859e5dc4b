import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable, Writable } from 'node:stream';
import { runCommand } from './run.js';
import { sqlShellCommand } from './sql-shell.js';

function sink(): Writable & { text: string } {
  const w = new Writable({ write(chunk, _enc, cb) { w.text += String(chunk); cb(); } }) as Writable & { text: string };
  w.text = '';
  return w;
}

// dist/src/cli -> the repository's examples/udf (the .sql and the TypeScript module, not compiled copies).
const EXAMPLE = fileURLToPath(new URL('../../../examples/udf/udf.sql', import.meta.url));

const EXPECTED = `mask_card
risk_score
split_tags
weighted_avg
+I[1, ****1111, 1.32]
+I[2, ****2222, 4.8]
+I[3, ****1111, 0.81]
+I[4, ****3333, 6.0]
+I[5, ****2222, NULL]
+I[6, ****1111, 1.63]
+I[1, books, 0]
+I[1, gift, 1]
+I[2, electronics, 0]
+I[3, NULL, NULL]
+I[4, electronics, 0]
+I[4, gift, 1]
+I[5, NULL, NULL]
+I[6, books, 0]
+I[DE, 20.0]
+I[FR, 250.0]
-U[DE, 20.0]
+U[DE, 8.4]
+I[US, 999.0]
-U[DE, 8.4]
+U[DE, 18.0]
+I[2026-01-01 10:00:00.000, 77.42857142857143, 3]
+I[2026-01-01 10:00:10.000, 361.0, 3]
`;

test('weir run examples/udf/udf.sql: TypeScript scalar, table and aggregate functions, read relative to the script', async () => {
  const stdout = sink();
  const stderr = sink();
  assert.equal(await runCommand([EXAMPLE], { stdout, stderr }), 0, stderr.text);
  assert.equal(stdout.text, EXPECTED);
  const p2 = sink();
  assert.equal(await runCommand([EXAMPLE, '--parallelism', '2'], { stdout: p2, stderr }), 0, stderr.text);
  assert.deepEqual(p2.text.split('\n').sort(), EXPECTED.split('\n').sort());
});

test('weir run: a function that throws fails the run with its name, module and arguments', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-run-udf-'));
  try {
    writeFileSync(join(dir, 'in.json'), '{"x": 1}\n{"x": 0}\n');
    writeFileSync(join(dir, 'f.mjs'), "export const inverse = { returns: 'DOUBLE', eval(x) { if (x === 0) throw new RangeError('division by zero'); return 1 / x; } };\n");
    writeFileSync(join(dir, 'job.sql'), `CREATE TABLE t (x INT) WITH ('connector' = 'filesystem', 'path' = '\${SCRIPT_DIR}/in.json', 'format' = 'json');
CREATE FUNCTION inverse AS './f.mjs';
SELECT inverse(x) FROM t;`);
    const stderr = sink();
    assert.equal(await runCommand([join(dir, 'job.sql')], { stdout: sink(), stderr }), 1);
    assert.match(stderr.text, /function INVERSE \(\.\/f\.mjs\) threw in eval on arguments \(0\): division by zero/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('weir sql: CREATE FUNCTION reads modules from the working directory and keeps them in the session', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-shell-udf-'));
  const cwd = process.cwd();
  try {
    writeFileSync(join(dir, 'in.json'), '{"s": "a b c"}\n');
    writeFileSync(join(dir, 'words.mjs'), "export function* words(s) { yield* s.split(' '); }\nwords.returns = 'STRING';\n");
    process.chdir(dir);
    const input = [
      `CREATE TABLE t (s STRING) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'in.json')}', 'format' = 'json');`,
      "CREATE FUNCTION words AS './words.mjs';",
      'SELECT w FROM t, LATERAL TABLE(words(s)) AS x(w);',
    ].join('\n') + '\n';
    const stdout = sink();
    const stderr = sink();
    assert.equal(await sqlShellCommand([], { stdin: Readable.from([input]), stdout, stderr }), 0, stderr.text);
    assert.match(stdout.text, /\+I\[a\]\n\+I\[b\]\n\+I\[c\]\n/);
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});
