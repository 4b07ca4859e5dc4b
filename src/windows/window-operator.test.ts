import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../core/errors.js';
import type { AggregateFunction } from '../state/descriptors.js';
import { valueState } from '../state/descriptors.js';
import { OutputTag } from '../operators/operator.js';
import { OperatorHarness } from '../operators/testing/harness.js';
import {
  continuousEventTimeTrigger, countTrigger, dynamicEventTimeSessionWindows, eventTimeSessionWindows, eventTimeTrigger,
  globalWindows, processingTimeSessionWindows, purging, slidingEventTimeWindows, tumblingEventTimeWindows,
  tumblingProcessingTimeWindows, cumulateEventTimeWindows,
} from './index.js';
import type { ProcessWindowFunction, Trigger } from './index.js';
import { TimeWindow, WindowOperator } from './index.js';
import type { Window } from './index.js';

interface Ev { k: string; v: number }
const ev = (k: string, v = 1): Ev => ({ k, v });

const count: AggregateFunction<Ev, number, number> = {
  createAccumulator: () => 0, add: (_e, a) => a + 1, getResult: (a) => a, merge: (a, b) => a + b,
};
const sum: AggregateFunction<Ev, number, number> = {
  createAccumulator: () => 0, add: (e, a) => a + e.v, getResult: (a) => a, merge: (a, b) => a + b,
};

/** Emits `key [start,end) result` for each firing, so tests see which window fired. */
function describe<R>(): ProcessWindowFunction<R, string, string, TimeWindow> {
  return { process: (key, ctx, els, out) => out.collect(`${key} [${ctx.window.start},${ctx.window.end}) ${els.map(String).join(',')}`) };
}

async function open<OUT>(op: WindowOperator<Ev, OUT, any, any, any>) {
  const h = new OperatorHarness(op, { keySelector: (e: Ev) => e.k });
  await h.open();
  return { op, h };
}
const values = <T>(xs: { value: T }[]) => xs.map((x) => x.value);

test('tumbling count per key fires at the window end with timestamp maxTimestamp, then cleans up', async () => {
  const { h } = await open(new WindowOperator({ assigner: tumblingEventTimeWindows(10), aggregate: count, keySelector: (e) => e.k }));
  h.processElements([[ev('a'), 1], [ev('b'), 3], [ev('a'), 9], [ev('a'), 10], [ev('b'), -1]]);
  assert.equal(h.stateSize(), 4);
  assert.deepEqual(h.timerCounts(), { event: 4, processing: 0 });
  h.processWatermark(-2);
  assert.deepEqual(h.takeOutput(), []);
  h.processWatermark(8);
  assert.deepEqual(h.takeOutput(), [{ value: 1, timestamp: -1 }]);
  h.processWatermark(9);
  const out = h.takeOutput().sort((x, y) => x.value - y.value);
  assert.deepEqual(out, [{ value: 1, timestamp: 9 }, { value: 2, timestamp: 9 }]);
  assert.equal(h.stateSize(), 1);
  h.endInput();
  assert.deepEqual(h.takeOutput(), [{ value: 1, timestamp: 19 }]);
  assert.equal(h.stateSize(), 0);
  assert.deepEqual(h.timerCounts(), { event: 0, processing: 0 });
});

test('a record without a timestamp in an event-time window throws a UserError that says what to do', async () => {
  const { h } = await open(new WindowOperator({ assigner: tumblingEventTimeWindows(10), aggregate: count }));
  assert.throws(() => h.processElement(ev('a')), (e: unknown) =>
    e instanceof UserError && e.message.includes('Record has no timestamp') && e.message.includes('assignTimestampsAndWatermarks(...)'));
});

