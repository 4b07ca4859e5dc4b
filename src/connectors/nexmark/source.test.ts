import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import { UserError } from '../../core/errors.js';
import { NexmarkGenerator, writeNexmarkFile, type NexmarkEvent } from '../../nexmark/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectors, resolveConnector } from '../registry.js';
import { LatencyHistogram, wallClockMs } from './latency-histogram.js';
import { latencySink } from './latency-sink.js';
import { nexmarkFileSource } from './file-source.js';
import { nexmarkSource, nexmarkWatermarks, type TimedNexmarkEvent } from './source.js';
import type { SourceReader } from '../../runtime/source.js';

/** A stable text of an event without its emission time. */
function signature(e: NexmarkEvent): string {
  const { emittedAt: _t, ...rest } = e as TimedNexmarkEvent;
  return JSON.stringify(rest);
}

async function readAll<T>(reader: SourceReader<T>, max = 100): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const b = await reader.poll(max);
    if (b === null) return out;
    out.push(...b.batch.values);
  }
}

const signal = new AbortController().signal;

test('parallelism 1 and 3 read the same multiset of events, each with its generator event time', async () => {
  const run = async (p: number): Promise<string[]> => {
    const env = StreamExecutionEnvironment.create({ parallelism: p, batchSize: 64 });
    env.fromSource(nexmarkSource({ seed: 7, numEvents: 1000 }), nexmarkWatermarks()).collect('out');
    const job = env.execute();
    await job.done;
    const got = job.collected<TimedNexmarkEvent>('out');
    for (const r of got) assert.equal(r.timestamp, r.value.dateTime);
    return got.map((r) => signature(r.value)).sort();
  };
  const one = await run(1);
  const three = await run(3);
  assert.equal(one.length, 1000);
  assert.deepEqual(three, one);
  const expected = new NexmarkGenerator({ seed: 7, numEvents: 1000 }).generateBatch(0, 1000).map(signature).sort();
  assert.deepEqual(one, expected);
});

test('a reader restored from a checkpointed position continues exactly where it stood', async () => {
  const source = nexmarkSource({ seed: 3, numEvents: 500 });
  const ctx = { subtaskIndex: 1, parallelism: 2, signal };
  const whole = (await readAll(source.createReader(ctx), 37)).map(signature);
  assert.equal(whole.length, 250);

  const first = source.createReader(ctx);
  const head: TimedNexmarkEvent[] = [];
  for (let i = 0; i < 3; i++) head.push(...(await first.poll(37))!.batch.values);
  const position = JSON.parse(JSON.stringify(first.snapshotPosition!())) as unknown;
  const second = source.createReader(ctx);
  second.restorePosition!(position);
  const tail = await readAll(second, 37);
  assert.deepEqual([...head, ...tail].map(signature), whole);
  assert.throws(() => source.createReader({ subtaskIndex: 0, parallelism: 2, signal }).restorePosition!(position), UserError);
});

test('ratePerSecond throttles the source on wall-clock time', async () => {
  const reader = nexmarkSource({ seed: 1, numEvents: 300, ratePerSecond: 1000 }).createReader({ subtaskIndex: 0, parallelism: 1, signal });
  const t0 = performance.now();
  const events = await readAll(reader, 1000);
  const elapsed = performance.now() - t0;
  assert.equal(events.length, 300);
  // 300 events at 1000/s take ~300 ms; an unthrottled reader needs a few ms.
  assert.ok(elapsed >= 250, `finished after ${elapsed.toFixed(0)} ms, too fast for 1000 events/s`);
  assert.ok(elapsed < 5000, `took ${elapsed.toFixed(0)} ms`);
});

test('events carry the wall-clock time the source emitted them', async () => {
  const before = wallClockMs();
  const b = await nexmarkSource({ seed: 1, numEvents: 10 }).createReader({ subtaskIndex: 0, parallelism: 1, signal }).poll(10);
  const after = wallClockMs();
  assert.equal(b!.batch.values.length, 10);
  for (const e of b!.batch.values) assert.ok(e.emittedAt >= before && e.emittedAt <= after);
});

test('bad options fail when the source is defined', () => {
  assert.throws(() => nexmarkSource({ ratePerSecond: -1 }), /ratePerSecond/);
  assert.throws(() => nexmarkSource({ numEvents: -5 }), /numEvents/);
});

