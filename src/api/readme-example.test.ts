import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('the README example prints what the README says', () => {
  const script = fileURLToPath(new URL('../../examples/clicks.js', import.meta.url));
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
  assert.deepEqual(out.trim().split('\n'), ['ana [0, 10000): 2', 'bo [0, 10000): 2', 'ana [10000, 20000): 1']);
});
