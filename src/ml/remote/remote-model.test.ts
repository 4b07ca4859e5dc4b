import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ExternalError, UserError } from '../../core/errors.js';
import { startFakeModelServer } from './fake-model-server.js';
import { RemoteModel, RemoteTimeoutError } from './remote-model.js';
import type { RemoteModelOptions } from './remote-model.js';

const MAPPING = { inputs: ['a', 'b'], outputs: 'score DOUBLE, probabilities_1 DOUBLE' };
const rows = (n: number, from = 0): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => ({ a: from + i, b: 1 }));
const fast = { retryDelayMs: 1, maxRetryDelayMs: 5 };

async function withServer(plan: Parameters<typeof startFakeModelServer>[0], fn: (url: string, server: Awaited<ReturnType<typeof startFakeModelServer>>) => Promise<void>): Promise<void> {
  const server = await startFakeModelServer(plan);
  try {
    await fn(server.url, server);
  } finally {
    await server.close();
  }
}

function open(url: string, extra: Partial<RemoteModelOptions> = {}): Promise<RemoteModel> {
  return RemoteModel.open({ provider: 'kserve', endpoint: url, model: 'm', ...fast, ...extra });
}

test('KServe v2: one request per call, tensor name and datatype from the model metadata, outputs by name and index', async () => {
  await withServer(undefined, async (url, server) => {
    const model = await open(`${url}/`, { version: '1' });
    assert.equal(model.label(), 'kserve:m:v1');
    const out = await model.score(rows(3), MAPPING);
    assert.deepEqual(out, [{ score: 0.1, probabilities_1: 0.1 }, { score: 0.2, probabilities_1: 0.2 }, { score: 0.3, probabilities_1: 0.3 }]);
    assert.deepEqual(server.rowsPerRequest, [3]);
    assert.equal(model.stats.requests, 1);
    assert.equal(model.stats.rows, 3);
  });
});

test('TF Serving: instances in, predictions out', async () => {
  await withServer(undefined, async (url) => {
    const model = await RemoteModel.open({ provider: 'tfserving', endpoint: url, model: 'm', version: '1' });
    const out = await model.score(rows(2, 4), { inputs: ['a', 'b'], outputs: [{ name: 'p', type: 'DOUBLE', from: { output: 'probabilities', index: 1 } }, { name: 'score', type: 'FLOAT' }] });
    assert.deepEqual(out, [{ p: 0.5, score: Math.fround(0.5) }, { p: 0.6, score: Math.fround(0.6) }]);
  });
});

test('a request that outlives the timeout fails with RemoteTimeoutError and is not retried', async () => {
  await withServer(() => ({ delayMs: 1500 }), async (url, server) => {
    const model = await open(url, { timeoutMs: 100, maxRetries: 3 });
    const t0 = Date.now();
    await assert.rejects(model.scoreSettled(rows(2), MAPPING), (err: unknown) => {
      assert.ok(err instanceof RemoteTimeoutError);
      assert.match(err.message, /within 100 ms/);
      assert.match(err.message, /kserve:m/);
      return true;
    });
    assert.ok(Date.now() - t0 < 1000, 'the client gave up at the timeout, not when the server answered');
    assert.equal(model.stats.requests, 1, 'not retried');
    assert.ok(server.requests <= 1);
    assert.equal(model.stats.timeouts, 1);
    assert.equal(model.stats.failures, 1);
  });
});

test('503 then success: retried with backoff, the caller sees only the result', async () => {
  await withServer((n) => (n < 2 ? { status: 503, body: '{"error":"warming up"}' } : undefined), async (url, server) => {
    const model = await open(url, { maxRetries: 2 });
    const out = await model.score(rows(1), MAPPING);
    assert.deepEqual(out, [{ score: 0.1, probabilities_1: 0.1 }]);
    assert.equal(server.requests, 3);
    assert.equal(model.stats.retries, 2);
    assert.equal(model.stats.rows, 1, 'a retried row is counted once');
  });
});

test('429 until the retries run out: ExternalError with the status and the server message', async () => {
  await withServer(() => ({ status: 429, body: '{"error":"slow down"}' }), async (url, server) => {
    const model = await open(url, { maxRetries: 2 });
    await assert.rejects(model.score(rows(1), MAPPING), (err: unknown) => {
      assert.ok(err instanceof ExternalError);
      assert.match(err.message, /429/);
      assert.match(err.message, /slow down/);
      return true;
    });
    assert.equal(server.requests, 3);
  });
});

test('400 is the user\'s mistake: not retried, UserError naming model, URL, status and the server\'s message', async () => {
  await withServer(() => ({ status: 400, body: '{"error":"input x: expected shape [-1, 2]"}' }), async (url, server) => {
    const model = await open(url, { maxRetries: 3 });
    await assert.rejects(model.score(rows(1), MAPPING), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /kserve:m/);
      assert.ok(err.message.includes(`${url}/v2/models/m/infer`));
      assert.match(err.message, /400/);
      assert.match(err.message, /expected shape \[-1, 2\]/);
      return true;
    });
    assert.equal(server.requests, 1);
  });
});

