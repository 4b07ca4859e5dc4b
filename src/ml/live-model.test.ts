import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LiveModel } from './live-model.js';
import { OnnxModel } from './onnx-model.js';
import { abBucket } from './scoring-group.js';
import { ModelRegistry, type ModelRouting, type ModelVersion } from './model-registry.js';
import type { ScoreMapping } from './onnx-model.js';
import type { ScoringGroup } from './scoring-group.js';
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

  it('routes a stable share of keys to the A/B version and every row to the shadow, and follows stage changes', async () => {
    const reg = await ModelRegistry.open(dir);
    const files = ['logreg', 'forest', 'mlp'];
    for (const f of files) await reg.register('fraud', testModel(f));
    await reg.promote('fraud', 1);
    await reg.promote('fraud', 2, { ab: 0.3 });
    await reg.shadow('fraud', 3);
    const stages = next<string>();
    const swaps = next<number>();
    const live = await LiveModel.open(reg, 'fraud', {
      intervalMs: 20,
      onStage: (variant, cur) => stages.push(`${variant}:${cur?.version ?? 'off'}`),
      onSwap: (cur) => swaps.push(cur.version),
    });
    const mapping: ScoreMapping = { inputs: testInputs().features, outputs: 'score DOUBLE, label BIGINT' };
    const rows = testRows();
    const keys = rows.map((_, i) => `card-${i % 400}`);
    const expected: number[][] = [];
    for (const f of files) {
      const m = await OnnxModel.load(testModel(f));
      expected.push((await m.score(rows, mapping)).map((o) => o.score as number));
      await m.close();
    }
    try {
      assert.deepEqual([live.routing.production?.version, live.routing.ab?.version.version, live.routing.shadow?.version], [1, 2, 3]);
      const groups = await live.scoreRouted(rows, mapping, { key: (i) => keys[i] });
      assert.deepEqual(groups.map((g) => [g.variant, g.label]), [['prod', 'model:v1'], ['ab', 'model:v2'], ['shadow', 'model:v3']]);
      const [prod, ab, shadow] = groups as [ScoringGroup, ScoringGroup, ScoringGroup];
      assert.deepEqual(ab.rows, keys.flatMap((k, i) => (abBucket(k) < 0.3 ? [i] : [])), 'B scores exactly the keys whose bucket is below the share');
      assert.equal(prod.rows.length + ab.rows.length, rows.length);
      const bKeys = new Set(ab.rows.map((i) => keys[i]));
      assert.ok(Math.abs(bKeys.size / 400 - 0.3) < 0.07, `share of keys on B: ${bKeys.size / 400}`);
      for (const [g, k] of [[prod, 0], [ab, 1]] as const) {
        g.results!.forEach((r, x) => assert.ok(r.ok && Math.abs((r.output.score as number) - expected[k]![g.rows[x]!]!) < 1e-6));
      }
      assert.equal(shadow.rows.length, rows.length);
      shadow.results!.forEach((r, i) => assert.ok(r.ok && Math.abs((r.output.score as number) - expected[2]![i]!) < 1e-6));
      // Without keys every row goes to production.
      assert.deepEqual((await live.scoreRouted(rows.slice(0, 10), mapping)).map((g) => g.variant), ['prod', 'shadow']);
      // Positional rows take the same paths and get the same scores, column by column.
      const { features } = testInputs();
      const positional = await live.scoreRoutedBatch({ rows: rows.map((r) => features.map((f) => r[f])), indexes: features.map((_, i) => i) }, mapping, { key: (i) => keys[i] });
      assert.deepEqual(positional.map((g) => [g.variant, g.label, g.rows]), groups.map((g) => [g.variant, g.label, g.rows]));
      positional.forEach((g, n) => {
        assert.equal(g.results!.errors, undefined);
        assert.deepEqual(g.results!.columns[0], groups[n]!.results!.map((r) => (r.ok ? r.output.score : undefined)));
      });

      // A batch that started before the B side was promoted finishes on the versions it started with.
      const inflight = live.scoreRouted(rows, mapping, { key: (i) => keys[i] });
      await reg.promote('fraud', 2);
      assert.equal(await swaps.wait(), 2);
      assert.equal(await stages.wait(), 'ab:off');
      assert.deepEqual((await inflight).map((g) => g.label), ['model:v1', 'model:v2', 'model:v3']);
      const after = await live.scoreRouted(rows, mapping, { key: (i) => keys[i] });
      assert.deepEqual(after.map((g) => [g.variant, g.label, g.rows.length]), [['prod', 'model:v2', rows.length], ['shadow', 'model:v3', rows.length]]);
      after[0]!.results!.forEach((r, i) => assert.ok(r.ok && Math.abs((r.output.score as number) - expected[1]![i]!) < 1e-6));

      await reg.shadow('fraud', null);
      assert.equal(await stages.wait(), 'shadow:off');
      assert.deepEqual((await live.scoreRouted(rows, mapping, { key: (i) => keys[i] })).map((g) => g.variant), ['prod']);
    } finally {
      await live.close();
    }
  });
});

