import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Log } from './log.js';
import { tempDir } from './testing/helpers.js';

test('a consumer group resumes from committed offsets after reopen', async () => {
  const dir = tempDir();
  let log = await Log.open(dir);
  await log.createTopic('t', { partitions: 2 });
  for (let i = 0; i < 10; i++) await log.append('t', { key: null, value: `v${i}` }, { partition: i % 2 });
  let c = log.consumer({ group: 'g', topics: ['t'] });
  const first = await c.poll({ maxRecords: 4 });
  assert.equal(first.length, 4);
  await c.commit();
  const uncommitted = await c.poll({ maxRecords: 2 }); // read but not committed: read again after restart
  assert.equal(uncommitted.length, 2);
  await log.close();

  log = await Log.open(dir);
  c = log.consumer({ group: 'g', topics: ['t'] });
  const rest = [];
  for (let batch = await c.poll(); batch.length > 0; batch = await c.poll()) rest.push(...batch);
  const all = [...first, ...rest].map((r) => r.value).sort();
  assert.deepEqual(all, Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
  assert.ok(rest.some((r) => r.value === uncommitted[0]!.value));
  assert.equal(c.lag(), 0);
  await c.commit();
  assert.deepEqual(Object.fromEntries(log.committedOffsets('g')), { 't/0': 5, 't/1': 5 });
  // Another group starts from the beginning; 'latest' starts at the end.
  assert.equal((await log.consumer({ group: 'other', topics: ['t'] }).poll({ maxRecords: 100 })).length, 10);
  assert.equal((await log.consumer({ group: 'late', topics: ['t'], autoOffsetReset: 'latest' }).poll()).length, 0);
  assert.deepEqual(log.listGroups().sort(), ['g']);
  await log.close();
});

test('poll waits for new data up to timeoutMs; seekToTimestamp and seek move the position', async () => {
  const log = await Log.open(tempDir(), { fsync: 'never' });
  await log.createTopic('t', { partitions: 1 });
  const c = log.consumer({ partitions: [{ topic: 't', partition: 0 }] });
  const started = Date.now();
  assert.deepEqual(await c.poll({ timeoutMs: 30 }), []);
  assert.ok(Date.now() - started >= 25);
  setTimeout(() => void log.append('t', { value: 'late', timestamp: 500 }, { partition: 0 }), 10);
  const got = await c.poll({ timeoutMs: 2000 });
  assert.deepEqual(got.map((r) => r.value), ['late']);
  await log.append('t', { value: 'later', timestamp: 900 }, { partition: 0 });
  await c.seekToTimestamp(600);
  assert.equal(c.position('t', 0), 1);
  c.seek('t', 0, 0);
  assert.deepEqual((await c.poll()).map((r) => r.value), ['late', 'later']);
  await assert.rejects(c.commit(), /needs a consumer group/);
  await log.close();
});

test('a read_committed consumer skips markers and aborted records and advances past them', async () => {
  const log = await Log.open(tempDir());
  await log.createTopic('t', { partitions: 1 });
  const p = log.producer({ transactional: true });
  p.beginTransaction();
  await p.send('t', { key: null, value: 'gone' }, { partition: 0 });
  await p.abortTransaction();
  const c = log.consumer({ group: 'rc', topics: ['t'], isolation: 'read_committed' });
  assert.deepEqual(await c.poll(), []);
  assert.equal(c.position('t', 0), 2, 'past the aborted record and its marker');
  p.beginTransaction();
  await p.send('t', { key: null, value: 'kept' }, { partition: 0 });
  assert.deepEqual(await c.poll(), []);
  await p.commitTransaction();
  assert.deepEqual((await c.poll()).map((r) => r.value), ['kept']);
  await log.close();
});

test('a position deleted by retention resets to the log start', async () => {
  const log = await Log.open(tempDir(), { segmentBytes: 200, retentionCheckIntervalMs: 0 });
  await log.createTopic('t', { partitions: 1, retentionBytes: 300 });
  const c = log.consumer({ topics: ['t'] });
  for (let i = 0; i < 30; i++) await log.append('t', { value: `v${i}`.padEnd(30) }, { partition: 0 });
  log.applyRetention();
  const start = log.logStartOffset('t', 0);
  assert.ok(start > 0);
  const got = await c.poll();
  assert.equal(got[0]!.offset, start);
  await log.close();
});
