import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Output } from '../../operators/operator.js';
import type { Row } from '../../connectors/registry.js';
import { watermarkAssigner } from './watermark-assigner.js';

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

function run(monotone: boolean): { events: Event[]; calls: number } {
  let calls = 0;
  const op = watermarkAssigner('t', 0, 'ts', (row) => { calls++; return (row[0] as number) - 1500; }, monotone);
  const { out, events } = record();
  for (const rows of BATCHES) void op.processBatch({ values: rows, timestamps: rows.map(() => 0) }, out);
  return { events, calls };
}

test('rows go on in runs between watermarks, a watermark right before the first row at or below it', () => {
  const { events } = run(false);
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
  const plain = run(false);
  const monotone = run(true);
  assert.deepEqual(monotone.events, plain.events);
  assert.equal(plain.calls, 8);
  assert.equal(monotone.calls, 4);
});

test('a NULL rowtime is refused with the column named', () => {
  const op = watermarkAssigner('t', 0, 'ts', (row) => row[0], true);
  assert.throws(() => op.processBatch({ values: [[null]], timestamps: [0] }, record().out), /rowtime column 'ts' is NULL/);
});