/** A model whose calls resolve only when the test says so, counting calls and closes. */
function fakeModel(): { model: OnnxModel; calls: number; closes: number; release: () => void } {
  const pending: (() => void)[] = [];
  const state = {
    calls: 0,
    closes: 0,
    release: () => { for (const r of pending.splice(0)) r(); },
    model: {
      check: () => {},
      close: async () => { state.closes++; },
      scoreSettled: (rows: readonly unknown[]) => {
        state.calls++;
        return new Promise<unknown[]>((r) => pending.push(() => r(rows.map(() => ({ ok: true, output: { score: 1 } })))));
      },
    } as unknown as OnnxModel,
  };
  return state;
}

function fakeVersion(version: number): ModelVersion {
  return { name: 'fake', version } as ModelVersion;
}

/** A registry serving fake models by version, whose routing changes when the test pushes one. */
function fakeRegistry(models: Map<number, OnnxModel>, routing: ModelRouting): { registry: ModelRegistry; push: (r: ModelRouting) => void } {
  let onChange: ((r: ModelRouting) => void) | undefined;
  const registry = {
    load: async (_name: string, version?: number) => {
      const v = version ?? routing.production!.version;
      return { version: fakeVersion(v), model: models.get(v)! };
    },
    routing: async () => routing,
    watchRouting: (_name: string, cb: (r: ModelRouting) => void) => {
      onChange = cb;
      return { close: () => {} };
    },
  } as unknown as ModelRegistry;
  return { registry, push: (r) => onChange!(r) };
}

const prodOnly = (v: number): ModelRouting => ({ production: fakeVersion(v), ab: null, shadow: null });
const mapping: ScoreMapping = { inputs: ['x'], outputs: 'score DOUBLE' };
const rows = [{ x: 1 }, { x: 2 }];

describe('LiveModel with a slow model', () => {
  it('keeps a timed-out call\'s version open until the call ends, and sends no new batch to it meanwhile', async () => {
    const v1 = fakeModel();
    const v2 = fakeModel();
    const { registry, push } = fakeRegistry(new Map([[1, v1.model], [2, v2.model]]), prodOnly(1));
    const live = await LiveModel.open(registry, 'fake');
    try {
      const [first] = await live.scoreRouted(rows, mapping, { timeoutMs: 20 });
      assert.equal(first!.timedOut, true);
      assert.equal(v1.calls, 1);
      // While the timed-out call runs, another batch is not sent to the model but times out at once.
      const [second] = await live.scoreRouted(rows, mapping, { timeoutMs: 20 });
      assert.equal(second!.timedOut, true);
      assert.equal(v1.calls, 1, 'no second call on a version with a call past its limit');
      // A promotion retires v1, but its native session must outlive the call still running.
      push(prodOnly(2));
      await live.settled();
      assert.equal(live.version.version, 2);
      assert.equal(v1.closes, 0, 'not closed under a running call');
      v1.release();
      await new Promise((r) => setImmediate(r));
      assert.equal(v1.closes, 1, 'closed once its last call ended');
    } finally {
      v2.release();
      await live.close();
    }
  });

  it('sends batches to the model again once the slow call ended', async () => {
    const v1 = fakeModel();
    const { registry } = fakeRegistry(new Map([[1, v1.model]]), prodOnly(1));
    const live = await LiveModel.open(registry, 'fake');
    try {
      assert.equal((await live.scoreRouted(rows, mapping, { timeoutMs: 10 }))[0]!.timedOut, true);
      v1.release();
      await new Promise((r) => setImmediate(r));
      const pending = live.scoreRouted(rows, mapping, { timeoutMs: 1000 });
      await new Promise((r) => setImmediate(r));
      v1.release();
      const [g] = await pending;
      assert.equal(g!.timedOut, false);
      assert.equal(v1.calls, 2);
    } finally {
      await live.close();
    }
  });

  it('gives a hung shadow a time limit even when the call has none', async () => {
    const v1 = fakeModel();
    const v2 = fakeModel();
    const { registry } = fakeRegistry(new Map([[1, v1.model], [2, v2.model]]), { production: fakeVersion(1), ab: null, shadow: fakeVersion(2) });
    const live = await LiveModel.open(registry, 'fake');
    try {
      const pending = live.scoreRouted(rows, mapping);
      await new Promise((r) => setImmediate(r));
      v1.release();
      const groups = await pending;
      assert.deepEqual(groups.map((g) => [g.variant, g.timedOut]), [['prod', false], ['shadow', true]]);
    } finally {
      v1.release();
      v2.release();
      await live.close();
    }
  });

  it('follows later promotions after one swap failed', async () => {
    const models = new Map([1, 2, 3].map((v) => [v, fakeModel().model]));
    const { registry, push } = fakeRegistry(models, prodOnly(1));
    const swaps: number[] = [];
    const errors: string[] = [];
    let fail = true;
    const live = await LiveModel.open(registry, 'fake', {
      onSwap: (v) => {
        if (fail) {
          fail = false;
          throw new Error('onSwap failed');
        }
        swaps.push(v.version);
      },
      onError: (err) => errors.push((err as Error).message),
    });
    try {
      push(prodOnly(2));
      await live.settled();
      assert.deepEqual(errors, ['onSwap failed']);
      push(prodOnly(3));
      await live.settled();
      assert.deepEqual(swaps, [3]);
      assert.equal(live.version.version, 3);
    } finally {
      await live.close();
    }
  });
});
