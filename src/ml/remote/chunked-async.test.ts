import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Batch } from '../../core/batch.js';
import type { Output, StreamOperator } from '../../operators/operator.js';
import { chunkedAsyncOperator } from './chunked-async.js';

/** Doubles values after a delay chosen per chunk; counts chunks in flight; throws on a chunk starting with `failAt`. */
function slowDoubler(delay: (first: number) => number, failAt?: number) {
  const seen = { inFlight: 0, maxInFlight: 0, started: [] as number[] };
  const op: StreamOperator<number, number> = {
    name: 'slow-doubler',
    async processBatch(batch: Batch<number>, out: Output<number>) {
      const first = batch.values[0]!;
      seen.started.push(first);
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      await new Promise((r) => setTimeout(r, delay(first)));
      seen.inFlight--;
      if (first === failAt) throw new Error(`chunk ${first} failed`);
      out.emitBatch({ values: batch.values.map((v) => v * 2), timestamps: batch.timestamps });
    },
  };
  return { op, seen };
}

function collector(): { out: Output<number>; values: number[]; timestamps: number[] } {
  const values: number[] = [];
  const timestamps: number[] = [];
  const out: Output<number> = {
    emit: (v, t) => { values.push(v); timestamps.push(t); },
    emitBatch: (b) => { values.push(...b.values); timestamps.push(...b.timestamps); },
    emitSide: () => {},
    emitWatermark: () => {},
  };
  return { out, values, timestamps };
}

const input = (n: number): Batch<number> => ({ values: Array.from({ length: n }, (_, i) => i), timestamps: Array.from({ length: n }, (_, i) => 1000 + i) });

test('ordered: chunks overlap up to maxInFlight and leave in input order with their timestamps', async () => {
  const { op, seen } = slowDoubler((first) => (first === 0 ? 60 : 5));
  const c = collector();
  await chunkedAsyncOperator(op, { chunkRows: 4, maxInFlight: 3 }).processBatch(input(20), c.out);
  assert.deepEqual(c.values, input(20).values.map((v) => v * 2));
  assert.deepEqual(c.timestamps, input(20).timestamps);
  assert.equal(seen.maxInFlight, 3);
});

test('unordered: a slow chunk leaves after the chunks that finished before it', async () => {
  const { op } = slowDoubler((first) => (first === 0 ? 80 : 2));
  const c = collector();
  await chunkedAsyncOperator(op, { chunkRows: 4, maxInFlight: 2, ordered: false }).processBatch(input(12), c.out);
  assert.deepEqual(c.values, [8, 10, 12, 14, 16, 18, 20, 22, 0, 2, 4, 6]);
});

test('a small batch goes to the inner operator whole', async () => {
  const { op, seen } = slowDoubler(() => 1);
  const c = collector();
  await chunkedAsyncOperator(op, { chunkRows: 8, maxInFlight: 2 }).processBatch(input(8), c.out);
  assert.deepEqual(seen.started, [0]);
  assert.equal(c.values.length, 8);
});

test('a failing chunk fails the batch after those in flight finish, and no further chunk starts', async () => {
  const { op, seen } = slowDoubler((first) => (first === 4 ? 5 : 30), 4);
  const c = collector();
  const chunked = chunkedAsyncOperator(op, { chunkRows: 4, maxInFlight: 2 });
  await assert.rejects(async () => { await chunked.processBatch(input(40), c.out); }, /chunk 4 failed/);
  assert.deepEqual(seen.started, [0, 4]);
  assert.equal(seen.inFlight, 0, 'the chunk in flight was waited for');
});
