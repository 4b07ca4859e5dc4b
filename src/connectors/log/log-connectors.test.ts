import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import { Log } from '../../log/index.js';
import type { LogRecord } from '../../log/index.js';
import { WatermarkStrategies } from '../../runtime/watermarks.js';
import type { SourceBatch, SourceReader } from '../../runtime/source.js';
import type { SinkWriter } from '../../runtime/sink.js';
import { tumblingEventTimeWindows } from '../../windows/assigners.js';
import { logSink, logSource } from './index.js';

const roots: string[] = [];
process.on('exit', () => { for (const r of roots) fs.rmSync(r, { recursive: true, force: true }); });
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-logconn-'));
  roots.push(d);
  return d;
}

const quiet = { logger: () => undefined };

async function readCommitted(log: Log, topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (let p = 0; p < log.partitionCount(topic); p++) {
    let offset = log.logStartOffset(topic, p);
    for (;;) {
      const { records, nextOffset } = await log.read(topic, p, offset, 1000, { isolation: 'read_committed' });
      out.push(...records);
      if (nextOffset === offset) break;
      offset = nextOffset;
    }
  }
  return out;
}

async function drain<T>(reader: SourceReader<T>, max = 64): Promise<SourceBatch<T>[]> {
  const out: SourceBatch<T>[] = [];
  for (;;) {
    const b = await reader.poll(max);
    if (b === null) return out;
    out.push(b);
  }
}

const ctx = (subtaskIndex = 0, parallelism = 1) => ({ subtaskIndex, parallelism, signal: new AbortController().signal });

test('bounded round trip: log source -> map -> log sink, parallelism 2, aborted input never read', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, quiet);
  await log.createTopic('in', { partitions: 3 });
  await log.createTopic('out', { partitions: 2 });
  for (let i = 0; i < 300; i++) await log.append('in', { key: `k${i % 17}`, value: String(i), timestamp: 1_000 + i });
  const p = log.producer({ transactional: true });
  p.beginTransaction();
  await p.send('in', { key: 'k1', value: 'aborted' });
  await p.abortTransaction();
  await log.close();

  const env = StreamExecutionEnvironment.create({ parallelism: 2, name: 'roundtrip' });
  env.fromSource(logSource({ dir, topic: 'in', bounded: true }))
    .map((v) => ({ n: Number(v), sq: Number(v) * Number(v) }))
    .sinkTo(logSink({ dir, topic: 'out', key: (r) => String(r.n % 5), encode: (r) => `${r.n}:${r.sq}` }));
  await env.execute().done;

  const re = await Log.open(dir, quiet);
  const out = await readCommitted(re, 'out');
  assert.deepEqual(out.map((r) => r.value).sort(), Array.from({ length: 300 }, (_, i) => `${i}:${i * i}`).sort());
  for (const r of out) {
    assert.equal(r.partition, re.partitionFor('out', r.key), 'records go to the partition of their key');
    assert.equal(r.timestamp, 1_000 + Number(String(r.value).split(':')[0]), 'the source timestamp reaches the sink');
  }
  assert.equal(re.lastStableOffset('out', 0), re.logEndOffset('out', 0), 'no transaction left open');
  await re.close();
});

test('each partition has its own watermark: a partition read late is not late data', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, quiet);
  await log.createTopic('ev', { partitions: 2 });
  // Partition 0 runs 100 s ahead of partition 1; one reader reads all of partition 0 first.
  for (let i = 0; i < 200; i++) {
    await log.append('ev', { key: null, value: `a${i}`, timestamp: 100_000 + i * 100 }, { partition: 0 });
    await log.append('ev', { key: null, value: `b${i}`, timestamp: i * 100 }, { partition: 1 });
  }
  const env = StreamExecutionEnvironment.create({ parallelism: 1, batchSize: 4096 });
  const counts = env.fromSource(logSource({ log, topic: 'ev', bounded: true }), WatermarkStrategies.boundedOutOfOrderness<string>(0))
    .keyBy((v) => v[0]!)
    .window(tumblingEventTimeWindows(5_000))
    .aggregate<number, number, string>(
      { createAccumulator: () => 0, add: (_v, a) => a + 1, getResult: (a) => a, merge: (a, b) => a + b },
      { process: (key, _c, [n], out) => out.collect(`${key}:${n}`) },
    )
    .collect();
  const result = await env.execute().done;
  const total = counts.records.reduce((s, r) => s + Number(r.value.split(':')[1]), 0);
  const late = result.metrics.reduce((s, m) => s + (m.lateDropped ?? 0), 0);
  assert.equal(late, 0, 'no record of the lagging partition was dropped as late');
  assert.equal(total, 400);
  await log.close();
});

