import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../core/errors.js';
import { NO_TIMESTAMP } from '../core/time.js';
import {
  cumulateEventTimeWindows, cumulateProcessingTimeWindows, dynamicEventTimeSessionWindows, eventTimeSessionWindows,
  globalWindows, slidingEventTimeWindows, slidingProcessingTimeWindows, tumblingEventTimeWindows,
  tumblingProcessingTimeWindows,
} from './assigners.js';
import type { WindowAssigner } from './assigners.js';
import { GlobalWindow, TimeWindow, getWindowStartWithOffset, mergeTimeWindows } from './window.js';
import type { Window } from './window.js';

const ctx = (now = 0) => ({ currentProcessingTime: () => now });
const bounds = (ws: readonly TimeWindow[]) => ws.map((w) => [w.start, w.end]);

test('getWindowStartWithOffset aligns to size and offset, also below zero', () => {
  assert.equal(getWindowStartWithOffset(7, 0, 5), 5);
  assert.equal(getWindowStartWithOffset(5, 0, 5), 5);
  assert.equal(getWindowStartWithOffset(-1, 0, 5), -5);
  assert.equal(getWindowStartWithOffset(-5, 0, 5), -5);
  assert.equal(getWindowStartWithOffset(-6, 0, 5), -10);
  assert.equal(getWindowStartWithOffset(3, 2, 5), 2);
  assert.equal(getWindowStartWithOffset(1, 2, 5), -3);
  assert.equal(getWindowStartWithOffset(3, -1, 5), -1);
});

test('TimeWindow: end exclusive, maxTimestamp = end - 1, intersects includes touching', () => {
  const w = new TimeWindow(0, 10);
  assert.equal(w.maxTimestamp(), 9);
  assert.ok(w.intersects(new TimeWindow(10, 20)));
  assert.ok(!w.intersects(new TimeWindow(11, 20)));
  assert.deepEqual(bounds([w.cover(new TimeWindow(5, 30))]), [[0, 30]]);
  assert.equal(GlobalWindow.INSTANCE.maxTimestamp(), Number.POSITIVE_INFINITY);
});

test('tumbling event-time windows, with offset and negative timestamps', () => {
  const t = tumblingEventTimeWindows(10);
  assert.deepEqual(bounds(t.assignWindows(null, 12, ctx())), [[10, 20]]);
  assert.deepEqual(bounds(t.assignWindows(null, 10, ctx())), [[10, 20]]);
  assert.deepEqual(bounds(t.assignWindows(null, 9, ctx())), [[0, 10]]);
  assert.deepEqual(bounds(t.assignWindows(null, -1, ctx())), [[-10, 0]]);
  assert.deepEqual(bounds(t.assignWindows(null, -10, ctx())), [[-10, 0]]);
  assert.deepEqual(bounds(t.assignWindows(null, -11, ctx())), [[-20, -10]]);
  const o = tumblingEventTimeWindows(10, 3);
  assert.deepEqual(bounds(o.assignWindows(null, 12, ctx())), [[3, 13]]);
  assert.deepEqual(bounds(o.assignWindows(null, 2, ctx())), [[-7, 3]]);
  assert.deepEqual(bounds(tumblingEventTimeWindows(10, -3).assignWindows(null, 8, ctx())), [[7, 17]]);
  // The same window for the next element is the same object: no allocation on the hot path.
  const a = t.assignWindows(null, 41, ctx());
  assert.equal(t.assignWindows(null, 49, ctx()), a);
  assert.throws(() => tumblingEventTimeWindows(10, 10), UserError);
  assert.throws(() => tumblingEventTimeWindows(0), UserError);
});

test('sliding windows: every window that holds the element, latest first', () => {
  const s = slidingEventTimeWindows(10, 5);
  assert.deepEqual(bounds(s.assignWindows(null, 12, ctx())), [[10, 20], [5, 15]]);
  assert.deepEqual(bounds(s.assignWindows(null, -1, ctx())), [[-5, 5], [-10, 0]]);
  assert.deepEqual(bounds(slidingEventTimeWindows(10, 5, 2).assignWindows(null, 12, ctx())), [[12, 22], [7, 17]]);
  assert.deepEqual(bounds(slidingEventTimeWindows(10, 3).assignWindows(null, 0, ctx())), [[0, 10], [-3, 7], [-6, 4], [-9, 1]]);
  assert.throws(() => slidingEventTimeWindows(10, 5, 5), UserError);
});

