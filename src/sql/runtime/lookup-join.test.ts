import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExternalError } from '../../core/errors.js';
import type { LookupConfig, LookupContext, LookupSource, Row } from '../../connectors/registry.js';
import { OperatorHarness } from '../../operators/testing/harness.js';
import { LookupCache } from './lookup-cache.js';
import { LookupJoinOperator } from './lookup-join.js';
import type { LookupJoinSpec } from './lookup-join.js';

/** An in-memory table `(id STRING, name STRING)` looked up by id, recording each call. */
class MemoryLookup implements LookupSource {
  readonly calls: string[][] = [];
  /** Calls that fail before answering. */
  failures = 0;
  inFlight = 0;
  maxInFlight = 0;
  delays: number[] = [];
  constructor(readonly rows: Map<string, Row[]>, readonly maxKeysPerCall?: number) {}
  async lookup(keys: readonly Row[]): Promise<Row[][]> {
    this.calls.push(keys.map((k) => String(k[0])));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      // Later calls answer first, so completion order differs from input order.
      await new Promise((r) => setTimeout(r, this.delays.shift() ?? 0));
      if (this.failures > 0) {
        this.failures--;
        throw new ExternalError('store unreachable', { hint: 'start the store' });
      }
      return keys.map((k) => this.rows.get(String(k[0])) ?? []);
    } finally {
      this.inFlight--;
    }
  }
}

function operator(store: LookupSource, options: Omit<Partial<LookupJoinSpec>, 'config'> & { config?: Partial<LookupConfig> } = {}): LookupJoinOperator {
  const { config, ...rest } = options;
  return new LookupJoinOperator({
    connector: { table: 'users', columns: [], options: new Map(), keyColumns: ['id'] },
    createLookup: (_ctx: LookupContext) => store,
    leftOuter: false,
    keys: [(row) => row[1]],
    dimWidth: 2,
    computed: [],
    bufferCapacity: 100,
    ...rest,
    config: { maxRetries: 0, async: false, ...config },
  });
}

const users = (): Map<string, Row[]> => new Map([['u1', [['u1', 'Ann']]], ['u2', [['u2', 'Bob']]]]);

async function run(h: OperatorHarness<Row, Row>, rows: Row[], t0 = 100): Promise<Row[]> {
  h.processElements(rows.map((r, i) => [r, t0 + i]));
  await h.settled();
  return h.takeOutput().map((e) => e.value);
}

test('one lookup per batch for its distinct keys; output in input order with the probe timestamps', async () => {
  const store = new MemoryLookup(users());
  const h = new OperatorHarness(operator(store));
  await h.open();
  h.processElements([[[1, 'u2'], 10], [[2, 'u1'], 11], [[3, 'u2'], 12], [[4, 'nobody'], 13], [[5, null], 14]]);
  await h.settled();
  const out = h.takeOutput();
  assert.deepEqual(out.map((e) => e.value), [[1, 'u2', 'u2', 'Bob'], [2, 'u1', 'u1', 'Ann'], [3, 'u2', 'u2', 'Bob']]);
  assert.deepEqual(out.map((e) => e.timestamp), [10, 11, 12]);
  // a NULL key matches nothing and is never looked up
  assert.deepEqual(store.calls, [['u2', 'u1', 'nobody']]);
});

test('LEFT join pads unmatched rows with NULLs; the extra ON condition is applied after the lookup', async () => {
  const store = new MemoryLookup(users());
  const h = new OperatorHarness(operator(store, { leftOuter: true, condition: (r) => r[3] !== 'Bob' }));
  await h.open();
  assert.deepEqual(await run(h, [[1, 'u1'], [2, 'u2'], [3, 'zz'], [4, null]]), [
    [1, 'u1', 'u1', 'Ann'], [2, 'u2', null, null], [3, 'zz', null, null], [4, null, null, null],
  ]);
  // the same condition in an INNER join drops the row instead
  const inner = new OperatorHarness(operator(new MemoryLookup(users()), { condition: (r) => r[3] !== 'Bob' }));
  await inner.open();
  assert.deepEqual(await run(inner, [[1, 'u1'], [2, 'u2']]), [[1, 'u1', 'u1', 'Ann']]);
});

test('several rows per key (a database lookup by a non-unique column) each join', async () => {
  const store = new MemoryLookup(new Map([['g', [['g', 'x'], ['g', 'y']]]]));
  const h = new OperatorHarness(operator(store));
  await h.open();
  assert.deepEqual(await run(h, [[1, 'g']]), [[1, 'g', 'g', 'x'], [1, 'g', 'g', 'y']]);
});