test('a reader resumes exactly from its snapshot position; startFrom and groups pick the start', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, quiet);
  await log.createTopic('t', { partitions: 4 });
  for (let i = 0; i < 400; i++) await log.append('t', { key: null, value: String(i), timestamp: 10_000 + i }, { partition: i % 4 });

  // Subtask 1 of 2 owns partitions 1 and 3.
  const src = logSource({ log, topic: 't', bounded: true });
  const first = src.createReader(ctx(1, 2));
  await first.open!();
  assert.deepEqual(first.splits!(), ['t/1', 't/3']);
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    const b = (await first.poll(40))!;
    assert.ok(b.split === 't/1' || b.split === 't/3');
    for (let j = 0; j < b.batch.values.length; j++) {
      const v = b.batch.values[j]!;
      assert.equal(`t/${Number(v) % 4}`, b.split, 'a batch holds records of its split only');
      assert.equal(b.batch.timestamps[j], 10_000 + Number(v));
      seen.push(v);
    }
  }
  const position = structuredClone(first.snapshotPosition!());
  await first.close!();
  const second = src.createReader(ctx(1, 2));
  await second.open!();
  second.restorePosition!(position);
  for (const b of await drain(second)) seen.push(...b.batch.values);
  await second.close!();
  const expected = Array.from({ length: 400 }, (_, i) => i).filter((i) => i % 4 === 1 || i % 4 === 3).map(String);
  assert.deepEqual(seen.sort(), expected.sort(), 'every record of the owned partitions once');

  const values = async (opts: Parameters<typeof logSource<string>>[0]) => {
    const r = logSource<string>(opts).createReader(ctx());
    await r.open!();
    const out = (await drain(r)).flatMap((b) => b.batch.values);
    r.snapshotPosition!();
    await r.close!();
    return out.map(Number).sort((a, b) => a - b);
  };
  assert.deepEqual(await values({ log, topic: 't', bounded: true, startFrom: 'latest' }), []);
  assert.deepEqual((await values({ log, topic: 't', bounded: true, startFrom: { timestamp: 10_390 } })), [390, 391, 392, 393, 394, 395, 396, 397, 398, 399]);
  assert.deepEqual(await values({ log, topic: 't', bounded: true, partitions: [2], startFrom: { offsets: { 2: 98 } } }), [394, 398]);
  // A group: the snapshot commits positions, the next reader of the group starts there.
  assert.equal((await values({ log, topic: 't', bounded: true, group: 'g' })).length, 400);
  await new Promise((r) => setTimeout(r, 50));
  await log.append('t', { key: null, value: '400' }, { partition: 0 });
  assert.deepEqual(await values({ log, topic: 't', bounded: true, group: 'g' }), [400]);
  assert.throws(() => logSource({ log, topic: 't', startFrom: 'middle' as 'latest' }), /startFrom must be/);
  await log.close();
});

test('an unbounded source waits for new records and stops on cancel', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, quiet);
  await log.createTopic('live', { partitions: 2 });
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const sink = env.fromSource(logSource({ log, topic: 'live' })).collect();
  const handle = env.execute();
  for (let i = 0; i < 50; i++) {
    await log.append('live', { key: `k${i}`, value: String(i) });
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 20));
  }
  const deadline = Date.now() + 5_000;
  while (sink.records.length < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(sink.records.map((r) => Number(r.value)).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  const t0 = Date.now();
  await handle.cancel();
  assert.ok(Date.now() - t0 < 1_000, 'cancel does not wait for new data');
  await log.close();
});