test('allowed lateness: late elements re-fire the window with the updated result until the cleanup time', async () => {
  const late = new OutputTag<Ev>('late');
  const { h } = await open(new WindowOperator({
    assigner: tumblingEventTimeWindows(10), allowedLateness: 5, lateOutput: late, aggregate: sum, process: describe<number>(),
  }));
  h.processElements([[ev('a', 1), 1], [ev('a', 2), 2]]);
  h.processWatermark(9);
  assert.deepEqual(values(h.takeOutput()), ['a [0,10) 3']);
  h.processElement(ev('a', 10), 3);
  assert.deepEqual(h.takeOutput(), [{ value: 'a [0,10) 13', timestamp: 9 }]);
  h.processWatermark(13);
  h.processElement(ev('a', 100), 0);
  assert.deepEqual(values(h.takeOutput()), ['a [0,10) 113']);
  assert.equal(h.stateSize(), 1);
  h.processWatermark(14); // cleanup time = 9 + 5
  assert.equal(h.stateSize(), 0);
  assert.deepEqual(h.timerCounts(), { event: 0, processing: 0 });
  h.processElement(ev('a', 1000), 5);
  assert.deepEqual(h.takeOutput(), []);
  assert.deepEqual(h.side(late), [{ value: ev('a', 1000), timestamp: 5 }]);
  h.endInput();
  assert.deepEqual(h.takeOutput(), []);
});

test('without a late output, late records are counted in droppedLate and logged once', async () => {
  const { op, h } = await open(new WindowOperator({ assigner: tumblingEventTimeWindows(10), aggregate: count }));
  h.processWatermark(100);
  h.processElements([[ev('a'), 5], [ev('b'), 50], [ev('a'), 100]]);
  assert.equal(op.droppedLate, 2);
  assert.equal(h.logs.filter((l) => l.startsWith('warn')).length, 1);
  assert.match(h.logs[0]!, /lateOutput/);
  h.endInput();
  assert.deepEqual(h.takeOutput(), [{ value: 1, timestamp: 109 }]);
});

test('sliding windows with lateness: every window fires, state and timers go to zero after cleanup', async () => {
  const { h } = await open(new WindowOperator({ assigner: slidingEventTimeWindows(10, 5), allowedLateness: 3, aggregate: count, process: describe<number>() }));
  h.processElements([[ev('a'), 7], [ev('a'), 12], [ev('b'), 12]]);
  assert.equal(h.stateSize(), 5);
  h.processWatermark(14);
  assert.deepEqual(values(h.takeOutput()).sort(), ['a [0,10) 1', 'a [5,15) 2', 'b [5,15) 1']);
  h.processWatermark(17);
  assert.equal(h.stateSize(), 2);
  h.processWatermark(22);
  assert.deepEqual(values(h.takeOutput()).sort(), ['a [10,20) 1', 'b [10,20) 1']);
  assert.equal(h.stateSize(), 0);
  assert.deepEqual(h.timerCounts(), { event: 0, processing: 0 });
});

test('cumulate windows emit growing results for each step', async () => {
  const { h } = await open(new WindowOperator({ assigner: cumulateEventTimeWindows(10, 30), aggregate: count, process: describe<number>() }));
  h.processElements([[ev('a'), 1], [ev('a'), 15], [ev('a'), 25]]);
  h.endInput();
  assert.deepEqual(values(h.takeOutput()), ['a [0,10) 1', 'a [0,20) 2', 'a [0,30) 3']);
  assert.equal(h.stateSize(), 0);
});

test('processing-time tumbling windows fire on the virtual clock', async () => {
  const op = new WindowOperator<Ev, string, string, TimeWindow>({ assigner: tumblingProcessingTimeWindows(1000), aggregate: count, process: describe<number>() });
  const h = new OperatorHarness(op, { keySelector: (e: Ev) => e.k, processingTime: 100 });
  await h.open();
  h.processElement(ev('a'));
  h.processElement(ev('a'), 123456);
  h.setProcessingTime(998);
  assert.deepEqual(h.takeOutput(), []);
  h.processElement(ev('b'));
  h.setProcessingTime(999);
  assert.deepEqual(h.takeOutput().sort((x, y) => (x.value < y.value ? -1 : 1)), [
    { value: 'a [0,1000) 2', timestamp: 999 }, { value: 'b [0,1000) 1', timestamp: 999 },
  ]);
  assert.equal(h.stateSize(), 0);
  assert.deepEqual(h.timerCounts(), { event: 0, processing: 0 });
  h.setProcessingTime(1500);
  h.processElement(ev('a'));
  h.setProcessingTime(2500);
  assert.deepEqual(values(h.takeOutput()), ['a [1000,2000) 1']);
  // Event time does not move processing-time windows.
  h.processElement(ev('a'));
  h.processWatermark(1e9);
  assert.deepEqual(h.takeOutput(), []);
});

