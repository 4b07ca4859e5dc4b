import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Log } from './log.js';
import { captureLogger, copyDir, readAll, tempDir } from './testing/helpers.js';

const committed = async (log: Log, topic: string, p: number) => (await readAll(log, topic, p, 'read_committed')).map((r) => r.value);

test('a prepared transaction survives a crash copy and a clean reopen, and a later process commits it once', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, { logger: () => undefined });
  await log.createTopic('out', { partitions: 2 });
  const p = log.producer({ transactional: true });
  p.beginTransaction();
  await p.send('out', { key: null, value: 'a' }, { partition: 0 });
  await p.send('out', { key: null, value: 'b' }, { partition: 1 });
  const prepared = await p.prepareTransaction({ owner: 'sink-0', txnId: 't-1' });
  assert.deepEqual(prepared.partitions.map((tp) => tp.partition).sort(), [0, 1]);
  assert.deepEqual(await committed(log, 'out', 0), []);
  assert.throws(() => p.beginTransaction(), /prepared transaction/);
  assert.throws(() => log.producer({ producerId: p.producerId, transactional: true }), /prepared transaction t-1/);

  // The disk as a SIGKILL now would leave it: the transaction stays prepared, not aborted.
  const crashed = tempDir();
  copyDir(dir, crashed);
  const { lines, logger } = captureLogger();
  const re = await Log.open(crashed, { logger });
  assert.ok(lines.some((l) => /kept the prepared transaction t-1/.test(l)), lines.join('\n'));
  assert.equal(re.lastStableOffset('out', 0), 0, 'read_committed readers still wait for it');
  assert.deepEqual(re.preparedTransactions('sink-0').map((t) => t.txnId), ['t-1']);
  assert.deepEqual(re.preparedTransactions('other'), []);
  assert.equal(await re.commitPrepared({ producerId: prepared.producerId, txnId: 't-1' }), true);
  assert.equal(await re.commitPrepared(prepared), false, 'committing again is a no-op');
  assert.deepEqual(await committed(re, 'out', 0), ['a']);
  assert.deepEqual(await committed(re, 'out', 1), ['b']);
  await re.close();
  // The outcome is remembered across a reopen: still a no-op, still visible once.
  const re2 = await Log.open(crashed, { logger: () => undefined });
  assert.equal(await re2.commitPrepared(prepared), false);
  assert.deepEqual(await committed(re2, 'out', 0), ['a']);
  await re2.close();

  // A crash after the abort decision of a prepared transaction but before its markers: reopen aborts it.
  const deciding = tempDir();
  copyDir(dir, deciding);
  fs.appendFileSync(path.join(deciding, 'transactions.log'),
    JSON.stringify({ pid: prepared.producerId, state: 'prepare_abort', partitions: prepared.partitions, txnId: 't-1' }) + '\n');
  const re3 = await Log.open(deciding, { logger: () => undefined });
  assert.deepEqual(re3.preparedTransactions(), []);
  assert.equal(re3.lastStableOffset('out', 1), re3.logEndOffset('out', 1));
  assert.deepEqual(await committed(re3, 'out', 1), []);
  await assert.rejects(re3.commitPrepared(prepared), /was aborted/);
  await re3.close();

  // close() leaves prepared transactions alone (only open ones are aborted).
  await log.close();
  const again = await Log.open(dir, { logger: () => undefined });
  assert.deepEqual(again.preparedTransactions().map((t) => t.txnId), ['t-1']);
  assert.equal(await again.abortPrepared(prepared), true);
  await assert.rejects(again.commitPrepared(prepared), /was aborted before it could be committed/);
  assert.deepEqual(await committed(again, 'out', 0), []);
  assert.equal(again.lastStableOffset('out', 0), again.logEndOffset('out', 0));
  // The producer id is free again once its transaction is decided.
  const q = again.producer({ producerId: prepared.producerId, transactional: true });
  q.beginTransaction();
  await q.send('out', { key: null, value: 'c' }, { partition: 0 });
  await q.commitTransaction();
  assert.deepEqual(await committed(again, 'out', 0), ['c']);
  await again.close();
});

test('a commit of an older transaction id never commits a newer prepared transaction of the same producer', async () => {
  const log = await Log.open(tempDir(), { logger: () => undefined });
  await log.createTopic('out', { partitions: 1 });
  const p = log.producer({ transactional: true });
  p.beginTransaction();
  await p.send('out', { key: null, value: 'old' }, { partition: 0 });
  const old = await p.prepareTransaction({ owner: 'o', txnId: 'x-1' });
  await log.commitPrepared(old);
  p.beginTransaction();
  await p.send('out', { key: null, value: 'new' }, { partition: 0 });
  await p.prepareTransaction({ owner: 'o', txnId: 'x-2' });
  assert.equal(await log.commitPrepared(old), false);
  assert.deepEqual(await committed(log, 'out', 0), ['old']);
  await log.close();
});

test('prepared transactions expire after preparedTransactionTimeoutMs, not transactionTimeoutMs', async () => {
  const dir = tempDir();
  let now = 1_000;
  const log = await Log.open(dir, { logger: () => undefined, preparedTransactionTimeoutMs: 500, transactionTimeoutMs: 40, now: () => now });
  await log.createTopic('out', { partitions: 1 });
  const p = log.producer({ transactional: true });
  p.beginTransaction();
  await p.send('out', { key: null, value: 'x' }, { partition: 0 });
  const prepared = await p.prepareTransaction({ owner: 'o', txnId: 'e-1' });
  now += 100; // past the open-transaction timeout: a prepared one is not affected
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(log.preparedTransactions().map((t) => t.txnId), ['e-1']);
  now += 1_000;
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(log.preparedTransactions(), []);
  await assert.rejects(log.commitPrepared(prepared), /aborted before it could be committed/);
  assert.deepEqual(await committed(log, 'out', 0), []);
  await log.close();
});
