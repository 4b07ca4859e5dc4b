/**
 * Child process for the kill tests (crash.test.ts): appends with fsync 'always' until it is
 * SIGKILLed, printing one line per acknowledgement. Not part of the public API.
 *
 *   node crash-producer.js DIR idempotent START_BATCH   -> "ack BATCH OFFSET"
 *   node crash-producer.js DIR txn RUN                  -> "commit RUN TXN" / "abort RUN TXN"
 *
 * Idempotent mode writes batch k as records r(3k), r(3k+1), r(3k+2) with base sequence 3k to
 * crash/0, four batches in flight, so a restart resends batches that may already be on disk.
 */
import { writeSync } from 'node:fs';
import { Log } from '../log.js';

export const BATCH = 3;

function say(line: string): void {
  writeSync(1, line + '\n');
}

async function idempotent(dir: string, startBatch: number): Promise<void> {
  const log = await Log.open(dir, { fsync: 'always', segmentBytes: 4096 });
  await log.createTopic('crash', { partitions: 1 }, { ifNotExists: true });
  const inFlight = new Set<Promise<void>>();
  for (let k = startBatch; ; k++) {
    const records = [];
    for (let i = 0; i < BATCH; i++) records.push({ key: `k${k}`, value: `r${BATCH * k + i}` });
    const p: Promise<void> = log.appendBatch('crash', 0, records, { producerId: 1, baseSequence: BATCH * k })
      .then((res) => say(`ack ${k} ${res.baseOffset}`))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
}

async function transactional(dir: string, run: number): Promise<void> {
  const log = await Log.open(dir, { fsync: 'always', segmentBytes: 4096, logger: () => undefined });
  await log.createTopic('tx', { partitions: 2 }, { ifNotExists: true });
  const producer = log.producer({ producerId: 2, transactional: true });
  for (let t = 0; ; t++) {
    producer.beginTransaction();
    const a = producer.send('tx', [{ key: null, value: `run${run}-t${t}-0` }, { key: null, value: `run${run}-t${t}-1` }], { partition: 0 });
    const b = producer.send('tx', { key: null, value: `run${run}-t${t}-2` }, { partition: 1 });
    await Promise.all([a, b]);
    // Every third transaction is aborted: a read-committed reader must never see it.
    if (t % 3 === 2) {
      await producer.abortTransaction();
      say(`abort ${run} ${t}`);
    } else {
      await producer.commitTransaction();
      say(`commit ${run} ${t}`);
    }
    // Non-transactional traffic in between, so the last stable offset has to hold it back too.
    await log.append('tx', { key: null, value: `run${run}-plain${t}` }, { partition: t % 2 });
  }
}

const [dir, mode, arg] = process.argv.slice(2);
if (!dir || !mode || arg === undefined) {
  console.error('usage: crash-producer DIR idempotent START_BATCH | DIR txn RUN');
  process.exit(2);
}
const run = mode === 'txn' ? transactional(dir, Number(arg)) : idempotent(dir, Number(arg));
run.catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