test('the file source reads what writeNexmarkFile wrote, split over readers and restorable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-nexmark-'));
  try {
    const path = join(dir, 'events.ndjson');
    await writeNexmarkFile(path, { seed: 5, numEvents: 400 });
    const expected = new NexmarkGenerator({ seed: 5, numEvents: 400 }).generateBatch(0, 400).map(signature);
    const source = nexmarkFileSource(path);
    const one = (await readAll(source.createReader({ subtaskIndex: 0, parallelism: 1, signal }))).map(signature);
    assert.deepEqual(one, expected);
    const parts = await Promise.all([0, 1, 2].map((i) => readAll(source.createReader({ subtaskIndex: i, parallelism: 3, signal }))));
    assert.deepEqual(parts.flat().map(signature).sort(), [...expected].sort());

    const r = source.createReader({ subtaskIndex: 0, parallelism: 1, signal });
    r.open?.();
    const head = (await r.poll(150))!.batch.values;
    const pos = r.snapshotPosition!();
    const r2 = source.createReader({ subtaskIndex: 0, parallelism: 1, signal });
    r2.open?.();
    r2.restorePosition!(pos);
    const tail = await readAll(r2);
    assert.deepEqual([...head, ...tail].map(signature), expected);
    assert.throws(() => nexmarkFileSource(join(dir, 'missing.ndjson')), UserError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the latency histogram keeps percentiles within its bucket width', () => {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) h.recordMs(i / 10);
  assert.equal(h.count(), 1000);
  const p50 = h.percentileMs(50);
  const p99 = h.percentileMs(99);
  assert.ok(Math.abs(p50 - 50) / 50 < 0.04, `p50 ${p50}`);
  assert.ok(Math.abs(p99 - 99) / 99 < 0.04, `p99 ${p99}`);
  assert.ok(Number.isNaN(new LatencyHistogram().percentileMs(50)));
  // Each power of two has its own buckets, below and above the 2^31 µs where the integer path ends.
  for (const ms of [0.04, 0.5, 3, 777, 2_000_000, 3_000_000, 5e7]) {
    const one = new LatencyHistogram();
    one.recordMs(ms);
    assert.ok(Math.abs(one.percentileMs(50) - ms) / ms < 0.04, `${ms} ms read back as ${one.percentileMs(50)}`);
  }
  const shared = LatencyHistogram.sharedBuffer(2);
  new LatencyHistogram(shared, 0).recordMs(1);
  new LatencyHistogram(shared, 1).recordMs(1000);
  const merged = LatencyHistogram.mergeSlices(shared);
  assert.equal(merged.count(), 2);
  assert.ok(merged.percentileMs(100) > 900);
});

test('the latency sink counts every record of every subtask', async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const sink = latencySink<TimedNexmarkEvent>({ emittedAt: (e) => e.emittedAt, buffer: LatencyHistogram.sharedBuffer(2) });
  env.fromSource(nexmarkSource({ seed: 2, numEvents: 500 }), nexmarkWatermarks()).sinkTo(sink);
  await env.execute().done;
  const h = sink.histogram();
  assert.equal(h.count(), 500);
  assert.ok(h.percentileMs(99) >= 0 && h.percentileMs(99) < 60_000);
});

test("SQL's 'connector' = 'nexmark' is registered with Flink's option names", async () => {
  assert.ok(connectors.has('nexmark'));
  const { connector, options } = resolveConnector('nexmark', new Map([['connector', 'nexmark'], ['events.num', '100'], ['seed', '9'], ['bid.avg-size', '1kb']]));
  assert.equal(connector.isBounded!(options), true);
  assert.throws(() => resolveConnector('t', new Map([['connector', 'nexmark'], ['events', '1']])), /unsupported option 'events'/);
  const varchar = { kind: 'VARCHAR' as const, nullable: true };
  const bigint = { kind: 'BIGINT' as const, nullable: true };
  const source = connector.createSource!({
    table: 'nexmark', options,
    columns: [
      { name: 'event_type', type: { kind: 'INT', nullable: true } },
      { name: 'bid', type: { kind: 'ROW', nullable: true, fields: [{ name: 'auction', type: bigint }, { name: 'channel', type: varchar }] } },
      { name: 'dateTime', type: { kind: 'TIMESTAMP', nullable: true, precision: 3 } },
    ],
  });
  const rows = await readAll(source.createReader({ subtaskIndex: 0, parallelism: 1, signal }));
  assert.equal(rows.length, 100);
  const gen = new NexmarkGenerator({ seed: 9, numEvents: 100, avgBidByteSize: 1024, firstEventRate: 10_000 });
  for (let i = 0; i < 100; i++) {
    const e = gen.eventAt(i);
    assert.deepEqual(rows[i], [e.event_type, e.bid === null ? null : [e.bid.auction, e.bid.channel], e.dateTime]);
  }
  assert.throws(() => connector.createSource!({ table: 'n', options, columns: [{ name: 'nope', type: bigint }] }), /no column "nope"/);
});
