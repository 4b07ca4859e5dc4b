import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WeirError } from '../core/errors.js';
import { HeapKeyedStateBackend } from './heap-backend.js';
import type { KeyedStateBackend } from './heap-backend.js';
import { LMDB_DATA_FILE, LmdbKeyedStateBackend } from './lmdb-backend.js';
import { runKeyedStateBackendContract, sortedSnapshot } from './backend-contract.js';
import { listState, mapState, valueState } from './descriptors.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-lmdb-test-'));
let n = 0;
const nextDir = (): string => path.join(root, `b${n++}`);
after(() => fs.rmSync(root, { recursive: true, force: true }));

runKeyedStateBackendContract('lmdb', ({ clock, maxParallelism }) =>
  new LmdbKeyedStateBackend(nextDir(), { clock, maxParallelism }));
// A cache of 16 entries is flushed and emptied all the time, so every path reads back from LMDB.
runKeyedStateBackendContract('lmdb (16-entry cache)', ({ clock, maxParallelism }) =>
  new LmdbKeyedStateBackend(nextDir(), { clock, maxParallelism, cacheEntries: 16 }));

/** Some state of every shape, written through the public handles. */
function populate(b: KeyedStateBackend, keys = 500): void {
  const v = b.getValueState(valueState<{ n: number; big: bigint }>('v'));
  const l = b.getListState(listState<string>('l'));
  const m = b.getMapState(mapState<number, string>('m'));
  const t = b.getValueState(valueState<number>('ttl', { ttl: { ttlMs: 10_000 } }));
  for (let i = 0; i < keys; i++) {
    b.setCurrentKey(i % 2 === 0 ? i : `k${i}`);
    for (const h of [v, l, m, t]) h.setNamespace(i % 3);
    v.update({ n: i, big: BigInt(i) << 64n });
    l.addAll([`a${i}`, `b${i}`]);
    m.put(i, `x${i}`);
    t.update(i);
  }
}

describe('LmdbKeyedStateBackend', () => {
  const clock = (): number => 5_000;

  it('switches with the heap backend across a snapshot, both ways', () => {
    const heap = new HeapKeyedStateBackend(128, clock);
    populate(heap);
    const disk = new LmdbKeyedStateBackend(nextDir(), { clock, cacheEntries: 100 });
    disk.restore(heap.snapshot());
    const fromDisk = disk.snapshot();
    assert.deepEqual(sortedSnapshot(fromDisk), sortedSnapshot(heap.snapshot()));
    const back = new HeapKeyedStateBackend(128, clock);
    back.restore(fromDisk);
    assert.deepEqual(sortedSnapshot(back.snapshot()), sortedSnapshot(heap.snapshot()));
    disk.close();
  });

  it('writes a native checkpoint that reopens with the state as of the checkpoint', async () => {
    const dir = nextDir();
    const b = new LmdbKeyedStateBackend(dir, { clock, cacheEntries: 64 });
    populate(b);
    const expected = b.snapshot();
    const cp = path.join(root, `cp${n++}`);
    const done = b.checkpoint(cp);
    // Writes after the checkpoint started must not reach it, even beyond the cache bound.
    const v = b.getValueState(valueState<number>('v'));
    for (let i = 0; i < 1000; i++) { b.setCurrentKey(`after${i}`); v.update(i); }
    assert.throws(() => b.flush(), /native checkpoint is being copied/);
    await done;
    b.flush();
    assert.equal(b.size('v'), 1500);
    assert.ok(fs.statSync(path.join(cp, LMDB_DATA_FILE)).size > 0);
    const r = LmdbKeyedStateBackend.fromCheckpoint(cp, nextDir(), { clock });
    assert.deepEqual(sortedSnapshot(r.snapshot()), sortedSnapshot(expected));
    // The TTL state is still known as timestamped: a TTL registered now applies to restored entries.
    const t = r.getValueState(valueState<number>('ttl', { ttl: { ttlMs: 10_000 } }));
    r.setCurrentKey(0);
    t.setNamespace(0);
    assert.equal(t.value(), 0);
    b.close();
    r.close();
    assert.throws(() => LmdbKeyedStateBackend.fromCheckpoint(path.join(root, 'nowhere'), nextDir()), WeirError);
  });

  it('keeps a closed directory only when asked to', () => {
    const dir = nextDir();
    const b = new LmdbKeyedStateBackend(dir, { clock });
    populate(b, 50);
    const expected = b.snapshot();
    b.close();
    const kept = new LmdbKeyedStateBackend(dir, { clock, keepExisting: true });
    assert.deepEqual(sortedSnapshot(kept.snapshot()), sortedSnapshot(expected));
    kept.close();
    const wiped = new LmdbKeyedStateBackend(dir, { clock });
    assert.equal(wiped.size(), 0);
    wiped.close();
  });

  it('refuses a directory written with another max parallelism', () => {
    const dir = nextDir();
    new LmdbKeyedStateBackend(dir, { maxParallelism: 128 }).close();
    assert.throws(
      () => new LmdbKeyedStateBackend(dir, { maxParallelism: 256, keepExisting: true }),
      (e: unknown) => e instanceof WeirError && e.domain === 'user' && /max parallelism 128/.test(e.message),
    );
  });

  it('rejects keys too long for LMDB with a user error that says what to do', () => {
    const b = new LmdbKeyedStateBackend(nextDir());
    const v = b.getValueState(valueState<number>('v'));
    b.setCurrentKey('x'.repeat(5000));
    assert.throws(() => v.value(), (e: unknown) => e instanceof WeirError && e.domain === 'user' && /hash long keys/.test(e.hint ?? ''));
    b.setCurrentKey('x'.repeat(1000));
    v.update(1);
    assert.equal(v.value(), 1);
    b.close();
  });

  it('fails loudly when used after close', () => {
    const b = new LmdbKeyedStateBackend(nextDir(), { cacheEntries: 16 });
    const v = b.getValueState(valueState<number>('v'));
    b.close();
    b.setCurrentKey(1);
    assert.throws(() => v.value(), WeirError);
  });
});
