import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { featuresCommand, readLabels } from './features.js';

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => { o += d.toString(); });
  err.on('data', (d: Buffer) => { e += d.toString(); });
  return { io: { stdout: out, stderr: err }, out: () => o, err: () => e };
}

test('bad usage exits 2 and says what is missing', async () => {
  const a = io();
  assert.equal(await featuresCommand(['export', '--labels', 'x.csv'], a.io), 2);
  assert.match(a.err(), /--out is required/);
  const b = io();
  assert.equal(await featuresCommand(['export', '--labels', 'x.csv', '--out', 'y.csv', '--format', 'parquet'], b.io), 2);
  assert.match(b.err(), /parquet is not supported/);
  const c = io();
  assert.equal(await featuresCommand(['frobnicate'], c.io), 2);
  assert.equal(await featuresCommand(['--help'], c.io), 0);
  assert.match(c.out(), /usage: weir features export/);
});

test('a missing labels file fails with exit 1 naming it', async () => {
  const a = io();
  assert.equal(await featuresCommand(['export', '--labels', '/nonexistent/labels.csv', '--out', '/tmp/x.csv'], a.io), 1);
  assert.match(a.err(), /cannot read --labels \/nonexistent\/labels.csv/);
});

test('labels: header in any order, epoch ms or ISO time', () => {
  const rows = readLabels('time,key,label,extra\n1000,c1,1,x\n2026-01-01T00:00:00Z,c2,legit,y\n', 'labels.csv');
  assert.deepEqual(rows, [{ key: 'c1', label: 1, time: 1000 }, { key: 'c2', label: 'legit', time: Date.UTC(2026, 0, 1) }]);
  assert.throws(() => readLabels('key,label\nc1,1\n', 'labels.csv'), /no "time" column/);
  assert.throws(() => readLabels('key,label,time\nc1,1,yesterday\n', 'labels.csv'), /line 2: time "yesterday"/);
});
