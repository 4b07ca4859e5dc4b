/**
 * Jobs used by the runtime's tests at several parallelisms, on worker threads. Worker threads import this
 * module to build the same graph, so it must stay free of side effects.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineJob } from '../environment.js';
import type { StreamExecutionEnvironment } from '../environment.js';
import type { DataStream } from '../datastream.js';
import { WatermarkStrategies } from '../../runtime/watermarks.js';
import { fromGenerator } from '../../runtime/source.js';
import { sinkTo } from '../../runtime/sink.js';
import { valueState } from '../../state/descriptors.js';
import type { ValueState } from '../../state/descriptors.js';
import type { KeyedProcessFunction } from '../../operators/keyed-process.js';

export interface Click { user: number; page: string; ts: number }

/** Deterministic clicks with bounded disorder: timestamps jitter by up to 500 ms. */
export function click(n: number): Click {
  const jitter = ((n * 7919) % 1000) - 500;
  return { user: (n * 2654435761) % 997, page: `p${n % 13}`, ts: 1_700_000_000_000 + n * 10 + jitter };
}

/**
 * Per user: the number of clicks, emitted by an event-time timer at each 10 s boundary (a hand-made
 * tumbling count), so the result depends on keyed state, timers and watermarks across the exchange.
 */
export function countPerWindow(): KeyedProcessFunction<number, Click, { user: number; windowEnd: number; count: number }> {
  let counts: ValueState<Record<number, number>>;
  return {
    open(rt) { counts = rt.getState(valueState<Record<number, number>>('counts')); },
    processElement(c, ctx, _out) {
      const end = Math.floor(c.ts / 10_000) * 10_000 + 10_000;
      const m = counts.value() ?? {};
      m[end] = (m[end] ?? 0) + 1;
      counts.update(m);
      ctx.timerService.registerEventTimeTimer(end - 1);
    },
    onTimer(t, ctx, out) {
      const m = counts.value() ?? {};
      const end = t + 1;
      if (m[end] !== undefined) out.collect({ user: ctx.currentKey, windowEnd: end, count: m[end]! });
      delete m[end];
      if (Object.keys(m).length === 0) counts.clear(); else counts.update(m);
    },
  };
}

export const clickCounts = defineJob(import.meta.url, 'clickCounts', (env, args: { n: number }) => {
  env
    .fromSource(
      fromGenerator(args.n, click),
      WatermarkStrategies.boundedOutOfOrderness<Click>(1000).withTimestampAssigner((c) => c.ts),
    )
    .filter((c) => c.page !== 'p3')
    .keyBy((c) => c.user)
    .process(countPerWindow)
    .collect('counts');
});

/** A fast source, a keyed exchange and a deliberately slow sink: memory must stay bounded. */
export const slowSink = defineJob(import.meta.url, 'slowSink', (env, args: { n: number; delayMs: number }) => {
  env
    .fromGenerator(args.n, (n) => ({ id: n, payload: `record-${n}-padding-padding-padding` }))
    .keyBy((r) => r.id % 1000)
    .map((r) => r.id)
    .sinkTo(sinkTo<number>('slow', () => new Promise((r) => setTimeout(r, args.delayMs))));
});

/** Numbers 0..n-1 through a keyed exchange into an operator named `explode` that throws on 777. */
function explodeAt777(env: StreamExecutionEnvironment, n: number): DataStream<number> {
  return env
    .fromGenerator(n, (i) => i)
    .keyBy((i) => i % 7)
    .map((i) => {
      if (i === 777) throw new Error('boom at 777');
      return i;
    })
    .name('explode');
}

/** An operator that throws on one record. */
export const failing = defineJob(import.meta.url, 'failing', (env, args: { n: number }) => {
  explodeAt777(env, args.n).collect('out');
});

/** `clickCounts` with checkpoints, for checkpointing across worker threads. */
export const clickCountsCheckpointed = defineJob(import.meta.url, 'clickCountsCheckpointed', (env, args: { n: number; dir: string }) => {
  env.enableCheckpointing(20, args.dir);
  env
    .fromSource(
      fromGenerator(args.n, click, { ratePerSecond: 100_000 }),
      WatermarkStrategies.boundedOutOfOrderness<Click>(1000).withTimestampAssigner((c) => c.ts),
    )
    .filter((c) => c.page !== 'p3')
    .keyBy((c) => c.user)
    .process(countPerWindow)
    .collect('counts');
});

/**
 * `failing` with a sink that leaves a file `closed-<subtask>` in `dir` when it is closed, so a test can
 * see that a failed job still closes every sink subtask, also on worker threads, and also when an
 * operator before the sink never finishes closing (`hangOnClose`).
 */
export const failingWithMarkedSink = defineJob(import.meta.url, 'failingWithMarkedSink', (env, args: { n: number; dir: string; hangOnClose?: boolean }) => {
  let stream = explodeAt777(env, args.n);
  // An operator whose close never ends, between the failure and the sink.
  if (args.hangOnClose) stream = stream.transform('hangs-on-close', () => ({
    name: 'hangs-on-close',
    processBatch: (b, out) => out.emitBatch(b),
    close: () => new Promise<void>(() => {}),
  }));
  stream.sinkTo({
    name: 'marked',
    createWriter: (ctx) => ({
      write: () => {},
      close: () => writeFileSync(join(args.dir, `closed-${ctx.subtaskIndex}`), ''),
    }),
  });
});