test('a reset connection is retried; a closed port fails with ExternalError saying the server cannot be reached', async () => {
  await withServer((n) => (n === 0 ? { reset: true } : undefined), async (url, server) => {
    const model = await open(url);
    assert.deepEqual(await model.score(rows(1), MAPPING), [{ score: 0.1, probabilities_1: 0.1 }]);
    assert.equal(server.requests, 2);
    assert.equal(model.stats.retries, 1);
  });
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  await assert.rejects(open(`http://127.0.0.1:${port}`, { maxRetries: 1 }), (err: unknown) => {
    assert.ok(err instanceof ExternalError);
    assert.match(err.message, /cannot reach model kserve:m/);
    assert.match(err.message, /ECONNREFUSED/);
    return true;
  });
});

test('a model the server does not have fails at open with a UserError and a hint', async () => {
  await withServer(undefined, async (url) => {
    await assert.rejects(open(url, { version: '2' }), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /404/);
      assert.match(err.hint ?? '', /no model 'm' version 2/);
      return true;
    });
  });
});

test('requests of one call run side by side, never more than maxInFlight at the server', async () => {
  await withServer(() => ({ delayMs: 40 }), async (url, server) => {
    const model = await open(url, { maxInFlight: 3, maxBatchRows: 10 });
    const t0 = Date.now();
    const out = await model.score(rows(200), MAPPING);
    const ms = Date.now() - t0;
    assert.equal(out.length, 200);
    assert.equal(out[137]!.score, (137 + 1) / 10);
    assert.equal(server.requests, 20);
    assert.equal(server.maxInFlight, 3);
    assert.equal(model.stats.maxInFlightSeen, 3);
    // 20 requests of 40 ms, 3 at a time: ~7 rounds, far below 20 in a row.
    assert.ok(ms < 20 * 40, `took ${ms} ms`);
  });
});

test('rows with bad inputs are reported per row and not sent; the others are scored', async () => {
  await withServer(undefined, async (url, server) => {
    const model = await open(url);
    const input = [{ a: 1, b: 1 }, { a: null, b: 1 }, { a: 'x', b: 1 }, { a: 3, b: 1 }];
    const settled = await model.scoreSettled(input, MAPPING);
    assert.deepEqual(settled.map((r) => r.ok), [true, false, false, true]);
    const bad = settled[1]!;
    assert.ok(!bad.ok && /row 1: column "a" of tensor x \(FP64\) is null: missing/.test(bad.error.message));
    assert.deepEqual(server.rowsPerRequest, [2]);
    await assert.rejects(model.score(input, MAPPING), UserError);
  });
});

test('output columns that do not fit the outputs fail with the outputs listed', async () => {
  await withServer(undefined, async (url) => {
    const model = await open(url);
    await assert.rejects(model.score(rows(1), { inputs: ['a', 'b'], outputs: 'probabilities DOUBLE' }), /names output probabilities, which has 2 values per row .*outputs: score\[1\], probabilities\[2\]/);
    // Columns left take the values of the outputs nobody named, in order.
    assert.deepEqual(await model.score(rows(1), { inputs: ['a', 'b'], outputs: 'score DOUBLE, p0 DOUBLE, p1 DOUBLE' }), [{ score: 0.1, p0: 0.9, p1: 0.1 }]);
  });
});

test('bad options fail at open with a UserError', async () => {
  await assert.rejects(RemoteModel.open({ provider: 'kserve', endpoint: 'localhost:8080', model: 'm' }), /not an http\(s\) URL|is not a URL/);
  await assert.rejects(RemoteModel.open({ provider: 'nope' as 'kserve', endpoint: 'http://x', model: 'm' }), /unknown model server provider/);
});

test('close() ends a request in flight: the call rejects at once and nothing more is sent', async () => {
  await withServer(() => ({ delayMs: 2000 }), async (url, server) => {
    const model = await open(url, { timeoutMs: 5000 });
    const call = model.score(rows(2), MAPPING);
    const settled = call.then(() => 'resolved', (err: unknown) => err as Error);
    while (server.requests === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    await model.close();
    const result = await settled;
    assert.ok(result instanceof Error, 'the call rejects');
    assert.match(result.message, /closed while a call to it was under way/);
    assert.ok(Date.now() - t0 < 500, `rejected ${Date.now() - t0} ms after close`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requests, 1);
  });
});

test('close() ends a retry waiting in backoff: no further request arrives', async () => {
  await withServer(() => ({ status: 503, body: '{"error":"warming up"}' }), async (url, server) => {
    const model = await open(url, { retryDelayMs: 5000, maxRetryDelayMs: 5000, maxRetries: 3 });
    const call = model.score(rows(2), MAPPING);
    const settled = call.then(() => 'resolved', (err: unknown) => err as Error);
    while (model.stats.retries === 0) await new Promise((r) => setTimeout(r, 5));
    const sent = server.requests;
    const t0 = Date.now();
    await model.close();
    const result = await settled;
    assert.ok(result instanceof Error, 'the call rejects');
    assert.ok(Date.now() - t0 < 500, `rejected ${Date.now() - t0} ms after close`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requests, sent, 'no request after close');
  });
});
