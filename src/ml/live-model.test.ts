import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LiveModel } from './live-model.js';
import { ModelRegistry, type ModelVersion } from './model-registry.js';
import type { ScoreMapping } from './onnx-model.js';
import { testInputs, testModel, testRows } from './testdata.js';

/** Resolves with the next value pushed by a callback, or rejects after `ms`. */
function next<T>(ms = 5000): { push: (v: T) => void; wait: () => Promise<T> } {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  return {
    push: (v) => {
      queue.push(v);
      wake?.();
    },
    wait: async () => {
      if (queue.length === 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((r) => (wake = r)),
          new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`nothing within ${ms} ms`)), ms))),
        ]).finally(() => clearTimeout(timer));
      }
      return queue.shift()!;
    },
  };
}

describe('LiveModel', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weir-live-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('swaps to a promoted version, keeps a version that does not fit, and follows rollback', async () => {
    const reg = await ModelRegistry.open(dir);
    await reg.register('fraud', testModel('logreg'));
    await reg.register('fraud', testModel('forest_zipmap'));
    await reg.register('fraud', testModel('multi_input'));
    await reg.promote('fraud', 1);
    const swaps = next<[number, number]>();
    const errors = next<[string, number]>();
    const live = await LiveModel.open(reg, 'fraud', {
      intervalMs: 30,
      onSwap: (cur: ModelVersion, prev: ModelVersion) => swaps.push([cur.version, prev.version]),
      onError: (err: unknown, v: ModelVersion) => errors.push([(err as Error).message, v.version]),
    });
    const { features, models } = testInputs();
    const rows = testRows().slice(0, 20);
    const mapping: ScoreMapping = { inputs: features, outputs: 'label BIGINT, prob_1 DOUBLE' };
    try {
      assert.equal(live.version.version, 1);
      const v1 = await live.score(rows, mapping);
      v1.forEach((o, i) => assert.ok(Math.abs((o.prob_1 as number) - models.logreg!.probabilities![i]![1]!) <= 1e-5));

      await reg.promote('fraud', 2);
      assert.deepEqual(await swaps.wait(), [2, 1]);
      assert.equal(live.version.version, 2);
      const v2 = await live.score(rows, mapping);
      v2.forEach((o, i) => assert.ok(Math.abs((o.prob_1 as number) - models.forest_zipmap!.probabilities![i]![1]!) <= 1e-5));

      await reg.promote('fraud', 3);
      const [message, version] = await errors.wait();
      assert.equal(version, 3);
      assert.match(message, /fraud v3 was promoted but does not fit a mapping in use/);
      await live.settled();
      assert.equal(live.version.version, 2);

      await reg.rollback('fraud');
      // Rolling back to v2, which is already live, swaps nothing; rolling back again reaches v1.
      await reg.rollback('fraud');
      assert.deepEqual(await swaps.wait(), [1, 2]);
      assert.deepEqual((await live.score(rows, mapping)).map((o) => o.prob_1), v1.map((o) => o.prob_1));
    } finally {
      await live.close();
    }
    await assert.rejects(live.score(rows, mapping), /is closed/);
  });
});