test('cumulate windows grow by step within each max-size period', () => {
  const c = cumulateEventTimeWindows(2, 6);
  assert.deepEqual(bounds(c.assignWindows(null, 0, ctx())), [[0, 2], [0, 4], [0, 6]]);
  assert.deepEqual(bounds(c.assignWindows(null, 3, ctx())), [[0, 4], [0, 6]]);
  assert.deepEqual(bounds(c.assignWindows(null, 5, ctx())), [[0, 6]]);
  assert.deepEqual(bounds(c.assignWindows(null, 6, ctx())), [[6, 8], [6, 10], [6, 12]]);
  assert.deepEqual(bounds(c.assignWindows(null, -1, ctx())), [[-6, 0]]);
  assert.deepEqual(bounds(c.assignWindows(null, -6, ctx())), [[-6, -4], [-6, -2], [-6, 0]]);
  assert.deepEqual(bounds(cumulateEventTimeWindows(2, 6, 1).assignWindows(null, 1, ctx())), [[1, 3], [1, 5], [1, 7]]);
  assert.throws(() => cumulateEventTimeWindows(4, 6), /whole multiple of step/);
});

test('session windows: [t, t + gap), merged when they overlap or touch', () => {
  assert.deepEqual(bounds(eventTimeSessionWindows(5).assignWindows(null, 7, ctx())), [[7, 12]]);
  const d = dynamicEventTimeSessionWindows<{ gap: number }>((e) => e.gap);
  assert.deepEqual(bounds(d.assignWindows({ gap: 3 }, 7, ctx())), [[7, 10]]);
  assert.throws(() => d.assignWindows({ gap: 0 }, 7, ctx()), UserError);
  const merges: [number[][], number[]][] = [];
  mergeTimeWindows([new TimeWindow(10, 12), new TimeWindow(0, 5), new TimeWindow(5, 8), new TimeWindow(20, 25)], (g, r) =>
    merges.push([bounds(g), [r.start, r.end]]));
  assert.deepEqual(merges, [[[[0, 5], [5, 8]], [0, 8]]]);
});

test('processing-time assigners use the clock, not the timestamp', () => {
  assert.deepEqual(bounds(tumblingProcessingTimeWindows(10).assignWindows(null, NO_TIMESTAMP, ctx(25))), [[20, 30]]);
  assert.deepEqual(bounds(slidingProcessingTimeWindows(10, 5).assignWindows(null, 1, ctx(25))), [[25, 35], [20, 30]]);
  assert.deepEqual(bounds(cumulateProcessingTimeWindows(5, 10).assignWindows(null, 1, ctx(27))), [[20, 30]]);
  assert.equal(tumblingProcessingTimeWindows(10).isEventTime(), false);
});

test('event-time assigners reject records without a timestamp, saying what to do', () => {
  const assigners: WindowAssigner<any, TimeWindow>[] = [
    tumblingEventTimeWindows(10), slidingEventTimeWindows(10, 5), cumulateEventTimeWindows(5, 10), eventTimeSessionWindows(5),
  ];
  for (const a of assigners) {
    assert.throws(() => a.assignWindows(null, NO_TIMESTAMP, ctx()), (e: unknown) =>
      e instanceof UserError && /Record has no timestamp/.test(e.message) && /assignTimestampsAndWatermarks/.test(e.message));
  }
});

test('namespaces map back to the same windows', () => {
  const cases: [WindowAssigner<any, Window>, number][] = [
    [tumblingEventTimeWindows(10, 3), 17], [slidingEventTimeWindows(10, 5), -3], [cumulateEventTimeWindows(2, 6), 3],
    [eventTimeSessionWindows(5), -8],
  ];
  for (const [a, ts] of cases) {
    for (const w of a.assignWindows(null, ts, ctx()) as TimeWindow[]) {
      const back = a.windowOf(a.namespaceOf(w)) as TimeWindow;
      assert.deepEqual([back.start, back.end], [w.start, w.end]);
    }
  }
  const g = globalWindows();
  assert.equal(g.windowOf(g.namespaceOf(GlobalWindow.INSTANCE)), GlobalWindow.INSTANCE);
});
