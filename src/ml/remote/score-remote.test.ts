import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from '../../api/environment.js';
import type { ScoredRow } from '../onnx-model.js';
import { startFakeModelServer } from './fake-model-server.js';
import type { FakeModelServer } from './fake-model-server.js';
import { scoreRemote } from './score-remote.js';
import type { Scorer } from './scorer.js';
import { scoringStats } from './scorer.js';
import { twoTierScore, twoTierStats } from './two-tier.js';

interface Txn { id: number; a: number; b: number }
const txns = (n: number): Txn[] => Array.from({ length: n }, (_, i) => ({ id: i, a: i, b: 0 }));

async function run<T>(build: (env: StreamExecutionEnvironment) => void): Promise<T[]> {
  const env = StreamExecutionEnvironment.create({ batchSize: 1024 });
  build(env);
  const h = env.execute();
  await h.done;
  return h.collected<T>('out').map((r) => r.value);
}

async function withServer(plan: FakeModelServer['plan'], fn: (s: FakeModelServer) => Promise<void>): Promise<void> {
  const s = await startFakeModelServer(plan);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

for (const ordered of [true, false]) {
  test(`scoreRemote overlaps requests and emits ${ordered ? 'in input order' : 'as requests finish'}`, async () => {
    // The first request (ids 0..9) is slow, so unordered output puts its records last.
    await withServer((_n, first) => ({ delayMs: first[0] === 0 ? 600 : 30 }), async (s) => {
      type Out = Txn & { score: number; scored_by: string };
      const out = await run<Out>((env) => {
        scoreRemote(env.fromArray(txns(40)), {
          model: { provider: 'kserve', endpoint: s.url, model: 'm' },
          inputs: ['a', 'b'], outputs: 'score DOUBLE', batchRows: 10, maxInFlight: 3, ordered,
        }).collect('out');
      });
      assert.equal(out.length, 40);
      assert.deepEqual([...out].sort((x, y) => x.id - y.id).map((r) => r.score), txns(40).map((t) => t.a / 10));
      assert.ok(out.every((r) => r.scored_by === 'kserve:m'));
      assert.equal(s.maxInFlight, 3);
      const ids = out.map((r) => r.id);
      if (ordered) assert.deepEqual(ids, txns(40).map((t) => t.id));
      else assert.deepEqual(ids.slice(-10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });
}

test('scoreRemote: a failed request falls back for its own records only, and nothing is dropped', async () => {
  await withServer((_n, first) => (first[0] === 10 ? { status: 500, body: '{"error":"boom"}' } : undefined), async (s) => {
    const stats = scoringStats();
    type Out = Txn & { score: number; scored_by: string };
    const out = await run<Out>((env) => {
      scoreRemote(env.fromArray(txns(30)), {
        model: { provider: 'kserve', endpoint: s.url, model: 'm', maxRetries: 1, retryDelayMs: 1 },
        inputs: ['a', 'b'], outputs: 'score DOUBLE', batchRows: 10, stats,
        fallback: (t) => ({ score: t.a > 15 ? 0.9 : 0.1 }),
      }).collect('out');
    });
    assert.equal(out.length, 30);
    for (const r of out) {
      if (r.id >= 10 && r.id < 20) assert.deepEqual([r.score, r.scored_by], [r.a > 15 ? 0.9 : 0.1, 'fallback']);
      else assert.deepEqual([r.score, r.scored_by], [r.a / 10, 'kserve:m']);
    }
    assert.deepEqual(stats, { rows: 30, scored: 20, fallback: 10, badRows: 0, modelErrors: 1, timeouts: 0 });
  });
});

test('scoreRemote: a server that is down scores everything by the fallback; without a fallback the job fails', async () => {
  const s = await startFakeModelServer();
  const url = s.url;
  await s.close();
  const stats = scoringStats();
  const model = { provider: 'kserve' as const, endpoint: url, model: 'm', maxRetries: 0 };
  const out = await run<Txn & { score: number; scored_by: string }>((env) => {
    scoreRemote(env.fromArray(txns(5)), { model, inputs: ['a', 'b'], outputs: 'score DOUBLE', stats, fallback: () => ({ score: -1 }) }).collect('out');
  });
  assert.deepEqual(out.map((r) => [r.score, r.scored_by]), txns(5).map(() => [-1, 'fallback']));
  assert.equal(stats.modelErrors, 1);
  await assert.rejects(run((env) => {
    scoreRemote(env.fromArray(txns(5)), { model, inputs: ['a', 'b'], outputs: 'score DOUBLE' }).collect('out');
  }), /cannot reach model kserve:m/);
});

/** An in-process "fast model": score = a / 100, counting the rows it sees. */
function fastScorer(seen: { rows: number }): Scorer {
  return {
    label: () => 'model:fast',
    scoreSettled: (rows) => {
      seen.rows += rows.length;
      return Promise.resolve(rows.map((r): ScoredRow => ({ ok: true, output: { score: (r.a as number) / 100 } })));
    },
  };
}

test('twoTierScore: only records whose fast score passes go to the heavy model; each says its tier and scorer', async () => {
  await withServer(() => undefined, async (s) => {
    const seen = { rows: 0 };
    const stats = twoTierStats();
    type Out = Txn & { score: number; tier: string; scored_by: string };
    const out = await run<Out>((env) => {
      twoTierScore(env.fromArray(txns(100)), {
        fast: fastScorer(seen),
        heavy: { provider: 'kserve', endpoint: s.url, model: 'm' },
        inputs: ['a', 'b'], outputs: 'score DOUBLE', threshold: 0.9, heavyBatchRows: 4, stats,
      }).collect('out');
    });
    assert.equal(out.length, 100);
    assert.equal(seen.rows, 100);
    assert.equal(s.rowsPerRequest.reduce((a, b) => a + b, 0), 10, 'only a >= 90 went to the heavy model');
    assert.deepEqual(s.rowsPerRequest, [4, 4, 2]);
    for (const r of out) {
      if (r.a >= 90) assert.deepEqual([r.tier, r.scored_by, r.score], ['heavy', 'kserve:m', r.a / 10]);
      else assert.deepEqual([r.tier, r.scored_by, r.score], ['fast', 'model:fast', r.a / 100]);
    }
    assert.equal(stats.fast.scored, 100);
    assert.equal(stats.heavy.rows, 10);
    assert.equal(stats.heavy.scored, 10);
  });
});

test('twoTierScore: when the heavy model fails, records keep the fast score or take the heavy fallback rule', async () => {
  await withServer((n) => (n === 0 ? { delayMs: 2000 } : undefined), async (s) => {
    type Out = Txn & { score: number; tier: string; scored_by: string };
    const heavy = { provider: 'kserve' as const, endpoint: s.url, model: 'm', timeoutMs: 300 };
    const stats = twoTierStats();
    const kept = await run<Out>((env) => {
      twoTierScore(env.fromArray(txns(100)), {
        fast: fastScorer({ rows: 0 }), heavy, inputs: ['a', 'b'], outputs: 'score DOUBLE', threshold: 0.95, heavyBatchRows: 3, stats,
      }).collect('out');
    });
    // a = 95, 96, 97 went in the first (timed out) request; 98, 99 in the second.
    const byId = new Map(kept.map((r) => [r.id, r]));
    assert.deepEqual([95, 96, 97].map((i) => [byId.get(i)!.tier, byId.get(i)!.scored_by, byId.get(i)!.score]), [95, 96, 97].map((i) => ['heavy', 'model:fast', i / 100]));
    assert.deepEqual([98, 99].map((i) => byId.get(i)!.scored_by), ['kserve:m', 'kserve:m']);
    assert.equal(stats.heavy.timeouts, 1);
    assert.equal(stats.heavy.fallback, 3);

    s.plan = () => ({ status: 503 });
    const ruled = await run<Out>((env) => {
      twoTierScore(env.fromArray(txns(100)), {
        fast: fastScorer({ rows: 0 }), heavy: { ...heavy, maxRetries: 0 }, inputs: ['a', 'b'], outputs: 'score DOUBLE', threshold: 0.95,
        heavyFallback: (t, f) => ({ score: Math.min(1, (f.score as number) + 0.01) }),
      }).collect('out');
    });
    assert.equal(ruled.length, 100);
    assert.deepEqual(ruled.filter((r) => r.tier === 'heavy').map((r) => [r.scored_by, r.score]), [95, 96, 97, 98, 99].map((i) => ['fallback', Math.min(1, i / 100 + 0.01)]));
  });
});

test('twoTierScore checks that both tiers give the same columns', () => {
  assert.throws(() => {
    const env = StreamExecutionEnvironment.create();
    twoTierScore(env.fromArray(txns(1)), {
      fast: fastScorer({ rows: 0 }), heavy: fastScorer({ rows: 0 }), inputs: ['a'], outputs: 'score DOUBLE', heavyOutputs: 'p DOUBLE', threshold: 0.5,
    }).collect('out');
    env.execute();
  }, /differ from the fast model's/);
});