test('sink protocol: a prepared transaction survives a crash, is committed once by the restored writer, and leftovers are aborted', async () => {
  const dir = tempDir();
  const log = await Log.open(dir, quiet);
  await log.createTopic('out', { partitions: 2 });
  const sink = logSink<string>({ log, topic: 'out', key: (v) => v });
  const w = sink.createWriter({ subtaskIndex: 0, parallelism: 1 }) as Required<SinkWriter<string>>;
  await w.write({ values: ['a', 'b', 'c'], timestamps: [1, 2, 3] });
  const c1 = await w.preCommit(1);
  const state = structuredClone(w.snapshotState());
  await w.write({ values: ['d'], timestamps: [4] });
  const c2 = await w.preCommit(2); // checkpoint 2 never completes
  assert.ok(c1 && c2);
  assert.deepEqual(await readCommitted(log, 'out'), [], 'nothing visible before the commit');
  const crashed = tempDir();
  fs.cpSync(dir, crashed, { recursive: true });
  fs.rmSync(path.join(crashed, '.lock'));
  await w.commit([c1]); // the original process committed checkpoint 1 just before it died
  await log.close();

  const re = await Log.open(crashed, quiet);
  assert.equal(re.preparedTransactions().length, 2, 'both prepared transactions survived the crash');
  const w2 = logSink<string>({ log: re, topic: 'out', key: (v) => v }).createWriter({ subtaskIndex: 0, parallelism: 1 }) as Required<SinkWriter<string>>;
  w2.restoreState(state);
  await w2.commit([c1]);
  await w2.commit([c1]); // idempotent
  await w2.write({ values: ['e'], timestamps: [5] });
  await w2.finish();
  assert.deepEqual(re.preparedTransactions(), [], 'checkpoint 2\'s transaction was aborted');
  assert.deepEqual((await readCommitted(re, 'out')).map((r) => r.value).sort(), ['a', 'b', 'c', 'e']);
  for (let p = 0; p < 2; p++) assert.equal(re.lastStableOffset('out', p), re.logEndOffset('out', p));
  await w2.close();
  await re.close();
});

test('without checkpoints the sink commits at the end; a transaction past the timeout fails with a hint', async () => {
  const log = await Log.open(tempDir(), { ...quiet, transactionTimeoutMs: 30 });
  await log.createTopic('out', { partitions: 1 });
  const w = logSink<string>({ log, topic: 'out' }).createWriter({ subtaskIndex: 0, parallelism: 1 }) as Required<SinkWriter<string>>;
  await w.write({ values: ['x'], timestamps: [Number.NEGATIVE_INFINITY] });
  await new Promise((r) => setTimeout(r, 120));
  await assert.rejects(async () => w.finish(), (err: Error & { hint?: string }) =>
    /no open transaction/.test(err.message) && /transactionTimeoutMs: enable checkpointing/.test(err.hint ?? ''));
  await w.close();
  const alo = logSink<string>({ log, topic: 'out', deliveryGuarantee: 'at-least-once' }).createWriter({ subtaskIndex: 0, parallelism: 1 }) as Required<SinkWriter<string>>;
  await alo.write({ values: ['y'], timestamps: [7] });
  assert.equal(await alo.preCommit(1), undefined);
  assert.deepEqual((await readCommitted(log, 'out')).map((r) => r.value), ['y'], 'at-least-once records are visible once durable');
  await alo.close();
  assert.throws(() => logSink({ dir: '', topic: 'x' }).createWriter({ subtaskIndex: 0, parallelism: 1 }), /needs dir/);
  await log.close();
});

test('a log directory is refused on a worker thread, where the process lock cannot protect it', async () => {
  const { Worker } = await import('node:worker_threads');
  const url = new URL('./shared-log.js', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(url)}).then((m) => { try { m.leaseLog({ dir: ${JSON.stringify(tempDir())} }, 'log:t'); require('node:worker_threads').parentPort.postMessage('opened'); } catch (e) { require('node:worker_threads').parentPort.postMessage(String(e.message)); } });`,
    { eval: true },
  );
  const message = await new Promise<string>((resolve) => worker.once('message', resolve));
  await worker.terminate();
  assert.match(message, /cannot be opened on a worker thread/);
});