test('computed columns of the lookup table are added to the rows read', async () => {
  const store = new MemoryLookup(users());
  const h = new OperatorHarness(operator(store, { dimWidth: 3, computed: [(r) => (r[1] as string).toUpperCase()] }));
  await h.open();
  assert.deepEqual(await run(h, [[1, 'u1']]), [[1, 'u1', 'u1', 'Ann', 'ANN']]);
});

test('PARTIAL cache: hits until expire-after-write passes on the processing-time clock, then reads again', async () => {
  const store = new MemoryLookup(users());
  const op = operator(store, { config: { cache: { expireAfterWriteMs: 1000, cacheMissingKey: true } } });
  const h = new OperatorHarness(op, { processingTime: 0 });
  await h.open();
  await run(h, [[1, 'u1'], [2, 'zz']]);
  store.rows.set('u1', [['u1', 'Ann v2']]);
  store.rows.set('zz', [['zz', 'Zed']]);
  h.setProcessingTime(999);
  // stale but within the TTL: the cached row, and the cached miss
  assert.deepEqual(await run(h, [[3, 'u1'], [4, 'zz']]), [[3, 'u1', 'u1', 'Ann']]);
  assert.equal(store.calls.length, 1);
  h.setProcessingTime(1000);
  assert.deepEqual(await run(h, [[5, 'u1'], [6, 'zz']]), [[5, 'u1', 'u1', 'Ann v2'], [6, 'zz', 'zz', 'Zed']]);
  assert.deepEqual(store.calls, [['u1', 'zz'], ['u1', 'zz']]);
  assert.deepEqual(op.stats().cache, { hits: 2, misses: 4, evictions: 0, expirations: 2, size: 2 });
});

test("PARTIAL cache with 'cache-missing-key' = 'false' asks again for keys that had no row", async () => {
  const store = new MemoryLookup(users());
  const h = new OperatorHarness(operator(store, { config: { cache: { maxRows: 10, cacheMissingKey: false } } }));
  await h.open();
  await run(h, [[1, 'u1'], [2, 'zz']]);
  store.rows.set('zz', [['zz', 'Zed']]);
  assert.deepEqual(await run(h, [[3, 'u1'], [4, 'zz']]), [[3, 'u1', 'u1', 'Ann'], [4, 'zz', 'zz', 'Zed']]);
  assert.deepEqual(store.calls, [['u1', 'zz'], ['zz']]);
});

test('without a cache every batch reads the store', async () => {
  const store = new MemoryLookup(users());
  const h = new OperatorHarness(operator(store));
  await h.open();
  await run(h, [[1, 'u1']]);
  await run(h, [[2, 'u1']]);
  assert.deepEqual(store.calls, [['u1'], ['u1']]);
});

test("keys beyond maxKeysPerCall go in further calls: one at a time, or overlapping with 'lookup.async'", async () => {
  const rows = new Map<string, Row[]>(Array.from({ length: 10 }, (_x, i) => [`k${i}`, [[`k${i}`, `v${i}`]]]));
  const input = Array.from({ length: 10 }, (_x, i) => [i, `k${i}`] as Row);
  const expected = input.map((r) => [...r, r[1], `v${r[0]}`]);

  const sync = new MemoryLookup(rows, 3);
  const hs = new OperatorHarness(operator(sync));
  await hs.open();
  assert.deepEqual(await run(hs, input), expected);
  assert.deepEqual(sync.calls.map((c) => c.length), [3, 3, 3, 1]);
  assert.equal(sync.maxInFlight, 1);

  const overlapping = new MemoryLookup(rows, 3);
  overlapping.delays = [30, 20, 10, 0];
  const ha = new OperatorHarness(operator(overlapping, { config: { async: true }, bufferCapacity: 2 }));
  await ha.open();
  assert.deepEqual(await run(ha, input), expected, 'input order although later calls finish first');
  assert.equal(overlapping.maxInFlight, 2);
});

test("a failing store is retried 'lookup.max-retries' times, then the job fails with an ExternalError saying what to do", async () => {
  const flaky = new MemoryLookup(users());
  flaky.failures = 2;
  const ok = new OperatorHarness(operator(flaky, { config: { maxRetries: 2 } }));
  await ok.open();
  assert.deepEqual(await run(ok, [[1, 'u1']]), [[1, 'u1', 'u1', 'Ann']]);
  assert.equal(flaky.calls.length, 3);
  assert.equal(ok.logs.filter((l) => l.startsWith('warn: lookup of 1 keys in table "users" failed')).length, 2);

  const down = new MemoryLookup(users());
  down.failures = 100;
  const h = new OperatorHarness(operator(down, { config: { maxRetries: 1 } }));
  await h.open();
  h.processElement([1, 'u1'], 5);
  await assert.rejects(h.settled(), (e: unknown) => {
    assert.ok(e instanceof ExternalError);
    assert.match(e.message, /lookup join on table "users" failed after 2 attempts \('lookup.max-retries' = 1\): store unreachable/);
    assert.match(e.hint ?? '', /start the store.*raise 'lookup.max-retries'/);
    return true;
  });
  assert.equal(h.output.length, 0, 'no row leaves without its lookup');
});

