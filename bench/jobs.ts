/** Benchmark jobs. Worker threads import this module to build the same graph: keep it free of side effects. */
import { defineJob } from '../src/api/environment.js';
import { WatermarkStrategies } from '../src/runtime/watermarks.js';
import { fromGenerator } from '../src/runtime/source.js';
import { discardSink } from '../src/runtime/sink.js';
import { tumblingEventTimeWindows } from '../src/windows/assigners.js';
import type { AggregateFunction } from '../src/state/descriptors.js';

export interface KeyedWindowArgs {
  records: number;
  keys: number;
  windowMs: number;
  /** Records per millisecond of event time. */
  perMs: number;
}

interface Event { key: number; ts: number }

const BASE = 1_700_000_000_000;

const count: AggregateFunction<Event, number, number> = {
  createAccumulator: () => 0,
  add: (_e, acc) => acc + 1,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

/** keyBy → tumbling event-time count: the dataflow core's headline micro-benchmark. */
export const keyedWindowCount = defineJob(import.meta.url, 'keyedWindowCount', (env, a: KeyedWindowArgs) => {
  env
    .fromSource(
      fromGenerator(a.records, (n) => ({ key: (Math.imul(n, 0x9e3779b1) >>> 0) % a.keys, ts: BASE + Math.floor(n / a.perMs) }), { name: 'events' }),
      WatermarkStrategies.boundedOutOfOrderness<Event>(0).withTimestampAssigner((e) => e.ts),
    )
    .keyBy((e) => e.key)
    .window(tumblingEventTimeWindows(a.windowMs))
    .aggregate(count)
    .sinkTo(discardSink<number>(), 'results');
});
