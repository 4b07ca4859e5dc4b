import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../core/errors.js';
import { crc32 } from './crc32.js';
import { Log } from './log.js';
import { OffsetOutOfRangeError } from './partition.js';
import { captureLogger, readAll, tempDir } from './testing/helpers.js';

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.alloc(0)), 0);
});

test('records round-trip: keys, string and Buffer values, headers, timestamps, across reopen', async () => {
  const dir = tempDir();
  let log = await Log.open(dir);
  await log.createTopic('t', { partitions: 1 });
  const bin = Buffer.from([0, 1, 2, 255]);
  await log.appendBatch('t', 0, [
    { key: 'a', value: 'hello ünïcode', headers: { trace: 'x1', 'content-type': 'text/plain' }, timestamp: 1000 },
    { key: null, value: bin, timestamp: 2000 },
    { value: '' },
  ]);
  const check = async () => {
    const { records, nextOffset } = await log.read('t', 0, 0, 10);
    assert.equal(nextOffset, 3);
    assert.deepEqual(records.map((r) => [r.offset, r.key, r.value, r.headers]), [
      [0, 'a', 'hello ünïcode', { trace: 'x1', 'content-type': 'text/plain' }],
      [1, null, bin, {}],
      [2, null, '', {}],
    ]);
    assert.equal(records[0]!.timestamp, 1000);
    assert.equal(records[1]!.timestamp, 2000);
    assert.ok(records[2]!.timestamp > 1_600_000_000_000, 'a missing timestamp is the append time');
  };
  await check();
  await log.close();
  log = await Log.open(dir);
  await check();
  assert.equal(log.highWatermark('t', 0), 3);
  assert.equal(log.logEndOffset('t', 0), 3);
  await log.close();
});

test('segments roll by size; reads from every offset work across segments and after reopen', async () => {
  const dir = tempDir();
  let log = await Log.open(dir, { segmentBytes: 600, indexIntervalBytes: 100 });
  await log.createTopic('t', { partitions: 1 });
  for (let i = 0; i < 60; i += 3) {
    await log.appendBatch('t', 0, [0, 1, 2].map((j) => ({ key: `k${i + j}`, value: `value-${i + j}`, timestamp: 10 * (i + j) })));
  }
  const info = log.describeTopic('t').partitions[0]!;
  assert.ok(info.segments > 3, `expected several segments, got ${info.segments}`);
  const files = fs.readdirSync(path.join(dir, 'topics', 't', '0'));
  assert.ok(files.includes('00000000000000000000.log'));
  assert.ok(files.includes('00000000000000000000.index') && files.includes('00000000000000000000.timeindex'));
  const verify = async () => {
    for (let off = 0; off < 60; off++) {
      const { records } = await log.read('t', 0, off, 4);
      assert.deepEqual(records.map((r) => r.value), [off, off + 1, off + 2, off + 3].filter((o) => o < 60).map((o) => `value-${o}`));
    }
  };
  await verify();
  await log.close();
  log = await Log.open(dir, { segmentBytes: 600, indexIntervalBytes: 100 });
  await verify();
  await log.close();
  // Index files that are missing or stale are rebuilt from the log.
  for (const f of files) if (f.endsWith('.index')) fs.rmSync(path.join(dir, 'topics', 't', '0', f));
  fs.writeFileSync(path.join(dir, 'topics', 't', '0', files.find((f) => f.endsWith('.timeindex'))!), 'junk');
  log = await Log.open(dir, { segmentBytes: 600, indexIntervalBytes: 100 });
  await verify();
  await log.close();
});

test('time index: first offset with timestamp >= t, also with out-of-order timestamps', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, { segmentBytes: 500, indexIntervalBytes: 64 });
  await log.createTopic('t', { partitions: 1 });
  const stamps = [100, 200, 150, 300, 300, 250, 400, 500, 450, 600, 700, 650, 800, 900, 1000];
  for (const ts of stamps) await log.append('t', { key: null, value: `at-${ts}` , timestamp: ts }, { partition: 0 });
  const brute = (t: number) => {
    const i = stamps.findIndex((s) => s >= t);
    return i < 0 ? stamps.length : i;
  };
  for (const t of [0, 100, 101, 150, 199, 200, 260, 300, 301, 449, 455, 650, 999, 1000, 1001, 5000]) {
    assert.equal(await log.offsetForTimestamp('t', 0, t), brute(t), `timestamp ${t}`);
  }
  await log.close();
});

