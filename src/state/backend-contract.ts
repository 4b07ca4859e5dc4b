/**
 * The one contract every `KeyedStateBackend` passes: run it from a backend's test file with a factory.
 * It pins down the heap backend's behaviour (null and undefined, TTL, namespaces, snapshots, key-group
 * filtering) so another backend can be swapped in without operators noticing.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Key } from '../core/keys.js';
import { keyGroupOf } from '../core/keys.js';
import { WeirError } from '../core/errors.js';
import type { KeyedStateBackend, KeyedStateSnapshot, Namespace } from './heap-backend.js';
import { snapshotEntries } from './heap-backend.js';
import type { AggregateFunction, StateTtlConfig } from './descriptors.js';
import { aggregatingState, listState, mapState, reducingState, valueState } from './descriptors.js';

/** What the contract hands a backend factory: the TTL clock to use and the number of key groups. */
export interface BackendFactoryOptions {
  clock: () => number;
  maxParallelism: number;
}

/** Makes a fresh, empty backend. Each call must return an independent backend. */
export type BackendFactory = (options: BackendFactoryOptions) => KeyedStateBackend | Promise<KeyedStateBackend>;

const MAX_PARALLELISM = 128;

const avg: AggregateFunction<number, { sum: number; n: number }, number> = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
  getResult: (acc) => acc.sum / acc.n,
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
};

/** TTL timestamps of a state's entries, as a snapshot records them. */
function timestamps(b: KeyedStateBackend, state: string): (number | undefined)[] {
  return (snapshotEntries(b.snapshot()).find((s) => s.name === state)?.entries ?? []).map((e) => e[3]);
}

/** Entries of a snapshot in a canonical order, so snapshots of different backends compare equal. */
export function sortedSnapshot(s: KeyedStateSnapshot): KeyedStateSnapshot {
  const id = (x: unknown): string => `${typeof x}:${String(x)}`;
  return {
    version: 1,
    maxParallelism: s.maxParallelism,
    states: [...snapshotEntries(s)]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((st) => ({
        ...st,
        entries: [...st.entries].sort((a, b) => {
          const ka = `${id(a[0])}|${id(a[1])}`;
          const kb = `${id(b[0])}|${id(b[1])}`;
          return ka < kb ? -1 : ka > kb ? 1 : 0;
        }),
      })),
  };
}

/**
 * Registers the keyed state backend contract as `node:test` suites named after `name`.
 *
 * @example
 * runKeyedStateBackendContract('heap', ({ clock, maxParallelism }) => new HeapKeyedStateBackend(maxParallelism, clock));
 */
