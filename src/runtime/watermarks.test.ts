import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { WatermarkStrategies, WatermarkCombiner, BoundedOutOfOrdernessGenerator } from './watermarks.js';
import type { Source } from './source.js';

test('bounded out-of-orderness: watermark = max seen - bound - 1', () => {
  const g = new BoundedOutOfOrdernessGenerator<number>(1000);
  assert.equal(g.currentWatermark(), Number.NEGATIVE_INFINITY);
  g.onEvent(0, 5000);
  g.onEvent(0, 3000);
  assert.equal(g.currentWatermark(), 3999);
});

test('combiner: minimum over inputs, idle inputs ignored, never backwards', () => {
  const c = new WatermarkCombiner(2);
  assert.equal(c.update(0, 100), undefined);
  assert.equal(c.update(1, 50), 50);
  assert.equal(c.setIdle(1, true), 100);
  assert.equal(c.update(1, 10), undefined, 'an input coming back behind does not move the watermark back');
  assert.equal(c.current, 100);
  assert.equal(c.update(0, 200), undefined);
  assert.equal(c.update(1, 150), 150);
});

/** Two splits: "a" keeps sending, "b" sends one early record and then nothing for a while. */
function twoSplits(records: number): Source<{ split: string; ts: number }> {
  return {
    name: 'two-splits',
    bounded: true,
    createReader() {
      let i = 0;
      let bSent = false;
      return {
        splits: () => ['a', 'b'],
        async poll() {
          if (!bSent) {
            bSent = true;
            return { split: 'b', batch: { values: [{ split: 'b', ts: 0 }], timestamps: [0] } };
          }
          if (i >= records) return null;
          await new Promise((r) => setTimeout(r, 2));
          const ts = 1000 * ++i;
          return { split: 'a', batch: { values: [{ split: 'a', ts }], timestamps: [ts] } };
        },
      };
    },
  };
}

async function firedBeforeEnd(idleTimeoutMs?: number): Promise<number[]> {
  const env = StreamExecutionEnvironment.create();
  let strategy = WatermarkStrategies.boundedOutOfOrderness<{ split: string; ts: number }>(0);
  if (idleTimeoutMs !== undefined) strategy = strategy.withIdleness(idleTimeoutMs);
  env.fromSource(twoSplits(60), strategy)
    .keyBy(() => 'k')
    .process({
      processElement(e, ctx) { ctx.timerService.registerEventTimeTimer(e.ts + 1); },
      onTimer(t, ctx, out) { out.collect(ctx.timerService.currentWatermark()); void t; },
    })
    .collect();
  const job = env.execute();
  await job.done;
  return job.collected<number>().map((r) => r.value).filter((wm) => wm !== Number.POSITIVE_INFINITY);
}

test('per-split watermarks: a silent split holds the watermark back until the end of input', async () => {
  const fired = await firedBeforeEnd();
  assert.deepEqual(fired, []);
});

test('idleness: a split silent for longer than the timeout stops holding the watermark back', async () => {
  const fired = await firedBeforeEnd(20);
  assert.ok(fired.length > 10, `only ${fired.length} timers fired before the end of input`);
});