test('count trigger on global windows fires every n elements; purging() empties the window each time', async () => {
  const all = await open(new WindowOperator({ assigner: globalWindows(), trigger: countTrigger(3), aggregate: count }));
  const purged = await open(new WindowOperator({ assigner: globalWindows(), trigger: purging(countTrigger(3)), aggregate: count }));
  for (const { h } of [all, purged]) for (let i = 0; i < 7; i++) h.processElement(ev(i % 2 === 0 ? 'a' : 'a'), i);
  assert.deepEqual(values(all.h.takeOutput()), [3, 6]);
  assert.deepEqual(values(purged.h.takeOutput()), [3, 3]);
  // Global windows never end: the final watermark fires nothing and state stays.
  purged.h.endInput();
  assert.deepEqual(purged.h.takeOutput(), []);
  assert.equal(purged.h.stateSize('window-contents'), 1);
  assert.equal(purged.h.stateSize('trigger/count'), 1);
  const out = await open(new WindowOperator({ assigner: globalWindows(), trigger: countTrigger(2), process: describe<Ev>() as any }));
  out.h.processElements([[ev('x', 1), 1], [ev('x', 2), 2]]);
  assert.equal(out.h.takeOutput()[0]!.timestamp, Number.POSITIVE_INFINITY);
});

test('purging event-time trigger: each late firing holds only what came since the last', async () => {
  const { h } = await open(new WindowOperator({ assigner: tumblingEventTimeWindows(10), trigger: purging(eventTimeTrigger()), allowedLateness: 10, aggregate: count }));
  h.processElements([[ev('a'), 1], [ev('a'), 2]]);
  h.processWatermark(9);
  h.processElement(ev('a'), 3);
  assert.deepEqual(values(h.takeOutput()), [2, 1]);
  h.processWatermark(19);
  assert.equal(h.stateSize(), 0);
  assert.deepEqual(h.timerCounts(), { event: 0, processing: 0 });
});

test('continuous event-time trigger fires every interval and at the end', async () => {
  const { h } = await open(new WindowOperator({ assigner: tumblingEventTimeWindows(100), trigger: continuousEventTimeTrigger(20), aggregate: count }));
  h.processElements([[ev('a'), 5], [ev('a'), 25]]);
  h.processWatermark(20);
  assert.deepEqual(values(h.takeOutput()), [2]);
  h.processElement(ev('a'), 45);
  h.processWatermark(60);
  assert.deepEqual(values(h.takeOutput()), [3, 3]);
  h.processWatermark(99);
  assert.deepEqual(values(h.takeOutput()), [3, 3]);
  assert.equal(h.stateSize(), 0);
  assert.deepEqual(h.timerCounts(), { event: 0, processing: 0 });
});

test('a custom trigger sees elements and can use per-window state', async () => {
  const every2: Trigger<Ev, Window> = {
    onElement(_e, _ts, _w, ctx) {
      const n = ctx.getValueState(valueState<number>('n'));
      const c = (n.value() ?? 0) + 1;
      n.update(c);
      return c % 2 === 0 ? 'fire' : 'continue';
    },
    onEventTime: () => 'continue',
    onProcessingTime: () => 'continue',
    clear: (_w, ctx) => ctx.getValueState(valueState<number>('n')).clear(),
  };
  const { h } = await open(new WindowOperator({ assigner: tumblingEventTimeWindows(10), trigger: every2, aggregate: count }));
  h.processElements([[ev('a'), 1], [ev('b'), 2], [ev('a'), 3], [ev('a'), 12], [ev('a'), 4]]);
  assert.deepEqual(values(h.takeOutput()), [2]);
  assert.equal(h.stateSize('trigger/n'), 3);
  h.endInput();
  assert.equal(h.stateSize(), 0);
});

