import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Log } from './log.js';
import { captureLogger, copyDir, readAll, tempDir } from './testing/helpers.js';

const values = async (log: Log, topic: string, p: number, iso: 'read_committed' | 'read_uncommitted') =>
  (await readAll(log, topic, p, iso)).map((r) => r.value);

test('read_committed sees a transaction only after its commit marker; read_uncommitted sees it at once', async () => {
  const log = await Log.open(tempDir());
  await log.createTopic('a', { partitions: 1 });
  await log.createTopic('b', { partitions: 1 });
  await log.append('a', { value: 'before' }, { partition: 0 });
  const p = log.producer({ transactional: true });
  p.beginTransaction();
  await p.send('a', [{ key: null, value: 'tx-a1' }, { key: null, value: 'tx-a2' }], { partition: 0 });
  await p.send('b', { key: null, value: 'tx-b1' }, { partition: 0 });
  await log.append('a', { value: 'plain-after' }, { partition: 0 });

  assert.deepEqual(await values(log, 'a', 0, 'read_committed'), ['before']);
  assert.deepEqual(await values(log, 'b', 0, 'read_committed'), []);
  assert.equal(log.lastStableOffset('a', 0), 1, 'the LSO stops at the first offset of the open transaction');
  assert.deepEqual(await values(log, 'a', 0, 'read_uncommitted'), ['before', 'tx-a1', 'tx-a2', 'plain-after']);

  await p.commitTransaction();
  assert.deepEqual(await values(log, 'a', 0, 'read_committed'), ['before', 'tx-a1', 'tx-a2', 'plain-after']);
  assert.deepEqual(await values(log, 'b', 0, 'read_committed'), ['tx-b1']);
  assert.equal(log.lastStableOffset('a', 0), log.logEndOffset('a', 0));
  await log.close();
});

test('aborted transactions are never visible to read_committed, always to read_uncommitted', async () => {
  const dir = tempDir();
  let log = await Log.open(dir);
  await log.createTopic('a', { partitions: 1 });
  const p = log.producer({ transactional: true });
  p.beginTransaction();
  await p.send('a', { key: null, value: 'keep-1' }, { partition: 0 });
  await p.commitTransaction();
  p.beginTransaction();
  await p.send('a', { key: null, value: 'drop-1' }, { partition: 0 });
  await p.abortTransaction();
  p.beginTransaction();
  await p.send('a', { key: null, value: 'keep-2' }, { partition: 0 });
  await p.commitTransaction();
  const check = async () => {
    assert.deepEqual(await values(log, 'a', 0, 'read_committed'), ['keep-1', 'keep-2']);
    assert.deepEqual(await values(log, 'a', 0, 'read_uncommitted'), ['keep-1', 'drop-1', 'keep-2']);
  };
  await check();
  await log.close();
  log = await Log.open(dir);
  await check();
  await assert.rejects(log.appendBatch('a', 0, [{ value: 'x' }], { producerId: 77, transactional: true }), /without an open transaction/);
  await log.close();
});

test('a transaction left open by a crash is aborted on reopen; a decided commit is finished', async () => {
  const dir = tempDir();
  const log = await Log.open(dir);
  await log.createTopic('a', { partitions: 2 });
  const p = log.producer({ transactional: true });
  p.beginTransaction();
  await p.send('a', { key: null, value: 'open-0' }, { partition: 0 });
  await p.send('a', { key: null, value: 'open-1' }, { partition: 1 });
  const crashed = tempDir();
  copyDir(dir, crashed); // the disk as a SIGKILL right now would leave it

  const { lines, logger } = captureLogger();
  const re = await Log.open(crashed, { logger });
  assert.deepEqual(await values(re, 'a', 0, 'read_committed'), []);
  assert.equal(re.lastStableOffset('a', 0), re.logEndOffset('a', 0));
  assert.equal(lines.filter((l) => /aborted the transaction of producer/.test(l)).length, 2);
  await re.append('a', { value: 'later' }, { partition: 0 });
  assert.deepEqual(await values(re, 'a', 0, 'read_committed'), ['later']);
  await re.close();

  // Crash after the commit decision but before any marker: reopen commits on both partitions.
  const decided = tempDir();
  copyDir(dir, decided);
  fs.appendFileSync(path.join(decided, 'transactions.log'),
    JSON.stringify({ pid: p.producerId, state: 'prepare_commit', partitions: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }] }) + '\n');
  const re2 = await Log.open(decided, { logger: () => undefined });
  assert.deepEqual(await values(re2, 'a', 0, 'read_committed'), ['open-0']);
  assert.deepEqual(await values(re2, 'a', 1, 'read_committed'), ['open-1']);
  await re2.close();

  await p.abortTransaction();
  await log.close();
});

test('a transaction open longer than transactionTimeoutMs is aborted and its producer told so', async () => {
  const { lines, logger } = captureLogger();
  const log = await Log.open(tempDir(), { transactionTimeoutMs: 40, logger });
  await log.createTopic('a', { partitions: 1 });
  const p = log.producer({ transactional: true });
  p.beginTransaction();
  await p.send('a', { key: null, value: 'slow' }, { partition: 0 });
  assert.equal(log.lastStableOffset('a', 0), 0);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(log.lastStableOffset('a', 0), log.logEndOffset('a', 0));
  assert.ok(lines.some((l) => /open for more than 40 ms/.test(l)));
  await assert.rejects(p.send('a', { key: null, value: 'too late' }, { partition: 0 }), /no open transaction/);
  assert.deepEqual(await values(log, 'a', 0, 'read_committed'), []);
  // The producer can start over.
  p.beginTransaction();
  await p.send('a', { key: null, value: 'fast' }, { partition: 0 });
  await p.commitTransaction();
  assert.deepEqual(await values(log, 'a', 0, 'read_committed'), ['fast']);
  await log.close();
});

test('transactional producers refuse sends outside a transaction', async () => {
  const log = await Log.open(tempDir());
  await log.createTopic('a', { partitions: 1 });
  const p = log.producer({ transactional: true });
  await assert.rejects(p.send('a', { value: 'x' }), /outside a transaction/);
  assert.throws(() => log.producer().beginTransaction(), /not transactional/);
  await log.close();
});

test('a commit after a failed send aborts the whole transaction', async () => {
  const log = await Log.open(tempDir());
  await log.createTopic('a', { partitions: 2 });
  const p = log.producer({ transactional: true });
  p.beginTransaction();
  await p.send('a', { key: null, value: 'ok' }, { partition: 0 });
  await assert.rejects(p.send('a', { key: null, value: 42 as unknown as string }, { partition: 1 }), /value must be a string/);
  await assert.rejects(p.commitTransaction(), /aborted because one of its sends failed/);
  assert.deepEqual(await values(log, 'a', 0, 'read_committed'), []);
  assert.equal(log.lastStableOffset('a', 0), log.logEndOffset('a', 0));
  await log.close();
});
