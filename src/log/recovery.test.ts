import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Log } from './log.js';
import { captureLogger, readAll, tempDir } from './testing/helpers.js';

async function writeSome(dir: string, n: number): Promise<string> {
  const log = await Log.open(dir, { segmentBytes: 2000 });
  await log.createTopic('t', { partitions: 1 });
  for (let i = 0; i < n; i++) await log.append('t', { key: `k${i}`, value: `value-${i}` }, { partition: 0 });
  await log.close();
  const pdir = path.join(dir, 'topics', 't', '0');
  const last = fs.readdirSync(pdir).filter((f) => f.endsWith('.log')).sort().at(-1)!;
  return path.join(pdir, last);
}

async function reopen(dir: string) {
  const { lines, logger } = captureLogger();
  const log = await Log.open(dir, { segmentBytes: 2000, logger });
  const values = (await readAll(log, 't', 0)).map((r) => r.value);
  return { log, values, lines };
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => `value-${i}`);

test('a partial frame at the end is truncated with one warning naming file, offset and bytes', async () => {
  const dir = tempDir();
  const file = await writeSome(dir, 50);
  const size = fs.statSync(file).size;
  fs.truncateSync(file, size - 5);
  const { log, values, lines } = await reopen(dir);
  assert.deepEqual(values, expected(49));
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.includes(file), lines[0]);
  assert.match(lines[0]!, /offset 49\b/);
  const frame = size - fs.statSync(file).size;
  assert.match(lines[0]!, new RegExp(`dropping ${frame - 5} bytes`));
  // The log goes on from the good prefix.
  assert.equal((await log.append('t', { value: 'after' }, { partition: 0 })).baseOffset, 49);
  await log.close();
  const again = await reopen(dir);
  assert.deepEqual(again.values, [...expected(49), 'after']);
  assert.deepEqual(again.lines, []);
  await again.log.close();
});

test('garbled bytes in the last frame fail its CRC and drop it', async () => {
  const dir = tempDir();
  const file = await writeSome(dir, 30);
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.from('XX'), 0, 2, size - 3);
  fs.closeSync(fd);
  const { log, values, lines } = await reopen(dir);
  assert.deepEqual(values, expected(29));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /checksum mismatch/);
  assert.ok(lines[0]!.includes(file));
  await log.close();
});

test('garbage appended after the last frame is dropped; a torn header too', async () => {
  const dir = tempDir();
  const file = await writeSome(dir, 10);
  fs.appendFileSync(file, Buffer.from([1, 2, 3, 4, 5, 6, 7]));
  let r = await reopen(dir);
  assert.deepEqual(r.values, expected(10));
  assert.match(r.lines[0]!, /dropping 7 bytes/);
  await r.log.close();
  fs.appendFileSync(file, Buffer.alloc(300, 0xab));
  r = await reopen(dir);
  assert.deepEqual(r.values, expected(10));
  assert.match(r.lines[0]!, /dropping 300 bytes/);
  await r.log.close();
});

test('a corrupt frame in the middle of the active segment cuts the log there', async () => {
  const dir = tempDir();
  const file = await writeSome(dir, 12);
  const buf = fs.readFileSync(file);
  // Flip a byte inside the first frame's payload.
  buf[60] = buf[60]! ^ 0xff;
  fs.writeFileSync(file, buf);
  const { log, values, lines } = await reopen(dir);
  const base = Number(path.basename(file).slice(0, 20));
  assert.deepEqual(values, expected(base));
  assert.match(lines[0]!, new RegExp(`offset ${base}\\b.*dropping ${buf.length} bytes`));
  await log.close();
});

test('a corrupt sealed segment cuts the log there, drops later segments and rebuilds producer state', async () => {
  const dir = tempDir();
  let log = await Log.open(dir, { segmentBytes: 300 });
  await log.createTopic('t', { partitions: 1 });
  for (let s = 0; s < 20; s++) await log.appendBatch('t', 0, [{ key: 'k', value: `value-${s}` }], { producerId: 4, baseSequence: s });
  await log.close();
  const pdir = path.join(dir, 'topics', 't', '0');
  const logs = fs.readdirSync(pdir).filter((f) => f.endsWith('.log')).sort();
  assert.ok(logs.length >= 3);
  const second = path.join(pdir, logs[1]!);
  const buf = fs.readFileSync(second);
  buf[buf.length - 10] = buf[buf.length - 10]! ^ 0xff; // inside its last frame; index files still match the size
  fs.writeFileSync(second, buf);
  fs.rmSync(path.join(pdir, logs[1]!.replace('.log', '.index'))); // force a verifying scan of that segment
  const { lines, logger } = captureLogger();
  log = await Log.open(dir, { segmentBytes: 300, logger });
  const values = (await readAll(log, 't', 0)).map((r) => r.value);
  const end = log.logEndOffset('t', 0);
  assert.deepEqual(values, expected(end));
  assert.ok(end < 20 && end > Number(logs[1]!.slice(0, 20)));
  assert.match(lines[0]!, /checksum mismatch/);
  assert.ok(lines.some((l) => l.includes(logs.at(-1)!) && /dropped/.test(l)));
  // Producer state matches the cut log: the next sequence is the one after the last surviving record.
  assert.equal((await log.appendBatch('t', 0, [{ value: `value-${end}` }], { producerId: 4, baseSequence: end })).duplicate, false);
  await assert.rejects(log.appendBatch('t', 0, [{ value: 'x' }], { producerId: 4, baseSequence: end + 5 }), /expected/);
  await log.close();
});
