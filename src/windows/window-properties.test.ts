// Property tests: the window operator against brute-force batch computations over random streams with
// bounded disorder, random keys, random allowed lateness and watermarks that sometimes overtake records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AggregateFunction } from '../state/descriptors.js';
import { OutputTag } from '../operators/operator.js';
import { OperatorHarness } from '../operators/testing/harness.js';
import {
  EventTimeTrigger, WindowOperator, cumulateEventTimeWindows, dynamicEventTimeSessionWindows, eventTimeSessionWindows,
  slidingEventTimeWindows, tumblingEventTimeWindows,
} from './index.js';
import type { ProcessWindowFunction, TimeWindow, WindowAssigner } from './index.js';

// Fixed seed so the suite is deterministic; WEIR_FC_SEED / WEIR_FC_RUNS explore further.
const RUNS = Number(process.env.WEIR_FC_RUNS ?? 150);
const SEED = process.env.WEIR_FC_SEED === undefined ? 20261121 : Number(process.env.WEIR_FC_SEED);

interface Rec { key: string; id: number; ts: number; gap: number; ids: number[] }
interface Result { key: string; ids: number[] }
interface Firing { key: string; start: number | undefined; end: number; ids: number[]; timestamp: number }
type Variant = 'aggregate' | 'aggregate+process' | 'reduce+process' | 'process';

// Not the default trigger's class, so the operator takes its general (trigger-driven) path: both paths
// must agree with the oracle.
class GeneralPathTrigger extends EventTimeTrigger {}

const collectIds: AggregateFunction<Rec, Result & { key: string }, Result> = {
  createAccumulator: () => ({ key: '', ids: [] }),
  add: (r, acc) => { acc.key = r.key; acc.ids.push(r.id); return acc; },
  getResult: (acc) => ({ key: acc.key, ids: [...acc.ids].sort((a, b) => a - b) }),
  merge: (a, b) => ({ key: a.key || b.key, ids: [...a.ids, ...b.ids] }),
};
const concatIds = (a: Rec, b: Rec): Rec => ({ ...a, ids: [...a.ids, ...b.ids] });
function describe<T>(ids: (els: readonly T[]) => number[]): ProcessWindowFunction<T, Firing, string, TimeWindow> {
  return {
    process: (key, ctx, els, out) =>
      out.collect({ key, start: ctx.window.start, end: ctx.window.end, ids: ids(els).sort((a, b) => a - b), timestamp: NaN }),
  };
}

function makeOperator(assigner: WindowAssigner<Rec, TimeWindow>, variant: Variant, lateness: number, general: boolean, late: OutputTag<Rec>) {
  const base = { assigner, allowedLateness: lateness, lateOutput: late, ...(general ? { trigger: new GeneralPathTrigger() } : {}) };
  switch (variant) {
    case 'aggregate':
      return new WindowOperator<Rec, Result>({ ...base, aggregate: collectIds });
    case 'aggregate+process':
      return new WindowOperator<Rec, Firing, string, TimeWindow, Result>({ ...base, aggregate: collectIds, process: describe<Result>((els) => [...els[0]!.ids]) });
    case 'reduce+process':
      return new WindowOperator<Rec, Firing, string, TimeWindow>({ ...base, reduce: concatIds, process: describe<Rec>((els) => [...els[0]!.ids]) });
    case 'process':
      return new WindowOperator<Rec, Firing, string, TimeWindow>({ ...base, process: describe<Rec>((els) => els.map((e) => e.id)) });
  }
}

interface Stream {
  events: { key: string; ts: number; jitter: number; gap: number }[];
  disorder: number;
  watermarkDelay: number;
  every: number;
  lateness: number;
  variant: Variant;
  general: boolean;
}

const streamArb = (minTs: number, maxTs: number) => fc.record({
  events: fc.array(fc.record({
    key: fc.constantFrom('a', 'b', 'c'), ts: fc.integer({ min: minTs, max: maxTs }), jitter: fc.nat(20), gap: fc.integer({ min: 1, max: 12 }),
  }), { minLength: 5, maxLength: 60, size: 'medium' }),
  // A watermark delay below the disorder makes records late; about half the streams have late records.
  disorder: fc.integer({ min: 0, max: 30 }),
  watermarkDelay: fc.nat(10),
  every: fc.integer({ min: 1, max: 6 }),
  lateness: fc.oneof(fc.constant(0), fc.nat(25)),
  variant: fc.constantFrom<Variant>('aggregate', 'aggregate+process', 'reduce+process', 'process'),
  general: fc.boolean(),
});

interface Run {
  arrivals: { rec: Rec; wm: number }[];
  firings: Firing[];
  late: number[];
}

/**
 * Sends the records in arrival order (sorted by timestamp plus a jitter of at most `disorder`), in batches
 * of `every` records, each followed by the watermark max-seen − `watermarkDelay` when it advances. A delay
 * below the disorder makes records late. `retime` may change a record's timestamp given the watermark.
 */
