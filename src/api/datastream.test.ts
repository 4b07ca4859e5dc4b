import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from './environment.js';
import { WatermarkStrategies } from '../runtime/watermarks.js';
import { fromGenerator, fromAsyncIterable } from '../runtime/source.js';
import { OutputTag } from '../operators/operator.js';
import { valueState } from '../state/descriptors.js';
import type { ValueState } from '../state/descriptors.js';
import { WeirError } from '../core/errors.js';
import { clickCounts, failing, failingWithMarkedSink } from './testing/fixture-jobs.js';

const sortBy = <T>(xs: T[], f: (x: T) => string) => [...xs].sort((a, b) => (f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0));

test('map, filter and flatMap over a bounded source', async () => {
  const env = StreamExecutionEnvironment.create();
  env.fromArray([1, 2, 3, 4, 5]).map((x) => x * 10).filter((x) => x !== 30).flatMap((x) => [x, x + 1]).collect('out');
  const job = env.execute();
  await job.done;
  assert.deepEqual(job.collected<number>('out').map((r) => r.value), [10, 11, 20, 21, 40, 41, 50, 51]);
});

test('keyed state counts per key', async () => {
  const env = StreamExecutionEnvironment.create();
  env.fromArray(['a', 'b', 'a', 'c', 'a', 'b'])
    .keyBy((w) => w)
    .process(() => {
      let count: ValueState<number>;
      return {
        open(rt) { count = rt.getState(valueState<number>('count')); },
        processElement(w, _ctx, out) {
          const n = (count.value() ?? 0) + 1;
          count.update(n);
          out.collect(`${w}=${n}`);
        },
      };
    })
    .collect();
  const job = env.execute();
  await job.done;
  assert.deepEqual(job.collected<string>().map((r) => r.value), ['a=1', 'b=1', 'a=2', 'c=1', 'a=3', 'b=2']);
});

test('event-time timers fire on watermarks and at the end of bounded input', async () => {
  const env = StreamExecutionEnvironment.create({ batchSize: 2 });
  const ts = [1000, 2000, 12_000, 13_000, 25_000];
  env.fromSource(fromGenerator(5, (n) => ({ k: 'x', ts: ts[n]! })), WatermarkStrategies.boundedOutOfOrderness<{ k: string; ts: number }>(0).withTimestampAssigner((e) => e.ts))
    .keyBy((e) => e.k)
    .process({
      processElement(e, ctx) { ctx.timerService.registerEventTimeTimer(Math.floor(e.ts / 10_000) * 10_000 + 9_999); },
      onTimer(t, ctx, out) { out.collect(`${ctx.currentKey}@${t} wm=${ctx.timerService.currentWatermark()}`); },
    })
    .collect();
  const job = env.execute();
  await job.done;
  const out = job.collected<string>().map((r) => r.value);
  assert.deepEqual(out, ['x@9999 wm=12999', 'x@19999 wm=24999', 'x@29999 wm=Infinity']);
});

test('parallelism 4 in one thread gives the same multiset as parallelism 1', async () => {
  const run = async (p: number) => {
    const job = clickCounts.execute({ args: { n: 20_000 }, parallelism: p, threads: false });
    await job.done;
    return sortBy(job.collected<{ user: number; windowEnd: number; count: number }>('counts').map((r) => r.value), (v) => `${v.user}:${v.windowEnd}:${v.count}`);
  };
  const one = await run(1);
  const four = await run(4);
  assert.ok(one.length > 1000);
  assert.deepEqual(four, one);
});

test('parallelism 4 on worker threads gives the same multiset as parallelism 1', async () => {
  const run = async (p: number) => {
    const job = clickCounts.execute({ args: { n: 50_000 }, parallelism: p });
    await job.done;
    return sortBy(job.collected<{ user: number; windowEnd: number; count: number }>('counts').map((r) => r.value), (v) => `${v.user}:${v.windowEnd}:${v.count}`);
  };
  const one = await run(1);
  const four = await run(4);
  const total = one.reduce((s, r) => s + r.count, 0);
  let expected = 0;
  for (let n = 0; n < 50_000; n++) if (n % 13 !== 3) expected++;
  assert.equal(total, expected);
  assert.deepEqual(four, one);
});

