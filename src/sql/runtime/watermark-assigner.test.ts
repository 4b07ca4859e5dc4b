import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Output } from '../../operators/operator.js';
import type { Row } from '../../connectors/registry.js';
import { watermarkAssigner, type WatermarkShape } from './watermark-assigner.js';

type Event = ['rows', Row[], number[]] | ['wm', number];

function record(): { out: Output<Row>; events: Event[] } {
  const events: Event[] = [];
  const out: Output<Row> = {
    emit: (v, t) => events.push(['rows', [v], [t]]),
    emitBatch: (b) => events.push(['rows', [...b.values], [...b.timestamps]]),
    emitSide: () => {},
    emitWatermark: (w) => events.push(['wm', w]),
  };
  return { out, events };
}

// Out of order: the row at 1000 comes after the watermark 3000 - 1500 passed it, so it must follow that watermark.
const BATCHES: Row[][] = [[[2000], [3000], [2500], [1000], [4000]], [[4000], [3900], [9000]]];

function run(shape?: WatermarkShape, batches = BATCHES): { events: Event[]; calls: number } {
  let calls = 0;
  const op = watermarkAssigner('t', 0, 'ts', (row) => { calls++; return (row[0] as number) - 1500; }, shape);
  const { out, events } = record();
  for (const rows of batches) void op.processBatch({ values: rows, timestamps: rows.map(() => 0) }, out);
  return { events, calls };
}

test('rows go on in runs between watermarks, a watermark right before the first row at or below it', () => {
  const { events } = run();
  assert.deepEqual(events, [
    ['rows', [[2000], [3000], [2500]], [2000, 3000, 2500]],
    ['wm', 1500],
    ['rows', [[1000], [4000]], [1000, 4000]],
    ['wm', 2500],
    ['rows', [[4000], [3900], [9000]], [4000, 3900, 9000]],
    ['wm', 7500],
  ]);
});

test('a monotone watermark expression gives the same output, evaluated only on rows that raise the rowtime', () => {
  const plain = run();
  const monotone = run('monotone');
  assert.deepEqual(monotone.events, plain.events);
  assert.equal(plain.calls, 8);
  assert.equal(monotone.calls, 4);
});

test('a lagging watermark expression gives the same output, evaluated only when a row might be late or a batch ends', () => {
  const lagging = run('lagging');
  assert.deepEqual(lagging.events, run().events);
  assert.equal(lagging.calls, 3);
  // Rows in order, several at one time: evaluated when a time repeats (such a row could be late) and at
  // a batch's end, not on each of the 7 rows.
  const inOrder: Row[][] = [[[1000], [2000], [2000], [3000]], [[3000], [5000], [5000]]];
  const r = run('lagging', inOrder);
  assert.deepEqual(r.events, run(undefined, inOrder).events);
  assert.equal(r.calls, 3);
});

/**
 * 200 random inputs of 1–4 batches of up to 7 rows. Times move in steps of 500 ms, so rows also land
 * exactly on a watermark (at it counts as late); about one row in five is out of order.
 */
function randomRounds(seed: number): Row[][][] {
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: 200 }, () => {
    let t = 10_000;
    return Array.from({ length: 1 + Math.floor(next() * 4) }, () => Array.from({ length: Math.floor(next() * 8) }, (): Row => {
      t += (Math.floor(next() * 4) - 1) * 500;
      return [next() < 0.2 ? t - Math.floor(next() * 8) * 500 : t];
    }));
  });
}

test('every shape agrees with the plain evaluation on random batches', () => {
  randomRounds(7).forEach((batches, round) => {
    const plain = run(undefined, batches).events;
    assert.deepEqual(run('monotone', batches).events, plain, `monotone, round ${round}`);
    assert.deepEqual(run('lagging', batches).events, plain, `lagging, round ${round}`);
  });
});

test('a NULL rowtime is refused with the column named', () => {
  const op = watermarkAssigner('t', 0, 'ts', (row) => row[0], 'lagging');
  assert.throws(() => op.processBatch({ values: [[null]], timestamps: [0] }, record().out), /rowtime column 'ts' is NULL/);
});

test('with ownsTimestamps the event times go into the batch\'s own array, with the same output', () => {
  const op = watermarkAssigner('t', 0, 'ts', (row) => (row[0] as number) - 1500, 'lagging', true);
  const { out, events } = record();
  const emitted: number[][] = [];
  const spy: Output<Row> = { ...out, emitBatch: (b) => { emitted.push(b.timestamps); out.emitBatch(b); } };
  const batches = BATCHES.map((rows) => ({ values: rows, timestamps: rows.map(() => 0) }));
  for (const b of batches) void op.processBatch(b, spy);
  assert.deepEqual(events, run().events);
  // The second batch went on whole, in its own array.
  assert.equal(emitted[emitted.length - 1], batches[1]!.timestamps);
  assert.deepEqual(batches[1]!.timestamps, [4000, 3900, 9000]);
});

test('a fused Calc gives what the watermark operator and then the Calc give, watermarks in the same places', () => {
  // Keep even times only, as [t, 'x']: drops rows, and builds new ones.
  const step = (row: Row): Row | null => ((row[0] as number) % 2 === 0 ? [row[0], 'x'] : null);
  const thenCalc = (events: Event[]): Event[] => events.flatMap((e): Event[] => {
    if (e[0] === 'wm') return [e];
    const kept = e[1].map((r, i) => [step(r), e[2][i]!] as const).filter(([r]) => r !== null);
    return kept.length === 0 ? [] : [['rows', kept.map(([r]) => r!), kept.map(([, t]) => t)]];
  });
  randomRounds(3).forEach((batches, round) => {
    for (const shape of [undefined, 'monotone', 'lagging'] as const) {
      const op = watermarkAssigner('t', 0, 'ts', (row) => (row[0] as number) - 1500, shape, false, step);
      const { out, events } = record();
      for (const rows of batches) void op.processBatch({ values: rows, timestamps: rows.map(() => 0) }, out);
      assert.deepEqual(events, thenCalc(run(undefined, batches).events), `${shape ?? 'plain'}, round ${round}`);
    }
  });
});