test('session windows merge, including a late bridge, and clean up all bookkeeping', async () => {
  const { op, h } = await open(new WindowOperator({ assigner: eventTimeSessionWindows(10), aggregate: count, process: describe<number>() }));
  h.processElements([[ev('a'), 0], [ev('a'), 5], [ev('a'), 30], [ev('b'), 0], [ev('a'), 20]]);
  // 20 opens [20,30), which touches [30,40) and [5,15)+[0,10) = [0,15) is 5 away: [0,15), [20,40)
  assert.equal(op.mergingWindowCount(), 3);
  h.processElement(ev('a'), 12); // [12,22) bridges [0,15) and [20,40)
  assert.equal(op.mergingWindowCount(), 2);
  assert.deepEqual(h.timerCounts().event, 2);
  h.processWatermark(100);
  assert.deepEqual(values(h.takeOutput()).sort(), ['a [0,40) 5', 'b [0,10) 1']);
  assert.equal(h.stateSize(), 0);
  assert.equal(op.mergingWindowCount(), 0);
  assert.deepEqual(h.timerCounts(), { event: 0, processing: 0 });
});

test('dynamic session gaps come from the elements; reduce folds the values', async () => {
  const { h } = await open(new WindowOperator({
    assigner: dynamicEventTimeSessionWindows<Ev>((e) => e.v), reduce: (a: Ev, b: Ev) => ({ k: a.k, v: a.v + b.v }),
  }));
  h.processElements([[ev('a', 5), 0], [ev('a', 1), 5], [ev('a', 2), 9]]);
  h.endInput();
  // [0,5) and [5,6) touch; [9,11) is apart.
  assert.deepEqual(h.takeOutput(), [{ value: ev('a', 6), timestamp: 5 }, { value: ev('a', 2), timestamp: 10 }]);
});

test('session windows with a count trigger merge the trigger state', async () => {
  const { h } = await open(new WindowOperator({ assigner: eventTimeSessionWindows(10), trigger: countTrigger(3), aggregate: count }));
  h.processElements([[ev('a'), 0], [ev('a'), 20]]);
  assert.deepEqual(h.takeOutput(), []);
  h.processElement(ev('a'), 10); // [10,20) joins [0,10) and [20,30): their counts 1 + 1 merge, plus 1
  assert.deepEqual(values(h.takeOutput()), [3]);
  h.endInput();
  assert.equal(h.stateSize('window-contents'), 0);
  assert.equal(h.stateSize('trigger/count'), 0);
});

test('processing-time sessions merge on the virtual clock', async () => {
  const op = new WindowOperator<Ev, number, string, TimeWindow>({ assigner: processingTimeSessionWindows(100), aggregate: count });
  const h = new OperatorHarness(op, { keySelector: (e: Ev) => e.k });
  await h.open();
  h.processElement(ev('a'));
  h.setProcessingTime(50);
  h.processElement(ev('a'));
  h.setProcessingTime(120);
  assert.deepEqual(h.takeOutput(), []);
  h.setProcessingTime(149);
  assert.deepEqual(h.takeOutput(), [{ value: 2, timestamp: 149 }]);
  assert.equal(h.stateSize(), 0);
  assert.equal(op.mergingWindowCount(), 0);
});

