import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { topicCommand } from './topic.js';

async function run(argv: string[], stdin = '', tty = false): Promise<{ code: number; out: string; err: string }> {
  const input = new PassThrough();
  input.end(stdin);
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await topicCommand(argv, { stdin: input, stdout, stderr });
  return { code, out, err };
}

test('topic create, list, describe, produce with a malformed line, consume round trip', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-cli-'));
  const d = ['--dir', dir];
  assert.equal((await run(['create', 'orders', '--partitions', '2', ...d])).code, 0);
  assert.equal((await run(['list', ...d])).out, 'orders\n');

  const input = [
    '{"key":"a","value":"first","headers":{"h":"1"},"timestamp":1000}',
    '{"key":"a","value":{"total":12.5},"timestamp":"2024-01-01T00:00:00Z"}',
    '{not json',
    '',
    '{"order":7,"items":[1,2]}',
    '[1,2,3]',
    '{"key":5,"value":"bad key"}',
    '{"key":"b","value":"last"}',
  ].join('\n');
  const produced = await run(['produce', 'orders', ...d], input);
  assert.equal(produced.code, 0);
  assert.match(produced.err, /line 3: invalid JSON/);
  assert.match(produced.err, /line 6: expected a JSON object, got an array/);
  assert.match(produced.err, /line 7: "key" must be a string or null, got number/);
  assert.match(produced.err, /produced 4 records to orders, 3 malformed lines skipped/);

  const described = await run(['describe', 'orders', ...d]);
  assert.match(described.out, /topic orders {2}partitions=2/);
  assert.match(described.out, /partition 0 {2}start=0/);

  const consumed = await run(['consume', 'orders', '--from-beginning', ...d]);
  assert.equal(consumed.code, 0);
  const rows = consumed.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(rows.length, 4);
  const byValue = (v: unknown) => rows.find((r) => JSON.stringify(r.value) === JSON.stringify(v));
  assert.deepEqual(byValue('first')?.headers, { h: '1' });
  assert.equal(byValue('first')?.timestamp, 1000);
  assert.equal(byValue({ total: 12.5 })?.timestamp, Date.parse('2024-01-01T00:00:00Z'));
  assert.deepEqual(byValue({ total: 12.5 })?.headers, {});
  assert.equal(byValue({ order: 7, items: [1, 2] })?.key, null);
  assert.equal(byValue('first')?.partition, byValue({ total: 12.5 })?.partition, 'same key, same partition');
  assert.ok(byValue('last'));

  // Groups commit where they stopped; --max limits; --from-time starts at the first newer record.
  const g1 = await run(['consume', 'orders', '--group', 'g', '--max', '3', ...d]);
  assert.equal(g1.out.trim().split('\n').length, 3);
  const g2 = await run(['consume', 'orders', '--group', 'g', ...d]);
  assert.equal(g2.out.trim().split('\n').length, 1);
  assert.equal((await run(['consume', 'orders', '--group', 'g', ...d])).out, '');
  const recent = await run(['consume', 'orders', '--from-time', '2020-01-01T00:00:00Z', ...d]);
  assert.equal(recent.out.trim().split('\n').length, 3, 'all but the record at t=1000');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('topic command errors: usage, unknown topic, bad options', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-cli-'));
  const d = ['--dir', dir];
  assert.equal((await run([])).code, 2);
  assert.equal((await run(['frobnicate', ...d])).code, 2);
  assert.equal((await run(['create', 'x', ...d])).code, 2);
  const missing = await run(['consume', 'nope', ...d]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /topic "nope" does not exist/);
  await run(['create', 't', '--partitions', '1', ...d]);
  assert.match((await run(['consume', 't', '--from-time', 'yesterday', ...d])).err, /--from-time must be an ISO date/);
  assert.match((await run(['consume', 't', '--offset', '5', ...d])).err, /--offset 5 is outside t\/0/);
  const tty = await run(['produce', 't', ...d], '{"value":"x"}\n', true);
  assert.match(tty.err, /\rproduced 1 records/);
  fs.rmSync(dir, { recursive: true, force: true });
});
