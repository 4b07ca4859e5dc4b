import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExternalError } from './errors.js';
import { retry } from './retry.js';

const transient = () => new ExternalError('connection reset', { retriable: true });

test('retry tries again on retriable errors and gives up after the attempts', async () => {
  let calls = 0;
  await assert.rejects(retry(async () => { calls++; throw transient(); }, { attempts: 3, initialDelayMs: 1 }), /connection reset/);
  assert.equal(calls, 3);
  calls = 0;
  assert.equal(await retry(async (n) => { calls++; if (n < 2) throw transient(); return 'ok'; }, { attempts: 3, initialDelayMs: 1 }), 'ok');
  assert.equal(calls, 2);
});

test('an abort during the backoff ends retry at once, without another attempt', async () => {
  const controller = new AbortController();
  let calls = 0;
  const started = Date.now();
  const p = retry(async () => { calls++; throw transient(); }, {
    attempts: 5, initialDelayMs: 10_000, maxDelayMs: 10_000, factor: 1, signal: controller.signal,
    // Called just before the wait: the abort lands while retry is (about to be) waiting.
    onRetry: () => controller.abort(),
  });
  await assert.rejects(p, /connection reset/);
  assert.equal(calls, 1);
  assert.ok(Date.now() - started < 2_000, 'did not wait out the 10 s backoff');
});