test('session state survives snapshot and restore', async () => {
  const opts = () => ({ assigner: eventTimeSessionWindows(10), aggregate: count, process: describe<number>() });
  const first = await open(new WindowOperator(opts()));
  first.h.processElements([[ev('a'), 0], [ev('a'), 8], [ev('b'), 3]]);
  first.h.processWatermark(5);
  const snap = first.h.snapshot();
  const second = new WindowOperator<Ev, string, string, TimeWindow>(opts());
  second.restoreState(snap);
  const h2 = new OperatorHarness(second, { keySelector: (e: Ev) => e.k });
  await h2.open();
  assert.equal(second.mergingWindowCount(), 2);
  h2.processElement(ev('a'), 17); // merges with the restored [0,18)
  h2.endInput();
  assert.deepEqual(values(h2.takeOutput()).sort(), ['a [0,27) 3', 'b [3,13) 1']);
  assert.equal(h2.stateSize(), 0);
});

test('process-only windows get all elements and per-window state, cleared in clear()', async () => {
  const seen = valueState<number>('firings');
  const fn: ProcessWindowFunction<Ev, string, string, TimeWindow> = {
    process(key, ctx, els, out) {
      const n = ctx.windowState.getState(seen);
      n.update((n.value() ?? 0) + 1);
      out.collect(`${key}@${ctx.currentWatermark}: ${els.map((e) => e.v).join('+')} #${n.value()}`);
    },
    clear: (ctx) => ctx.windowState.getState(seen).clear(),
  };
  const { h } = await open(new WindowOperator({ assigner: tumblingEventTimeWindows(10), allowedLateness: 10, process: fn }));
  h.processElements([[ev('a', 1), 1], [ev('a', 2), 2]]);
  h.processWatermark(10);
  h.processElement(ev('a', 3), 3);
  assert.deepEqual(values(h.takeOutput()), ['a@10: 1+2 #1', 'a@10: 1+2+3 #2']);
  h.processWatermark(19);
  assert.equal(h.stateSize(), 0);
});

test('options are checked with messages that name the problem', () => {
  const a = tumblingEventTimeWindows(10);
  assert.throws(() => new WindowOperator({ assigner: a } as any), /needs a function/);
  assert.throws(() => new WindowOperator({ assigner: a, aggregate: count, reduce: (x: Ev) => x } as any), /either aggregate or reduce/);
  assert.throws(() => new WindowOperator({ assigner: a, aggregate: count, allowedLateness: -1 }), /allowedLateness/);
  assert.throws(() => new WindowOperator({ assigner: tumblingProcessingTimeWindows(10), aggregate: count, allowedLateness: 5 }), /event-time/);
  const { merge: _m, ...noMerge } = count;
  assert.throws(() => new WindowOperator({ assigner: eventTimeSessionWindows(5), aggregate: noMerge }), /merge\(a, b\)/);
  const nonMerging: Trigger<Ev, Window> = { onElement: () => 'fire', onEventTime: () => 'continue', onProcessingTime: () => 'continue', clear: () => {} };
  assert.throws(() => new WindowOperator({ assigner: eventTimeSessionWindows(5), trigger: nonMerging, aggregate: count }), /merging/);
});

test('tumbling windows with lateness continue from a snapshot as if uninterrupted', async () => {
  const make = () => new WindowOperator({ assigner: tumblingEventTimeWindows(10), allowedLateness: 5, aggregate: sum, keySelector: (e: Ev) => e.k });
  const { h } = await open(make());
  h.processElements([[ev('a', 1), 1], [ev('b', 2), 12], [ev('a', 4), 8]]);
  h.processWatermark(10);
  assert.deepEqual(values(h.takeOutput()), [5]);
  const restored = make();
  restored.restoreState(h.snapshot());
  const h2 = new OperatorHarness(restored, { keySelector: (e: Ev) => e.k });
  await h2.open();
  assert.deepEqual(h2.timerCounts(), h.timerCounts());
  h2.processElement(ev('a', 10), 3); // still within the lateness of [0,10)
  h2.endInput();
  assert.deepEqual(h2.takeOutput(), [{ value: 15, timestamp: 9 }, { value: 2, timestamp: 19 }]);
  assert.equal(h2.stateSize(), 0);
});