async function runStream(s: Stream, assigner: WindowAssigner<Rec, TimeWindow>, retime?: (rec: Rec, wm: number) => void): Promise<Run> {
  const late = new OutputTag<Rec>('late');
  const op = makeOperator(assigner, s.variant, s.lateness, s.general, late);
  const h = new OperatorHarness<Rec, Result | Firing>(op as WindowOperator<Rec, Result | Firing>, { keySelector: (r) => r.key });
  await h.open();
  const recs: Rec[] = s.events.map((e, id) => ({ key: e.key, id, ts: e.ts, gap: e.gap, ids: [id] }));
  const order = recs
    .map((r, i) => ({ r, at: r.ts + Math.min(s.events[i]!.jitter, s.disorder) }))
    .sort((x, y) => x.at - y.at || x.r.id - y.r.id)
    .map((x) => x.r);
  const arrivals: Run['arrivals'] = [];
  let wm = Number.NEGATIVE_INFINITY;
  let maxSeen = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < order.length; i += s.every) {
    const batch = order.slice(i, i + s.every);
    for (const r of batch) {
      retime?.(r, wm);
      arrivals.push({ rec: r, wm });
      maxSeen = Math.max(maxSeen, r.ts);
    }
    h.processElements(batch.map((r) => [r, r.ts]));
    if (maxSeen - s.watermarkDelay > wm) {
      wm = maxSeen - s.watermarkDelay;
      h.processWatermark(wm);
    }
  }
  h.endInput();
  const firings = h.takeOutput().map(({ value, timestamp }) =>
    'end' in value ? { ...value, timestamp } : { key: value.key, start: undefined, end: timestamp + 1, ids: value.ids, timestamp });
  // Cleanup: nothing may be left once the final watermark has passed.
  assert.equal(h.stateSize(), 0, 'state left after the final watermark');
  assert.deepEqual(h.timerCounts(), { event: 0, processing: 0 });
  return { arrivals, firings, late: h.side(late).map((e) => e.value.id).sort((a, b) => a - b) };
}

/** Checks a non-merging window kind against brute force; `windowsOf` enumerates a timestamp's windows. */
function checkFixedWindows(s: Stream, run: Run, windowsOf: (ts: number) => [number, number][]): void {
  const L = s.lateness;
  const expected = new Map<string, { start: number; ids: number[]; firings: number }>();
  const expectedLate: number[] = [];
  for (const { rec, wm } of run.arrivals) {
    let accepted = false;
    for (const [start, end] of windowsOf(rec.ts)) {
      const max = end - 1;
      if (max + L <= wm) continue; // the window is gone (or as good as)
      accepted = true;
      const id = `${rec.key}|${end}`;
      let e = expected.get(id);
      if (!e) expected.set(id, (e = { start, ids: [], firings: 0 }));
      e.ids.push(rec.id);
      // After the watermark passed the window's end, each element fires it again at once; before, the
      // one timer at the end fires it.
      if (max <= wm) e.firings++;
      else if (!e.ids.some((x) => x !== rec.id && run.arrivals.find((a) => a.rec.id === x)!.wm < max)) e.firings++;
    }
    if (!accepted && rec.ts + L <= wm) expectedLate.push(rec.id);
  }
  const last = new Map<string, Firing>();
  const counts = new Map<string, number>();
  for (const f of run.firings) {
    const id = `${f.key}|${f.end}`;
    assert.equal(f.timestamp, f.end - 1, 'a window result carries the window max timestamp');
    const e = expected.get(id);
    assert.ok(e, `window ${id} fired but no record belongs to it`);
    if (f.start !== undefined) assert.equal(f.start, e.start);
    // Every firing holds only records the oracle accepted into the window.
    for (const x of f.ids) assert.ok(e.ids.includes(x), `record ${x} in window ${id} it must not be in`);
    last.set(id, f);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (const [id, e] of expected) {
    assert.deepEqual(last.get(id)?.ids, [...e.ids].sort((a, b) => a - b), `last firing of ${id}`);
    assert.equal(counts.get(id), e.firings, `number of firings of ${id}`);
  }
  assert.deepEqual(run.late, expectedLate.sort((a, b) => a - b), 'late side output');
  for (const f of run.firings) for (const x of f.ids) assert.ok(!run.late.includes(x), `late record ${x} in a result`);
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);

test('tumbling windows with offset match the batch oracle', async () => {
  await fc.assert(fc.asyncProperty(streamArb(-40, 80), fc.integer({ min: 1, max: 16 }), fc.integer(), async (s, size, off) => {
    const offset = off % size;
    const run = await runStream(s, tumblingEventTimeWindows(size, offset));
    checkFixedWindows(s, run, (ts) => {
      const start = floorDiv(ts - offset, size) * size + offset;
      return [[start, start + size]];
    });
  }), { numRuns: RUNS, seed: SEED, includeErrorInReport: true });
});

test('sliding windows match the batch oracle', async () => {
  await fc.assert(fc.asyncProperty(streamArb(-40, 80), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 12 }), fc.integer(),
    async (s, size, slideRaw, off) => {
      const slide = Math.min(slideRaw, size);
      const offset = off % slide;
      const run = await runStream(s, slidingEventTimeWindows(size, slide, offset));
      checkFixedWindows(s, run, (ts) => {
        const out: [number, number][] = [];
        for (let k = floorDiv(ts - size - offset, slide); k <= floorDiv(ts - offset, slide); k++) {
          const start = k * slide + offset;
          if (start <= ts && ts < start + size) out.push([start, start + size]);
        }
        return out;
      });
    }), { numRuns: RUNS, seed: SEED, includeErrorInReport: true });
});