test('retention by size and by time deletes whole old segments, never the active one', async () => {
  const dir = tempDir();
  let now = 1_000_000;
  const log = await Log.open(dir, { segmentBytes: 400, retentionCheckIntervalMs: 0, now: () => now });
  await log.createTopic('bysize', { partitions: 1, retentionBytes: 1000 });
  await log.createTopic('bytime', { partitions: 1, retentionMs: 5000 });
  for (let i = 0; i < 40; i++) {
    await log.append('bysize', { key: null, value: `v${i}`.padEnd(40, '.') }, { partition: 0 });
    await log.append('bytime', { key: null, value: `v${i}`.padEnd(40, '.'), timestamp: now }, { partition: 0 });
    now += 1000;
  }
  const before = log.describeTopic('bysize').partitions[0]!;
  assert.ok(before.sizeBytes > 1000);
  const deleted = log.applyRetention();
  assert.ok(deleted > 0);
  const after = log.describeTopic('bysize').partitions[0]!;
  assert.ok(after.sizeBytes >= 1000 - 400 && after.sizeBytes < before.sizeBytes, `size ${after.sizeBytes}`);
  assert.ok(after.logStartOffset > 0);
  assert.equal(after.logEndOffset, 40);
  const kept = await readAll(log, 'bysize', 0);
  assert.equal(kept[0]!.offset, after.logStartOffset);
  assert.equal(kept.at(-1)!.value, 'v39'.padEnd(40, '.'));
  await assert.rejects(log.read('bysize', 0, 0, 1), OffsetOutOfRangeError);

  const t = log.describeTopic('bytime').partitions[0]!;
  assert.ok(t.logStartOffset > 0);
  const oldest = (await readAll(log, 'bytime', 0))[0]!;
  // Only segments whose newest record is older than now - 5000 go; the oldest left has newer records.
  assert.ok(oldest.timestamp >= now - 5000 - 10 * 1000, `oldest kept ${oldest.timestamp}`);
  // Everything is old now: all sealed segments go, the active one stays.
  now += 1_000_000;
  log.applyRetention();
  assert.equal(log.describeTopic('bytime').partitions[0]!.segments, 1);
  assert.equal(log.logEndOffset('bytime', 0), 40);
  await log.close();
});

test('fsync policies: interval acknowledges after the periodic fsync, never at once', async () => {
  for (const fsync of ['interval', 'never', 'always'] as const) {
    const dir = tempDir();
    const log = await Log.open(dir, { fsync, fsyncIntervalMs: 30 });
    await log.createTopic('t', { partitions: 1 });
    const started = Date.now();
    const res = await log.append('t', { key: 'k', value: 'v' });
    if (fsync === 'interval') assert.ok(Date.now() - started >= 25, 'interval ack came before the fsync period');
    assert.equal(res.baseOffset, 0);
    assert.equal(log.highWatermark('t', 0), 1);
    await log.close();
  }
});

test('bad input is a UserError that says what to fix', async () => {
  const dir = tempDir();
  const log = await Log.open(dir);
  await assert.rejects(log.append('nope', { value: 'x' }), /topic "nope" does not exist/);
  await log.createTopic('t', { partitions: 2 });
  await assert.rejects(log.createTopic('t', { partitions: 2 }), /already exists/);
  await assert.rejects(log.createTopic('bad/name', { partitions: 1 }), UserError);
  await assert.rejects(log.appendBatch('t', 5, [{ value: 'x' }]), /no partition 5/);
  await assert.rejects(log.appendBatch('t', 0, [{ value: 'ok' }, { value: 42 as unknown as string }]), /record 1 .* value must be a string or a Buffer/);
  await assert.rejects(log.appendBatch('t', 0, []), /non-empty/);
  await assert.rejects(Log.open(dir), /already open/);
  await log.close();
  await assert.rejects(Log.open(dir, { fsync: 'sometimes' as 'always' }), /fsync must be/);
});

test('keys map to a stable partition; null keys spread round robin', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, { fsync: 'never' });
  await log.createTopic('t', { partitions: 4 });
  const a = await log.append('t', { key: 'user-1', value: '1' });
  const b = await log.append('t', { key: 'user-1', value: '2' });
  assert.equal(a.partition, b.partition);
  const spread = new Set<number>();
  for (let i = 0; i < 4; i++) spread.add((await log.append('t', { key: null, value: 'x' })).partition);
  assert.equal(spread.size, 4);
  await log.close();
});

test('recovery warnings go to the injected logger only', async () => {
  const dir = tempDir();
  const { lines, logger } = captureLogger();
  const log = await Log.open(dir, { logger });
  await log.createTopic('t', { partitions: 1 });
  await log.append('t', { value: 'x' });
  await log.close();
  const again = await Log.open(dir, { logger });
  await again.close();
  assert.deepEqual(lines, []);
});