test('a throwing operator fails the job with an error naming the operator', async () => {
  for (const threads of [false, true]) {
    const job = failing.execute({ args: { n: 5000 }, parallelism: 2, threads });
    await assert.rejects(job.done, (err: unknown) => {
      assert.ok(err instanceof WeirError);
      assert.match(err.message, /boom at 777/);
      assert.match(err.message, /failed on record 777/);
      assert.equal(err.origin, 'explode');
      return true;
    });
  }
});

test('a failed job closes every sink subtask (so open transactions are aborted at once), in one thread and on workers', async () => {
  for (const threads of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), 'weir-close-'));
    try {
      const job = failingWithMarkedSink.execute({ args: { n: 5000, dir }, parallelism: 2, threads });
      await assert.rejects(job.done, /boom at 777/);
      assert.deepEqual(readdirSync(dir).sort(), ['closed-0', 'closed-1'], `threads: ${threads}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('an operator whose close hangs does not keep the sink of a failed job from closing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-close-'));
  try {
    const job = failingWithMarkedSink.execute({ args: { n: 5000, dir, hangOnClose: true }, parallelism: 1, threads: false });
    await assert.rejects(job.done, /boom at 777/);
    assert.deepEqual(readdirSync(dir), ['closed-0']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('union, side outputs and connect with shared keyed state', async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const odd = new OutputTag<number>('odd');
  const nums = env.fromArray([1, 2, 3, 4, 5, 6]).process<number>({
    processElement(n: number, ctx, out) { if (n % 2) ctx.output(odd, n); else out.collect(n); },
  });
  const evens = nums;
  const odds = nums.getSideOutput(odd);
  evens.union(odds.map((n) => n * 100)).collect('union');
  const rules = env.fromArray([{ k: 'a', limit: 2 }]);
  const events = env.fromArray([{ k: 'a', v: 1 }, { k: 'a', v: 5 }, { k: 'b', v: 9 }]);
  events.connect(rules).keyBy((e) => e.k, (r) => r.k).process(() => {
    let limit: ValueState<number>;
    const pending: { k: string; v: number }[] = [];
    return {
      open(rt) { limit = rt.getState(valueState<number>('limit')); },
      processElement1(e, _ctx, out) {
        const l = limit.value();
        if (l === undefined) pending.push(e); else if (e.v > l) out.collect(`${e.k}:${e.v}`);
      },
      processElement2(r, _ctx, out) {
        limit.update(r.limit);
        for (const e of pending.splice(0)) if (e.k === r.k && e.v > r.limit) out.collect(`${e.k}:${e.v}`);
      },
    };
  }).collect('alerts');
  const job = env.execute();
  await job.done;
  assert.deepEqual(job.collected<number>('union').map((r) => r.value).sort((a, b) => a - b), [2, 4, 6, 100, 300, 500]);
  assert.deepEqual(job.collected<string>('alerts').map((r) => r.value), ['a:5']);
});

test('interval join pairs records of a key within the bounds', async () => {
  const env = StreamExecutionEnvironment.create();
  type O = { id: string; ts: number };
  const strategy = WatermarkStrategies.boundedOutOfOrderness<O>(0).withTimestampAssigner((o) => o.ts);
  const orders = env.fromSource(fromGenerator(3, (n) => ({ id: `o${n}`, ts: n * 1000 })), strategy);
  const pays = env.fromSource(fromGenerator(3, (n) => ({ id: `o${n}`, ts: n * 1000 + (n === 2 ? 5000 : 500) })), strategy);
  orders.keyBy((o) => o.id).intervalJoin(pays.keyBy((p) => p.id)).between(0, 1000)
    .process((o, p, ctx, out) => out.collect(`${o.id}:${p.ts - o.ts}@${ctx.timestamp}`))
    .collect();
  const job = env.execute();
  await job.done;
  assert.deepEqual(job.collected<string>().map((r) => r.value).sort(), ['o0:500@500', 'o1:500@1500']);
});

test('cancel stops an unbounded job', async () => {
  const env = StreamExecutionEnvironment.create();
  let produced = 0;
  env.fromSource(fromAsyncIterable(async function* () {
    for (;;) { produced++; yield produced; await new Promise((r) => setTimeout(r, 1)); }
  })).collect();
  const job = env.execute();
  await new Promise((r) => setTimeout(r, 50));
  await job.cancel();
  const seen = produced;
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(seen > 0);
  assert.equal(produced, seen);
});

test('a job without a sink is refused with a hint', () => {
  const env = StreamExecutionEnvironment.create();
  env.fromArray([1]).map((x) => x);
  assert.throws(() => env.execute(), /no sink/);
});

test('async map keeps order, holds watermarks behind pending calls, and falls back on failure', async () => {
  const env = StreamExecutionEnvironment.create({ batchSize: 16 });
  const ts = (n: number) => n * 100;
  env.fromSource(fromGenerator(200, (n) => n), WatermarkStrategies.boundedOutOfOrderness<number>(0).withTimestampAssigner(ts))
    .mapAsync(async (n) => {
      await new Promise((r) => setTimeout(r, n % 7));
      if (n === 13) throw new Error('model down');
      return n * 2;
    }, { concurrency: 8, timeoutMs: 1000, fallback: (n) => -n })
    .keyBy(() => 'all')
    .process({
      processElement(v, ctx, out) {
        // Every value must be seen before the watermark passes its timestamp.
        if (ctx.timerService.currentWatermark() >= ctx.timestamp) out.collect(`late:${v}`);
        out.collect(v);
      },
    })
    .collect();
  const job = env.execute();
  await job.done;
  const out = job.collected<number | string>().map((r) => r.value);
  assert.deepEqual(out, Array.from({ length: 200 }, (_, n) => (n === 13 ? -13 : n * 2)));
});

test('async map without a fallback fails the job with the cause', async () => {
  const env = StreamExecutionEnvironment.create();
  env.fromArray([1, 2, 3]).mapAsync(async (n) => { if (n === 2) throw new Error('server said 503'); return n; }).collect();
  await assert.rejects(env.execute().done, /server said 503/);
});

test('checkpoints across worker threads complete and leave results unchanged', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { clickCountsCheckpointed } = await import('./testing/fixture-jobs.js');
  const dir = mkdtempSync(join(tmpdir(), 'weir-wcp-'));
  try {
    const plain = clickCounts.execute({ args: { n: 30_000 }, parallelism: 1, threads: false });
    await plain.done;
    const job = clickCountsCheckpointed.execute({ args: { n: 30_000, dir }, parallelism: 2 });
    await job.done;
    const key = (v: { user: number; windowEnd: number; count: number }) => `${v.user}:${v.windowEnd}:${v.count}`;
    const a = sortBy(plain.collected<{ user: number; windowEnd: number; count: number }>('counts').map((r) => r.value), key);
    const b = sortBy(job.collected<{ user: number; windowEnd: number; count: number }>('counts').map((r) => r.value), key);
    assert.deepEqual(b, a);
    const m = job.checkpoints();
    assert.ok(m && m.completed >= 3, `only ${m?.completed} checkpoints completed`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the LMDB state backend gives the same results as the heap', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'weir-lmdb-job-'));
  try {
    const run = async (stateBackend?: { kind: 'lmdb'; dir: string; cacheEntries: number }) => {
      const env = StreamExecutionEnvironment.create({ parallelism: 2, ...(stateBackend ? { stateBackend } : {}) });
      env.fromGenerator(20_000, (n) => n).keyBy((n) => n % 500).process(() => {
        let sum: ValueState<number>;
        return {
          open(rt) { sum = rt.getState(valueState<number>('sum')); },
          processElement(n, ctx, out) { const s = (sum.value() ?? 0) + n; sum.update(s); if (n >= 19_500) out.collect(`${ctx.currentKey}=${s}`); },
        };
      }).collect();
      const job = env.execute();
      await job.done;
      return job.collected<string>().map((r) => r.value).sort();
    };
    assert.deepEqual(await run({ kind: 'lmdb', dir, cacheEntries: 50 }), await run());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
