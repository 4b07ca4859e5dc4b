import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../core/errors.js';
import { Log } from './log.js';
import { readAll, tempDir } from './testing/helpers.js';

const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: 'k', value: `v${from + i}` }));

test('a retried batch with sequences already written is acknowledged, not written twice, also after reopen', async () => {
  const dir = tempDir();
  let log = await Log.open(dir, { segmentBytes: 300 });
  await log.createTopic('t', { partitions: 1 });
  const meta = (seq: number) => ({ producerId: 9, baseSequence: seq });
  const first = await log.appendBatch('t', 0, batch(0, 3), meta(0));
  assert.deepEqual([first.baseOffset, first.lastOffset, first.duplicate], [0, 2, false]);
  await log.append('t', { value: 'plain' }, { partition: 0 });
  const second = await log.appendBatch('t', 0, batch(3, 2), meta(3));
  assert.equal(second.baseOffset, 4);

  const retry1 = await log.appendBatch('t', 0, batch(0, 3), meta(0));
  assert.deepEqual([retry1.baseOffset, retry1.lastOffset, retry1.duplicate], [0, 2, true]);
  assert.equal(log.logEndOffset('t', 0), 6);
  await log.close();

  // Producer state is rebuilt from the log (segments rolled at 300 bytes, so via the snapshot too).
  log = await Log.open(dir, { segmentBytes: 300 });
  const retry2 = await log.appendBatch('t', 0, batch(3, 2), meta(3));
  assert.deepEqual([retry2.baseOffset, retry2.duplicate], [4, true]);
  assert.equal(log.logEndOffset('t', 0), 6);
  // A gap in the sequence is refused; the next one in line is written.
  await assert.rejects(log.appendBatch('t', 0, batch(9, 1), meta(9)), /expected 5/);
  const third = await log.appendBatch('t', 0, batch(5, 1), meta(5));
  assert.deepEqual([third.baseOffset, third.duplicate], [6, false]);
  // Part of an old batch cannot be matched to its offsets: refused rather than written again.
  await assert.rejects(log.appendBatch('t', 0, batch(1, 1), meta(1)), UserError);
  assert.deepEqual((await readAll(log, 't', 0)).map((r) => r.value), ['v0', 'v1', 'v2', 'plain', 'v3', 'v4', 'v5']);
  await log.close();
});

test('state is rebuilt by a full scan when the snapshot is missing', async () => {
  const dir = tempDir();
  let log = await Log.open(dir, { segmentBytes: 200 });
  await log.createTopic('t', { partitions: 1 });
  for (let s = 0; s < 10; s++) await log.appendBatch('t', 0, batch(s, 1), { producerId: 3, baseSequence: s });
  await log.close();
  const { readdirSync, rmSync } = await import('node:fs');
  const pdir = `${dir}/topics/t/0`;
  for (const f of readdirSync(pdir)) if (f.endsWith('.snapshot')) rmSync(`${pdir}/${f}`);
  log = await Log.open(dir, { segmentBytes: 200 });
  assert.equal((await log.appendBatch('t', 0, batch(9, 1), { producerId: 3, baseSequence: 9 })).duplicate, true);
  assert.equal(log.logEndOffset('t', 0), 10);
  await log.close();
});

test('a resumed Producer continues its sequences from the log', async () => {
  const dir = tempDir();
  let log = await Log.open(dir);
  await log.createTopic('t', { partitions: 2 });
  const p1 = log.producer();
  await p1.send('t', [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }]);
  const id = p1.producerId;
  await log.close();
  log = await Log.open(dir);
  const p2 = log.producer({ producerId: id });
  const pa = log.partitionFor('t', 'a');
  assert.ok(p2.nextSequence('t', pa) >= 1);
  await p2.send('t', { key: 'a', value: '4' });
  const values = [...(await readAll(log, 't', 0)), ...(await readAll(log, 't', 1))].map((r) => r.value).sort();
  assert.deepEqual(values, ['1', '2', '3', '4']);
  // New producers get fresh ids.
  assert.notEqual(log.producer().producerId, id);
  await log.close();
});