test('an error that retrying cannot fix (a bad value) fails at once', async () => {
  const store = new MemoryLookup(users());
  store.lookup = async () => { throw new TypeError('bad value'); };
  const h = new OperatorHarness(operator(store, { config: { maxRetries: 5 } }));
  await h.open();
  h.processElement([1, 'u1'], 5);
  await assert.rejects(h.settled(), /bad value/);
});

test('LookupCache: expire-after-access keeps keys that are read, max-rows evicts the least recently used', () => {
  const c = new LookupCache<string>({ expireAfterAccessMs: 100, maxRows: 2 });
  c.set('a', 'A', 0);
  c.set('b', 'B', 0);
  assert.equal(c.get('a', 90), 'A');
  assert.equal(c.get('a', 180), 'A', 'read at 90, so fresh until 190');
  assert.equal(c.get('b', 180), undefined, 'not read since 0');
  c.set('b', 'B', 180);
  c.set('c', 'C', 181);
  assert.equal(c.get('a', 182), undefined, 'a was least recently used');
  assert.deepEqual(c.stats(), { hits: 2, misses: 2, evictions: 1, expirations: 1, size: 2 });
  // a cache bounded by time only drops keys that never come back as it goes
  const t = new LookupCache<string>({ expireAfterWriteMs: 10 });
  for (let i = 0; i < 100; i++) t.set(`k${i}`, 'v', i * 5);
  assert.ok(t.stats().size <= 3);
});

/** A store whose calls the test answers by hand, to fail or close at a chosen moment. */
class ManualLookup implements LookupSource {
  readonly calls: string[][] = [];
  readonly answers: { resolve: (rows: Row[][]) => void; reject: (err: unknown) => void; keys: readonly Row[] }[] = [];
  readonly maxKeysPerCall = 1;
  lookup(keys: readonly Row[]): Promise<Row[][]> {
    this.calls.push(keys.map((k) => String(k[0])));
    return new Promise((resolve, reject) => this.answers.push({ resolve, reject, keys }));
  }
  answer(i: number): void {
    const a = this.answers[i]!;
    a.resolve(a.keys.map((k) => [[k[0], 'v']]));
  }
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

test("'lookup.async': after one call fails, the other workers start no further calls", async () => {
  const store = new ManualLookup();
  const h = new OperatorHarness(operator(store, { config: { async: true }, bufferCapacity: 2 }));
  await h.open();
  h.processElements(Array.from({ length: 6 }, (_x, i) => [[i, `k${i}`], i] as [Row, number]));
  const failure = assert.rejects(h.settled(), /bad value/);
  await tick();
  assert.deepEqual(store.calls, [['k0'], ['k1']]);
  store.answers[0]!.reject(new TypeError('bad value'));
  await failure;
  // the slow call still answers, but its worker takes no further chunk
  store.answer(1);
  await tick(20);
  assert.deepEqual(store.calls, [['k0'], ['k1']]);
  assert.equal(h.output.length, 0);
});

test('close() stops retries: a call failing after close, or waiting out its backoff, is not tried again', async () => {
  // the call fails after the operator was closed
  const inFlight = new ManualLookup();
  const a = new OperatorHarness(operator(inFlight, { config: { maxRetries: 5 } }));
  await a.open();
  a.processElement([1, 'k1'], 1);
  const failedA = assert.rejects(a.settled(), ExternalError);
  await tick();
  await a.close();
  inFlight.answers[0]!.reject(new ExternalError('store unreachable'));
  await failedA;
  await tick(300);
  assert.equal(inFlight.calls.length, 1, 'no retry after close');

  // the operator is closed while the call waits to be retried
  const backoff = new ManualLookup();
  const op = operator(backoff, { config: { maxRetries: 5 } });
  const b = new OperatorHarness(op);
  await b.open();
  const push = b.logs.push.bind(b.logs);
  b.logs.push = (...lines: string[]): number => { void op.close(); return push(...lines); };
  b.processElement([1, 'k1'], 1);
  const failedB = assert.rejects(b.settled());
  await tick();
  backoff.answers[0]!.reject(new ExternalError('store unreachable'));
  await failedB;
  await tick(300);
  assert.equal(backoff.calls.length, 1, 'no retry after close');
  assert.equal(b.logs.length, 1, 'the one retry announced, then given up');
});