test('cumulate windows match the batch oracle', async () => {
  await fc.assert(fc.asyncProperty(streamArb(-40, 80), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.integer(),
    async (s, step, steps, off) => {
      const maxSize = step * steps;
      const offset = off % step;
      const run = await runStream(s, cumulateEventTimeWindows(step, maxSize, offset));
      checkFixedWindows(s, run, (ts) => {
        const period = floorDiv(ts - offset, maxSize) * maxSize + offset;
        const out: [number, number][] = [];
        for (let j = 1; j <= steps; j++) if (period + j * step > ts) out.push([period, period + j * step]);
        return out;
      });
    }), { numRuns: RUNS, seed: SEED, includeErrorInReport: true });
});

/**
 * Sessions against an oracle that sorts each key's on-time records by time and joins those whose
 * windows `[t, t + gap)` overlap or touch. Records whose timestamp is already past the allowed lateness
 * at arrival are moved far into the past, so they must land on the late side output. Timestamps are even
 * and gaps odd: a record exactly at the end of a session that was already cleaned up would join it in a
 * batch but not in a stream, in Flink as here.
 */
test('session windows (static and dynamic gaps) match the sort-and-split oracle', async () => {
  await fc.assert(fc.asyncProperty(streamArb(0, 60), fc.integer({ min: 0, max: 6 }), fc.boolean(), async (s, g, dynamic) => {
    const gapOf = (r: Rec) => (dynamic ? 2 * r.gap + 1 : 2 * g + 1);
    const events = s.events.map((e) => ({ ...e, ts: 2 * e.ts }));
    // Session results must name their window: only variants with a process function.
    if (s.variant === 'aggregate') s = { ...s, variant: 'aggregate+process' };
    const assigner = dynamic ? dynamicEventTimeSessionWindows<Rec>(gapOf) : eventTimeSessionWindows(2 * g + 1);
    const veryLate: number[] = [];
    const run = await runStream({ ...s, events }, assigner, (rec, wm) => {
      if (rec.ts + s.lateness <= wm) {
        rec.ts = -100_000 - 1000 * rec.id;
        veryLate.push(rec.id);
      }
    });
    assert.deepEqual(run.late, veryLate.sort((a, b) => a - b), 'late side output');

    const expected = new Map<string, number[]>();
    const byKey = new Map<string, Rec[]>();
    for (const { rec } of run.arrivals) {
      if (veryLate.includes(rec.id)) continue;
      let list = byKey.get(rec.key);
      if (!list) byKey.set(rec.key, (list = []));
      list.push(rec);
    }
    for (const [key, list] of byKey) {
      list.sort((a, b) => a.ts - b.ts);
      let start = list[0]!.ts;
      let end = start + gapOf(list[0]!);
      let ids: number[] = [];
      for (const r of list) {
        if (r.ts > end) {
          expected.set(`${key}|${start}|${end}`, ids.sort((a, b) => a - b));
          start = r.ts;
          end = r.ts + gapOf(r);
          ids = [];
        }
        end = Math.max(end, r.ts + gapOf(r));
        ids.push(r.id);
      }
      expected.set(`${key}|${start}|${end}`, ids.sort((a, b) => a - b));
    }

    // A window that later merged into a bigger one fired under its old bounds; the final sessions are
    // the windows no other fired window of the key contains.
    const last = new Map<string, Firing>();
    for (const f of run.firings) {
      assert.equal(f.timestamp, f.end - 1);
      if (f.start === undefined) throw new Error('session results must carry the window');
      last.set(`${f.key}|${f.start}|${f.end}`, f);
    }
    const fired = [...last.values()];
    const finals = fired.filter((f) => !fired.some((o) => o !== f && o.key === f.key && o.start! <= f.start! && o.end >= f.end));
    const actual = new Map(finals.map((f) => [`${f.key}|${f.start}|${f.end}`, f.ids]));
    assert.deepEqual(actual, expected);
    for (const f of run.firings) for (const x of f.ids) assert.ok(!veryLate.includes(x));
  }), { numRuns: RUNS, seed: SEED, includeErrorInReport: true });
});