export function runKeyedStateBackendContract(name: string, makeBackend: BackendFactory): void {
  const open: KeyedStateBackend[] = [];

  /** A backend on a clock the test moves by hand. */
  async function setup(start = 1_000): Promise<{ b: KeyedStateBackend; clock: { now: number } }> {
    const clock = { now: start };
    const b = await makeBackend({ clock: () => clock.now, maxParallelism: MAX_PARALLELISM });
    open.push(b);
    return { b, clock };
  }
  async function fresh(clock: { now: number }): Promise<KeyedStateBackend> {
    const b = await makeBackend({ clock: () => clock.now, maxParallelism: MAX_PARALLELISM });
    open.push(b);
    return b;
  }

  describe(`KeyedStateBackend contract: ${name}`, () => {
    afterEach(() => {
      for (const b of open.splice(0)) b.close?.();
    });

    describe('value state', () => {
      it('returns the default when absent, keeps falsy values, and treats null/undefined updates as clear', async () => {
        const { b } = await setup();
        const s = b.getValueState(valueState<number | string | boolean>('v', { defaultValue: 42 }));
        b.setCurrentKey('a');
        assert.equal(s.value(), 42);
        s.update(0);
        assert.equal(s.value(), 0);
        s.update('');
        assert.equal(s.value(), '');
        s.update(false);
        assert.equal(s.value(), false);
        s.update(null as unknown as number);
        assert.equal(s.value(), 42);
        assert.equal(b.size('v'), 0);
        s.update(7);
        s.update(undefined as unknown as number);
        assert.equal(s.value(), 42);
        s.update(8);
        s.clear();
        assert.equal(s.value(), 42);
        assert.equal(b.size(), 0);
        const noDefault = b.getValueState(valueState<number>('nd'));
        assert.equal(noDefault.value(), undefined);
      });

      it('keeps one value per current key, for every kind of key', async () => {
        const { b } = await setup();
        const s = b.getValueState(valueState<string>('v'));
        const keys: Key[] = ['a', '', 'ü€😀', 1, 0, -1, 2 ** 40, 1.5, -0.25, 1n, -(2n ** 70n), true, false, null, '1', 'null', 'true'];
        for (const k of keys) {
          b.setCurrentKey(k);
          assert.equal(b.getCurrentKey(), k);
          s.update(`v:${typeof k}:${String(k)}`);
        }
        for (const k of [...keys].reverse()) {
          b.setCurrentKey(k);
          assert.equal(s.value(), `v:${typeof k}:${String(k)}`, `key ${String(k)} (${typeof k})`);
        }
        assert.equal(b.size('v'), keys.length);
        const seen = b.keys('v');
        assert.equal(seen.length, keys.length);
        for (const k of keys) assert.ok(seen.includes(k), `keys() lacks ${String(k)} (${typeof k})`);
      });

      it('stores structured values: nested objects, arrays with holes of undefined, bigint, Map, Set', async () => {
        const { b, clock } = await setup();
        const s = b.getValueState(valueState<unknown>('v'));
        const value = {
          n: 1.25, s: 'x', big: 2n ** 80n, small: 3n, nil: null, arr: [1, undefined, null, 'z'],
          nested: { deep: [{ a: 1 }] }, map: new Map<unknown, unknown>([[1, 'one'], ['k', { x: 2 }]]), set: new Set([1, 'a']),
        };
        b.setCurrentKey('k');
        s.update(value);
        assert.deepEqual(s.value(), value);
        const restored = await fresh(clock);
        restored.restore(b.snapshot());
        restored.setCurrentKey('k');
        assert.deepEqual(restored.getValueState(valueState<unknown>('v')).value(), value);
      });

      it('keeps an object read and changed in place, as operators that box accumulators expect', async () => {
        const { b } = await setup();
        const s = b.getValueState(valueState<{ v: number }>('box'));
        for (let k = 0; k < 200; k++) { b.setCurrentKey(k); s.update({ v: 0 }); }
        for (let round = 0; round < 3; round++) {
          for (let k = 0; k < 200; k++) {
            b.setCurrentKey(k);
            s.value()!.v += k;
          }
        }
        for (let k = 0; k < 200; k++) {
          b.setCurrentKey(k);
          assert.equal(s.value()!.v, 3 * k);
        }
      });
    });

    describe('namespaces', () => {
      it('keeps namespaces of one state independent and switches between them', async () => {
        const { b } = await setup();
        const s = b.getValueState(valueState<string>('v'));
        b.setCurrentKey('k');
        const spaces: Namespace[] = ['', 'w1', 0, 1, -5, 1.5, 'w2'];
        for (const ns of spaces) { s.setNamespace(ns); s.update(`at ${String(ns)}`); }
        for (const ns of [...spaces].reverse()) { s.setNamespace(ns); assert.equal(s.value(), `at ${String(ns)}`); }
        s.setNamespace('w1');
        s.clear();
        assert.equal(s.value(), undefined);
        s.setNamespace('w2');
        assert.equal(s.value(), 'at w2');
        s.setNamespace(1);
        assert.equal(s.value(), 'at 1', 'number and string namespaces differ');
        s.setNamespace('1');
        assert.equal(s.value(), undefined);
        assert.equal(b.size('v'), spaces.length - 1);
        assert.deepEqual(b.keys('v'), ['k']);
      });

      it('keeps the same namespace of different states apart', async () => {
        const { b } = await setup();
        const a = b.getValueState(valueState<number>('a'));
        const l = b.getListState(listState<number>('l'));
        b.setCurrentKey(1);
        a.setNamespace('w');
        l.setNamespace('w');
        a.update(1);
        l.add(2);
        assert.equal(a.value(), 1);
        assert.deepEqual(l.get(), [2]);
        a.setNamespace('other');
        assert.deepEqual(l.get(), [2]);
        assert.equal(b.size('a'), 1);
        assert.equal(b.size('l'), 1);
        assert.equal(b.size(), 2);
      });

      it('rejects a state name registered with another kind', async () => {
        const { b } = await setup();
        b.getValueState(valueState<number>('x'));
        assert.throws(() => b.getListState(listState<number>('x')), (e: unknown) => e instanceof WeirError && e.domain === 'user');
      });
    });

    describe('list state', () => {
      it('adds, replaces and clears; empty list means absent', async () => {
        const { b } = await setup();
        const l = b.getListState(listState<number | null>('l'));
        b.setCurrentKey('a');
        assert.deepEqual(l.get(), []);
        l.addAll([]);
        assert.equal(b.size('l'), 0);
        l.add(1);
        l.add(null);
        l.addAll([3, 4]);
        assert.deepEqual(l.get(), [1, null, 3, 4]);
        b.setCurrentKey('b');
        assert.deepEqual(l.get(), []);
        l.update([9]);
        b.setCurrentKey('a');
        l.update([5, 6]);
        assert.deepEqual(l.get(), [5, 6]);
        l.update([]);
        assert.deepEqual(l.get(), []);
        assert.equal(b.size('l'), 1);
        b.setCurrentKey('b');
        assert.deepEqual(l.get(), [9]);
        l.clear();
        assert.deepEqual(l.get(), []);
        assert.equal(b.size('l'), 0);
      });

      it('copies the arrays given to update and addAll', async () => {
        const { b } = await setup();
        const l = b.getListState(listState<number>('l'));
        b.setCurrentKey('a');
        const given = [1, 2];
        l.update(given);
        given.push(3);
        assert.deepEqual(l.get(), [1, 2]);
      });
    });

    describe('map state', () => {
      it('puts, gets, removes and lists entries; removing the last entry makes it absent', async () => {
        const { b } = await setup();
        const m = b.getMapState(mapState<unknown, unknown>('m'));
        b.setCurrentKey('a');
        assert.equal(m.isEmpty(), true);
        assert.equal(m.get('x'), undefined);
        assert.equal(m.contains('x'), false);
        assert.deepEqual(m.entries(), []);
        m.put('x', 1);
        m.put(2, { deep: [1n] });
        m.put(2n, 'bigint key');
        m.put('u', undefined);
        m.put(null, 'null key');
        assert.equal(m.get('x'), 1);
        assert.deepEqual(m.get(2), { deep: [1n] });
        assert.equal(m.get(2n), 'bigint key');
        assert.equal(m.contains('u'), true);
        assert.equal(m.get('u'), undefined);
        assert.equal(m.get(null), 'null key');
        assert.equal(m.contains('2'), false);
        assert.equal(m.isEmpty(), false);
        assert.deepEqual(new Set(m.keys()), new Set(['x', 2, 2n, 'u', null]));
        assert.equal(m.values().length, 5);
        assert.equal(m.entries().length, 5);
        m.put('x', 10);
        assert.equal(m.get('x'), 10);
        b.setCurrentKey('b');
        assert.equal(m.isEmpty(), true);
        m.put('only', 1);
        m.remove('only');
        m.remove('never');
        assert.equal(m.isEmpty(), true);
        assert.equal(b.size('m'), 1);
        b.setCurrentKey('a');
        for (const k of m.keys()) m.remove(k);
        assert.equal(m.isEmpty(), true);
        assert.equal(b.size('m'), 0);
        m.put('y', 1);
        m.clear();
        assert.equal(m.contains('y'), false);
      });
    });

    describe('reducing and aggregating state', () => {
      it('reduces added values per key', async () => {
        const { b } = await setup();
        const r = b.getReducingState(reducingState<number>('sum', (x, y) => x + y));
        b.setCurrentKey('a');
        assert.equal(r.get(), undefined);
        r.add(1); r.add(2);
        b.setCurrentKey('b');
        r.add(10);
        b.setCurrentKey('a');
        r.add(3);
        assert.equal(r.get(), 6);
        r.clear();
        assert.equal(r.get(), undefined);
        b.setCurrentKey('b');
        assert.equal(r.get(), 10);
      });

      it('aggregates and exposes the accumulator', async () => {
        const { b } = await setup();
        const g = b.getAggregatingState(aggregatingState('avg', avg));
        b.setCurrentKey('a');
        assert.equal(g.get(), undefined);
        assert.equal(g.getAccumulator(), undefined);
        g.add(2); g.add(4);
        assert.equal(g.get(), 3);
        assert.deepEqual(g.getAccumulator(), { sum: 6, n: 2 });
        g.setAccumulator({ sum: 30, n: 3 });
        assert.equal(g.get(), 10);
        g.setNamespace('w');
        assert.equal(g.get(), undefined);
        g.setNamespace('');
        g.clear();
        assert.equal(g.get(), undefined);
        assert.equal(b.size('avg'), 0);
      });
    });

    describe('TTL on processing time', () => {
      const ttl = (c: Partial<StateTtlConfig> = {}): StateTtlConfig => ({ ttlMs: 100, ...c });

      it('OnCreateAndWrite + NeverReturnExpired: reads do not extend, writes do, expired reads are gone', async () => {
        const { b, clock } = await setup();
        const s = b.getValueState(valueState<number>('v', { ttl: ttl() }));
        b.setCurrentKey('a');
        s.update(1);
        clock.now += 99;
        assert.equal(s.value(), 1);
        clock.now += 1;
        assert.equal(s.value(), undefined);
        assert.equal(b.size('v'), 0, 'an expired value read is dropped');
        s.update(2);
        clock.now += 60;
        s.update(3);
        clock.now += 60;
        assert.equal(s.value(), 3);
      });

      it('OnReadAndWrite: every read restarts the clock', async () => {
        const { b, clock } = await setup();
        const s = b.getValueState(valueState<number>('v', { ttl: ttl({ updateType: 'OnReadAndWrite' }) }));
        b.setCurrentKey('a');
        s.update(1);
        assert.equal(b.size('v'), 1); // a disk backend writes the entry out here: refreshes must reach it
        for (let i = 0; i < 5; i++) { clock.now += 90; assert.equal(s.value(), 1); }
        assert.deepEqual(timestamps(b, 'v'), [clock.now], 'the refreshed timestamp is what a snapshot keeps');
        clock.now += 100;
        assert.equal(s.value(), undefined);
      });

      it('ReturnExpiredIfNotCleanedUp: expired values stay readable until cleanupExpired drops them', async () => {
        const { b, clock } = await setup();
        const s = b.getValueState(valueState<number>('v', { ttl: ttl({ visibility: 'ReturnExpiredIfNotCleanedUp' }) }));
        const plain = b.getValueState(valueState<number>('plain'));
        for (const k of ['a', 'b', 'c']) { b.setCurrentKey(k); s.update(1); plain.update(1); }
        clock.now += 50;
        b.setCurrentKey('c');
        s.update(2);
        clock.now += 60;
        b.setCurrentKey('a');
        assert.equal(s.value(), 1);
        assert.equal(b.size('v'), 3);
        assert.equal(b.cleanupExpired(), 2);
        assert.equal(s.value(), undefined);
        b.setCurrentKey('c');
        assert.equal(s.value(), 2);
        assert.equal(plain.value(), 1);
        assert.equal(b.size('v'), 1);
        assert.equal(b.size('plain'), 3);
      });

      it('cleanupExpired drops expired entries of every kind and namespace', async () => {
        const { b, clock } = await setup();
        const l = b.getListState(listState<number>('l', { ttl: ttl() }));
        const m = b.getMapState(mapState<string, number>('m', { ttl: ttl() }));
        const r = b.getReducingState(reducingState<number>('r', (x, y) => x + y, { ttl: ttl() }));
        for (let k = 0; k < 10; k++) {
          b.setCurrentKey(k);
          for (const ns of ['w1', 'w2']) {
            l.setNamespace(ns); m.setNamespace(ns); r.setNamespace(ns);
            l.add(k); m.put('x', k); r.add(k);
          }
        }
        clock.now += 100;
        assert.equal(b.cleanupExpired(), 60);
        assert.equal(b.size(), 0);
        assert.equal(b.cleanupExpired(), 0);
      });

      it('list appends and map puts restart the clock of the whole entry', async () => {
        const { b, clock } = await setup();
        const l = b.getListState(listState<number>('l', { ttl: ttl() }));
        const m = b.getMapState(mapState<string, number>('m', { ttl: ttl() }));
        b.setCurrentKey('a');
        l.add(1);
        m.put('x', 1);
        clock.now += 80;
        l.add(2);
        m.put('y', 2);
        assert.deepEqual([...timestamps(b, 'l'), ...timestamps(b, 'm')], [clock.now, clock.now]);
        clock.now += 80;
        assert.deepEqual(l.get(), [1, 2]);
        assert.equal(m.get('x'), 1);
        clock.now += 20;
        assert.deepEqual(l.get(), []);
        assert.equal(m.isEmpty(), true);
      });

      it('keeps timestamps through snapshot and restore, and applies the TTL registered after restore', async () => {
        const { b, clock } = await setup();
        const s = b.getValueState(valueState<number>('v', { ttl: ttl() }));
        b.setCurrentKey('old');
        s.update(1);
        clock.now += 60;
        b.setCurrentKey('new');
        s.update(2);
        const snap = b.snapshot();
        const entries = snapshotEntries(snap).find((x) => x.name === 'v')!.entries;
        assert.deepEqual(entries.map((e) => e[3]).sort(), [1000, 1060]);

        const r = await fresh(clock);
        r.restore(snap);
        const rs = r.getValueState(valueState<number>('v', { ttl: ttl() }));
        clock.now += 40;
        r.setCurrentKey('old');
        assert.equal(rs.value(), undefined, 'the restored timestamp counts, not the time of restore');
        r.setCurrentKey('new');
        assert.equal(rs.value(), 2);
        clock.now += 60;
        assert.equal(rs.value(), undefined);
      });

      it('turning TTL on for existing state starts the clock of existing entries at that moment', async () => {
        const { b, clock } = await setup();
        b.getValueState(valueState<number>('v')); // registered without TTL first
        const plain = b.getValueState(valueState<number>('v'));
        b.setCurrentKey('a');
        plain.update(1);
        clock.now += 500;
        const withTtl = b.getValueState(valueState<number>('v', { ttl: ttl() }));
        clock.now += 99;
        assert.equal(withTtl.value(), 1);
        clock.now += 1;
        assert.equal(withTtl.value(), undefined);
      });
    });

    describe('snapshot and restore', () => {
      async function populated(): Promise<{ b: KeyedStateBackend; clock: { now: number } }> {
        const { b, clock } = await setup();
        const v = b.getValueState(valueState<unknown>('v'));
        const l = b.getListState(listState<number>('l'));
        const m = b.getMapState(mapState<string, unknown>('m'));
        const r = b.getReducingState(reducingState<number>('r', (x, y) => x + y));
        const g = b.getAggregatingState(aggregatingState('g', avg));
        const t = b.getValueState(valueState<number>('t', { ttl: { ttlMs: 1_000 } }));
        for (let i = 0; i < 300; i++) {
          const key: Key = i % 3 === 0 ? `user-${i}` : i % 3 === 1 ? i : BigInt(i);
          b.setCurrentKey(key);
          const ns: Namespace = i % 2 === 0 ? '' : i % 5;
          for (const h of [v, l, m, r, g, t]) h.setNamespace(ns);
          v.update({ i, big: BigInt(i) * 10n ** 20n });
          l.addAll([i, i + 1]);
          m.put('a', i);
          m.put('b', [i]);
          r.add(i); r.add(1);
          g.add(i);
          clock.now += 1;
          t.update(i);
        }
        return { b, clock };
      }

      it('round-trips every state kind into a fresh backend', async () => {
        const { b, clock } = await populated();
        const snap = b.snapshot();
        assert.ok(snap.version === 1 || snap.version === 2, `snapshot version ${snap.version}`);
        assert.equal(snap.maxParallelism, MAX_PARALLELISM);
        const r = await fresh(clock);
        r.restore(snap);
        assert.deepEqual(sortedSnapshot(r.snapshot()), sortedSnapshot(snap));
        assert.equal(r.size(), b.size());
        const rl = r.getListState(listState<number>('l'));
        const rm = r.getMapState(mapState<string, unknown>('m'));
        const rg = r.getAggregatingState(aggregatingState('g', avg));
        r.setCurrentKey(17n);
        for (const h of [rl, rm, rg]) h.setNamespace(2);
        assert.deepEqual(rl.get(), [17, 18]);
        assert.deepEqual(rm.entries(), [['a', 17], ['b', [17]]]);
        assert.equal(rg.get(), 17);
        // The restored state is live: writes go on from it.
        rl.add(9);
        assert.deepEqual(rl.get(), [17, 18, 9]);
      });

      it('with a key-group filter keeps exactly the keys of the owned key groups', async () => {
        const { b, clock } = await populated();
        const snap = b.snapshot();
        const owns = (kg: number): boolean => kg >= 32 && kg < 80;
        const r = await fresh(clock);
        r.restore(snap, owns);
        for (const st of snapshotEntries(snap)) {
          const expected = new Set(st.entries.filter((e) => owns(keyGroupOf(e[1], MAX_PARALLELISM))).map((e) => `${typeof e[1]}:${String(e[1])}`));
          assert.ok(expected.size > 0 && expected.size < 300);
          const got = new Set(r.keys(st.name).map((k) => `${typeof k}:${String(k)}`));
          assert.deepEqual(got, expected, `state ${st.name}`);
        }
        const rest = await fresh(clock);
        rest.restore(snap, (kg) => !owns(kg));
        assert.equal(r.size() + rest.size(), b.size());
      });

      it('rejects an unknown snapshot version and another max parallelism', async () => {
        const { b } = await populated();
        const snap = b.snapshot();
        const r = (await setup()).b;
        const userError = (e: unknown): boolean => e instanceof WeirError && e.domain === 'user';
        assert.throws(() => r.restore({ ...snap, version: 99 } as unknown as KeyedStateSnapshot), userError);
        assert.throws(() => r.restore({ ...snap, maxParallelism: 64 }), userError);
        assert.equal(r.size(), 0);
      });

      it('snapshot of an empty backend restores to an empty backend', async () => {
        const { b, clock } = await setup();
        const r = await fresh(clock);
        r.restore(b.snapshot());
        assert.equal(r.size(), 0);
        assert.deepEqual(r.keys('anything'), []);
      });
    });

    describe('randomized against a Map model', () => {
      type Op =
        | { op: 'key'; k: Key } | { op: 'ns'; ns: Namespace }
        | { op: 'vset'; v: number } | { op: 'vclear' } | { op: 'vget' }
        | { op: 'ladd'; v: number } | { op: 'lget' } | { op: 'lclear' }
        | { op: 'mput'; mk: string; v: number } | { op: 'mremove'; mk: string } | { op: 'mget'; mk: string }
        | { op: 'rt' };
      const keyArb = fc.constantFrom<Key>('a', 'b', 1, 2, 3n, null, true);
      const opArb: fc.Arbitrary<Op> = fc.oneof(
        fc.record({ op: fc.constant('key' as const), k: keyArb }),
        fc.record({ op: fc.constant('ns' as const), ns: fc.constantFrom<Namespace>('', 'w', 1) }),
        fc.record({ op: fc.constant('vset' as const), v: fc.integer({ min: -5, max: 5 }) }),
        fc.record({ op: fc.constant('vclear' as const) }),
        fc.record({ op: fc.constant('vget' as const) }),
        fc.record({ op: fc.constant('ladd' as const), v: fc.integer({ min: 0, max: 9 }) }),
        fc.record({ op: fc.constant('lget' as const) }),
        fc.record({ op: fc.constant('lclear' as const) }),
        fc.record({ op: fc.constant('mput' as const), mk: fc.constantFrom('x', 'y'), v: fc.integer() }),
        fc.record({ op: fc.constant('mremove' as const), mk: fc.constantFrom('x', 'y') }),
        fc.record({ op: fc.constant('mget' as const), mk: fc.constantFrom('x', 'y') }),
        fc.record({ op: fc.constant('rt' as const) }),
      );

      it('reads what a Map model of (state, namespace, key) predicts, also across snapshot/restore', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(opArb, { maxLength: 80 }), async (ops) => {
            const clock = { now: 0 };
            let b = await fresh(clock);
            const model = new Map<string, unknown>();
            const id = (state: string, ns: Namespace, k: Key): string => `${state}|${typeof ns}:${String(ns)}|${typeof k}:${String(k)}`;
            let key: Key = 'a';
            let ns: Namespace = '';
            const handles = () => {
              const h = {
                v: b.getValueState(valueState<number>('v')),
                l: b.getListState(listState<number>('l')),
                m: b.getMapState(mapState<string, number>('m')),
              };
              b.setCurrentKey(key);
              h.v.setNamespace(ns); h.l.setNamespace(ns); h.m.setNamespace(ns);
              return h;
            };
            let h = handles();
            for (const o of ops) {
              const vid = id('v', ns, key), lid = id('l', ns, key), mid = id('m', ns, key);
              switch (o.op) {
                case 'key': key = o.k; b.setCurrentKey(key); break;
                case 'ns': ns = o.ns; h.v.setNamespace(ns); h.l.setNamespace(ns); h.m.setNamespace(ns); break;
                case 'vset': h.v.update(o.v); model.set(vid, o.v); break;
                case 'vclear': h.v.clear(); model.delete(vid); break;
                case 'vget': assert.equal(h.v.value(), model.get(vid)); break;
                case 'ladd': {
                  h.l.add(o.v);
                  model.set(lid, [...((model.get(lid) as number[] | undefined) ?? []), o.v]);
                  break;
                }
                case 'lget': assert.deepEqual(h.l.get(), model.get(lid) ?? []); break;
                case 'lclear': h.l.clear(); model.delete(lid); break;
                case 'mput': {
                  h.m.put(o.mk, o.v);
                  model.set(mid, new Map(model.get(mid) as Map<string, number> | undefined).set(o.mk, o.v));
                  break;
                }
                case 'mremove': {
                  h.m.remove(o.mk);
                  const mm = new Map(model.get(mid) as Map<string, number> | undefined);
                  mm.delete(o.mk);
                  if (mm.size === 0) model.delete(mid); else model.set(mid, mm);
                  break;
                }
                case 'mget': assert.equal(h.m.get(o.mk), (model.get(mid) as Map<string, number> | undefined)?.get(o.mk)); break;
                case 'rt': {
                  const snap = b.snapshot();
                  b = await fresh(clock);
                  b.restore(snap);
                  h = handles();
                  break;
                }
              }
            }
            assert.equal(b.size(), model.size);
            for (const state of ['v', 'l', 'm']) {
              const expected = new Set([...model.keys()].filter((k) => k.startsWith(`${state}|`)).map((k) => k.split('|')[2]));
              assert.deepEqual(new Set(b.keys(state).map((k) => `${typeof k}:${String(k)}`)), expected);
            }
          }),
          { numRuns: 60, seed: 20261121 },
        );
      });
    });
  });
}
