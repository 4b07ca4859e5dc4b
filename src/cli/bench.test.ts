import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { benchCommand } from './bench.js';

function io(): { stdout: PassThrough; stderr: PassThrough; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => { o += d.toString(); });
  stderr.on('data', (d: Buffer) => { e += d.toString(); });
  return { stdout, stderr, out: () => o, err: () => e };
}

test('weir bench nexmark runs queries in child processes and writes the JSON figures', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-bench-'));
  try {
    const json = join(dir, 'out.json');
    const t = io();
    const code = await benchCommand(['nexmark', '--queries', 'q1,q2', '--events', '3000', '--json', json], t);
    assert.equal(code, 0, t.err());
    const rows = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>[];
    assert.deepEqual(rows.map((r) => r.query), ['q1', 'q2']);
    for (const r of rows) {
      for (const k of ['eventsPerSecond', 'eventsPerSecondPerCore', 'peakRssBytes']) assert.ok((r[k] as number) > 0, `${k} of ${String(r.query)}`);
      assert.equal(r.events, 3000);
    }
    assert.equal(rows[0]!.outputRows, 2760);
    assert.ok((rows[0]!.latencyP99Ms as number) >= (rows[0]!.latencyP50Ms as number));
    assert.match(t.err(), /nexmark q1: .* events\/s per core/);
    assert.match(t.out(), /q2 +datastream +3,000/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('weir bench reports bad usage with exit code 2', async () => {
  const t = io();
  assert.equal(await benchCommand(['nexmark', '--queries', 'q6'], t), 2);
  assert.match(t.err(), /unknown nexmark query q6/);
  assert.equal(await benchCommand(['tpch'], io()), 2);
  assert.equal(await benchCommand(['nexmark', '--events', 'many'], io()), 2);
});
