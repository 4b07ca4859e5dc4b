import * as fs from 'node:fs';
import { aggregatingHandle, listHandle, mapHandle, reducingHandle, valueHandle } from './state-handles.js';
import type { KeyCursor } from './state-handles.js';
import * as path from 'node:path';
import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import type { Key } from '../core/keys.js';
import { DEFAULT_MAX_PARALLELISM, keyGroupOf } from '../core/keys.js';
import { ExternalError, UserError, WeirError } from '../core/errors.js';
import type {
  AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor, ReducingState,
  ReducingStateDescriptor, StateDescriptor, StateTtlConfig, ValueState, ValueStateDescriptor,
} from './descriptors.js';
import type { AccumulatingState, KeyedStateBackend, KeyedStateSnapshot, KeyedStateSnapshotV1, Namespace, Namespaced } from './heap-backend.js';
import { VOID_NAMESPACE, snapshotEntries } from './heap-backend.js';

/** Options of {@link LmdbKeyedStateBackend}. */
export interface LmdbStateBackendOptions {
  /** Number of key groups; must match the job's (and any snapshot restored into it). Default 128. */
  maxParallelism?: number;
  /** Processing-time clock for TTL. Default `Date.now`. */
  clock?: () => number;
  /**
   * Entries (read or written) held decoded in the write-back cache before it is flushed to LMDB and
   * emptied. Bounds the heap the backend uses (about 100 bytes plus the value per entry); it is only
   * exceeded while a native checkpoint is being copied. Default 100 000.
   */
  cacheEntries?: number;
  /**
   * Open what the directory already holds (e.g. a native checkpoint copied there) instead of starting
   * empty. Default false: a working directory left by a crashed run is wiped, as recovery goes through
   * a checkpoint.
   */
  keepExisting?: boolean;
}

/** File name of the LMDB environment inside a working or checkpoint directory. */
export const LMDB_DATA_FILE = 'data.mdb';

const META_MAX_PARALLELISM = 'maxParallelism';
const META_STATE_PREFIX = 'state:';
const WRITE_BATCH = 50_000;
const MAX_KEY_BYTES = 1900;

interface StateMeta { id: number; kind: StateDescriptor['kind']; timestamped: boolean }

/**
 * A decoded value in the write-back cache. `v === undefined` means absent (a tombstone when dirty);
 * `t` is the TTL timestamp when the state is timestamped.
 */
interface Entry { v: unknown; t: number; dirty: boolean }

/**
 * Keyed state in an LMDB environment on disk, for state larger than memory. Same contract as
 * `HeapKeyedStateBackend` (both pass `runKeyedStateBackendContract`), and the same snapshot format, so a
 * job can switch backends across a restore.
 *
 * Reads are synchronous (LMDB is memory-mapped); reads and writes go through a bounded write-back cache
 * of decoded values. Its changes are written to LMDB in one transaction when it is full (it is then
 * emptied) and on `flush()`, `size()`, `keys()`, `snapshot()`, `checkpoint()` and `close()`. The
 * environment is opened without fsync: the working directory is scratch space, and recovery always goes
 * through a snapshot or a native checkpoint.
 *
 * LMDB keys are `stateId | namespace | keyGroup | key`, so one state, one namespace of a state, or one key
 * group of a namespace is a contiguous range. Values are msgpack (with structured clone, so `Map`, `Set`,
 * `bigint` and `undefined` survive); TTL states store `[timestamp, value]`.
 *
 * As on the heap, a value returned by a read may be changed in place (the window operator keeps its
 * accumulators in a mutable box): objects handed out are written back on the next flush. Such a change
 * is kept only if made before state of another key or namespace is read (which may flush and empty the
 * cache); otherwise call `update`.
 *
 * @example
 * const backend = new LmdbKeyedStateBackend('/var/weir/state/job-1/window-0', { maxParallelism: 128 });
 * const count = backend.getValueState(valueState<number>('count', { defaultValue: 0 }));
 * backend.setCurrentKey('user-7');
 * count.update(count.value()! + 1);
 * await backend.checkpoint('/var/weir/checkpoints/17/window-0'); // or: const snap = backend.snapshot();
 * backend.close();
 */
export class LmdbKeyedStateBackend implements KeyedStateBackend {
  readonly maxParallelism: number;
  private readonly clock: () => number;
  private readonly capacity: number;
  private readonly env: RootDatabase;
  private readonly db: Database<unknown, Buffer>;
  private readonly meta: Database<unknown, string>;
  private readonly tables = new Map<string, DiskTable>();
  private readonly cursor: KeyCursor = { key: null };
  private cached = 0;
  /** @internal Entries changed since the last flush (an upper bound). */
  dirty = 0;
  private nextId = 1;
  private closed = false;
  /** Native checkpoints being copied: while any is, nothing may be committed. */
  private copying = 0;
  /** Scratch space for encoding keys; LMDB copies a key before `get` returns. */
  readonly scratch = Buffer.allocUnsafe(MAX_KEY_BYTES + 64);

  /**
   * Opens (creating it if needed) the working directory of one operator subtask.
   * @throws ExternalError when LMDB cannot open the directory.
   */
  constructor(readonly dir: string, options: LmdbStateBackendOptions = {}) {
    this.maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    this.clock = options.clock ?? Date.now;
    this.capacity = Math.max(16, options.cacheEntries ?? 100_000);
    if (this.maxParallelism < 1 || this.maxParallelism > 0xffff) {
      throw new UserError(`maxParallelism ${this.maxParallelism} is out of range for the LMDB state backend`, {
        origin: 'state:lmdb', hint: 'use a max parallelism between 1 and 65535',
      });
    }
    try {
      fs.mkdirSync(dir, { recursive: true });
      if (!options.keepExisting) {
        for (const f of [LMDB_DATA_FILE, 'lock.mdb']) fs.rmSync(path.join(dir, f), { force: true });
      }
      // No read-ahead (access to state larger than memory is random; an option the typings lack). A write
      // map halves the CPU cost of commits; its risk, a stray write corrupting the file, is bounded by
      // the directory being scratch space. msgpack with structured clone keeps Map, Set, bigint, undefined.
      const envOptions = { path: dir, noSync: true, noMetaSync: true, noReadAhead: true, useWritemap: true, maxDbs: 4 };
      this.env = open(envOptions);
      const dbOptions = { keyEncoding: 'binary' as const, encoding: 'msgpack' as const, encoder: { structuredClone: true } };
      this.db = this.env.openDB<unknown, Buffer>('state', dbOptions);
      this.meta = this.env.openDB<unknown, string>('meta', { encoding: 'msgpack' });
    } catch (err) {
      throw new ExternalError(`cannot open LMDB state directory ${dir}: ${(err as Error).message}`, {
        origin: 'state:lmdb', cause: err, hint: 'check that the directory is writable and has free space',
      });
    }
    const stored = this.meta.get(META_MAX_PARALLELISM) as number | undefined;
    if (stored !== undefined && stored !== this.maxParallelism) {
      this.env.close().catch(() => {});
      throw new WeirError(
        `state in ${dir} was written with max parallelism ${stored}, the job now has ${this.maxParallelism}`,
        { domain: 'user', origin: 'state:lmdb', hint: 'max parallelism is fixed for the life of a job\'s state; set it back' },
      );
    }
    if (stored === undefined) this.meta.putSync(META_MAX_PARALLELISM, this.maxParallelism);
    for (const { key, value } of this.meta.getRange({ start: META_STATE_PREFIX, end: META_STATE_PREFIX + '\uffff' })) {
      const m = value as StateMeta;
      const name = key.slice(META_STATE_PREFIX.length);
      this.tables.set(name, new DiskTable(this, name, m, m.timestamped ? { ttlMs: Number.POSITIVE_INFINITY } : undefined));
      this.nextId = Math.max(this.nextId, m.id + 1);
    }
  }

  /**
   * Opens a working directory on a copy of a native checkpoint written by {@link checkpoint}.
   * The working directory's previous contents are replaced.
   */
  static fromCheckpoint(checkpointDir: string, dir: string, options: Omit<LmdbStateBackendOptions, 'keepExisting'> = {}): LmdbKeyedStateBackend {
    const src = path.join(checkpointDir, LMDB_DATA_FILE);
    if (!fs.existsSync(src)) {
      throw new UserError(`${checkpointDir} holds no LMDB state checkpoint (no ${LMDB_DATA_FILE})`, {
        origin: 'state:lmdb', hint: 'pass a directory written by LmdbKeyedStateBackend.checkpoint()',
      });
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(path.join(dir, 'lock.mdb'), { force: true });
    fs.copyFileSync(src, path.join(dir, LMDB_DATA_FILE));
    return new LmdbKeyedStateBackend(dir, { ...options, keepExisting: true });
  }

  setCurrentKey(key: Key): void {
    this.cursor.key = key;
  }
  getCurrentKey(): Key {
    return this.cursor.key;
  }

  getValueState<T>(desc: ValueStateDescriptor<T>): ValueState<T> & Namespaced {
    return valueHandle(this.table(desc), this.cursor, desc);
  }

  getListState<T>(desc: ListStateDescriptor<T>): ListState<T> & Namespaced {
    return listHandle(this.table(desc), this.cursor, desc);
  }

  getMapState<K, V>(desc: MapStateDescriptor<K, V>): MapState<K, V> & Namespaced {
    return mapHandle(this.table(desc), this.cursor, desc);
  }

  getReducingState<T>(desc: ReducingStateDescriptor<T>): ReducingState<T> & Namespaced {
    return reducingHandle(this.table(desc), this.cursor, desc);
  }

  getAggregatingState<IN, ACC, OUT>(desc: AggregatingStateDescriptor<IN, ACC, OUT>): AccumulatingState<IN, ACC, OUT> {
    return aggregatingHandle(this.table(desc), this.cursor, desc);
  }

  /** Keys that have a value in a state (in any namespace). Flushes the cache, then scans the state. */
  keys(stateName: string): Key[] {
    const t = this.tables.get(stateName);
    if (!t) return [];
    this.flush();
    const out = new Set<Key>();
    for (const k of this.db.getKeys(t.range())) out.add(decodeStorageKey(k).key);
    return [...out];
  }

  /** Number of (namespace, key) entries in one state, or in all of them. Flushes the cache, then counts. */
  size(stateName?: string): number {
    this.flush();
    let n = 0;
    for (const [name, t] of this.tables) {
      if (stateName !== undefined && name !== stateName) continue;
      n += this.db.getCount(t.range());
    }
    return n;
  }

  /** Drops every expired TTL entry, scanning each TTL state on disk. */
  cleanupExpired(): number {
    this.evictAll();
    const now = this.clock();
    let dropped = 0;
    for (const t of this.tables.values()) {
      if (!t.ttl) continue;
      const ttlMs = t.ttl.ttlMs;
      const expired: Buffer[] = [];
      for (const { key, value } of this.db.getRange(t.range())) {
        if (now - (value as [number, unknown])[0] >= ttlMs) expired.push(Buffer.from(key));
      }
      for (let i = 0; i < expired.length; i += WRITE_BATCH) {
        this.write(() => { for (const k of expired.slice(i, i + WRITE_BATCH)) this.db.removeSync(k); });
      }
      dropped += expired.length;
    }
    return dropped;
  }

  /** The whole state in the portable snapshot format (same as the heap backend's). Flushes first. */
  snapshot(): KeyedStateSnapshot {
    this.flush();
    const states: KeyedStateSnapshotV1['states'] = [];
    for (const [name, t] of this.tables) {
      const entries: [Namespace, Key, unknown, number?][] = [];
      for (const { key, value } of this.db.getRange(t.range())) {
        const { ns, key: k } = decodeStorageKey(key);
        if (t.ttl) {
          const [ts, v] = value as [number, unknown];
          entries.push([ns, k, encodeValue(t.kind, v), ts]);
        } else entries.push([ns, k, encodeValue(t.kind, value)]);
      }
      states.push({ name, kind: t.kind, entries });
    }
    return { version: 1, maxParallelism: this.maxParallelism, states };
  }

  /**
   * Restores a portable snapshot (from either backend). With `ownsKeyGroup`, only the keys of this
   * subtask's key groups are kept, so a job can be restored at another parallelism.
   */
  restore(snapshot: KeyedStateSnapshot, ownsKeyGroup?: (keyGroup: number) => boolean): void {
    const entries = snapshotEntries(snapshot);
    if (snapshot.maxParallelism !== this.maxParallelism) {
      throw new WeirError(
        `state was written with max parallelism ${snapshot.maxParallelism}, the job now has ${this.maxParallelism}`,
        { domain: 'user', hint: 'max parallelism is fixed for the life of a job\'s state; set it back' },
      );
    }
    this.evictAll();
    const now = this.clock();
    for (const s of entries) {
      let t = this.tables.get(s.name);
      if (!t) t = this.createTable(s.name, s.kind, undefined);
      if (!t.ttl && s.entries.some((e) => e[3] !== undefined)) t.enableTtl({ ttlMs: Number.POSITIVE_INFINITY });
      const table = t;
      for (let i = 0; i < s.entries.length; i += WRITE_BATCH) {
        this.write(() => {
          const end = Math.min(s.entries.length, i + WRITE_BATCH);
          for (let j = i; j < end; j++) {
            const [ns, k, v, ts] = s.entries[j]!;
            const kg = keyGroupOf(k, this.maxParallelism);
            if (ownsKeyGroup && !ownsKeyGroup(kg)) continue;
            const value = decodeValue(s.kind, v);
            this.db.putSync(table.encodeKey(ns, k, kg), table.ttl ? [ts ?? now, value] : value);
          }
        });
      }
    }
  }

  /** Writes every changed cached value to LMDB in one transaction; the cache keeps its (now clean) values. */
  flush(): void {
    this.assertOpen();
    if (this.dirty === 0) return;
    this.write(() => {
      for (const t of this.tables.values()) t.writeDirty(this.db);
    });
    this.dirty = 0;
  }

  /**
   * Native checkpoint: flushes, then copies the LMDB environment file to `checkpointDir/data.mdb` on a
   * background thread. Far cheaper than `snapshot()` for large state (a file copy, no decoding), but
   * only this backend reads it back, with {@link LmdbKeyedStateBackend.fromCheckpoint}, at the same max
   * parallelism; rescaling goes through `snapshot()`/`restore()`.
   *
   * Processing may go on while the copy runs: state handles keep working, and the cache grows past its
   * bound instead of committing (a commit could leak into the copy). `flush`, `size`, `keys`,
   * `snapshot`, `restore`, `cleanupExpired` and `close` with pending changes throw until the promise settles.
   */
  async checkpoint(checkpointDir: string, compact = false): Promise<void> {
    this.flush();
    fs.mkdirSync(checkpointDir, { recursive: true });
    fs.rmSync(path.join(checkpointDir, LMDB_DATA_FILE), { force: true });
    this.copying++;
    try {
      // LMDB writes `data.mdb` inside the directory it is given.
      await this.env.backup(checkpointDir, compact);
    } catch (err) {
      throw new ExternalError(`cannot write LMDB state checkpoint to ${checkpointDir}: ${(err as Error).message}`, {
        origin: 'state:lmdb', cause: err, hint: 'check free space and permissions of the checkpoint directory',
      });
    } finally {
      this.copying--;
    }
  }

  /** Flushes and closes the environment; the directory keeps the state (open it with `keepExisting`). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.env.close().catch(() => {});
  }

  /** @internal Called by a table before it caches one more entry. */
  reserveCacheSlot(): void {
    if (++this.cached > this.capacity && this.copying === 0) {
      this.evictAll();
      this.cached = 1;
    }
  }

  /** @internal */
  read(key: Buffer): unknown {
    this.assertOpen();
    return this.db.get(key);
  }

  /** @internal Rewrites one state's values (turning TTL timestamps on). */
  rewriteState(t: DiskTable, rewrite: (v: unknown) => unknown): void {
    const batch: [Buffer, unknown][] = [];
    const drain = (): void => {
      this.write(() => { for (const [k, v] of batch) this.db.putSync(k, v); });
      batch.length = 0;
    };
    for (const { key, value } of this.db.getRange(t.range())) {
      batch.push([Buffer.from(key), rewrite(value)]);
      if (batch.length >= WRITE_BATCH) drain();
    }
    if (batch.length > 0) drain();
  }

  /** @internal */
  saveMeta(name: string, m: StateMeta): void {
    this.meta.putSync(META_STATE_PREFIX + name, m);
  }

  /** Flushes, then empties the cache. */
  private evictAll(): void {
    this.flush();
    for (const t of this.tables.values()) t.clearCache();
    this.cached = 0;
  }

  private write(fn: () => void): void {
    if (this.copying > 0) {
      throw new WeirError(`LMDB state in ${this.dir} cannot be written while a native checkpoint is being copied`, {
        domain: 'internal', origin: 'state:lmdb', hint: 'await checkpoint() before flush, size, keys, snapshot, restore or close',
      });
    }
    try {
      this.db.transactionSync(fn);
    } catch (err) {
      if (err instanceof WeirError) throw err;
      throw new ExternalError(`writing keyed state to LMDB in ${this.dir} failed: ${(err as Error).message}`, {
        origin: 'state:lmdb', cause: err, hint: 'check free disk space in the state directory',
      });
    }
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new WeirError(`LMDB state backend in ${this.dir} is closed`, { domain: 'internal', origin: 'state:lmdb' });
    }
  }

  private createTable(name: string, kind: StateDescriptor['kind'], ttl: StateTtlConfig | undefined): DiskTable {
    const m: StateMeta = { id: this.nextId++, kind, timestamped: ttl !== undefined };
    if (m.id > 0xffff) {
      throw new UserError(`too many keyed states in one operator (more than ${0xffff})`, {
        origin: 'state:lmdb', hint: 'reuse state descriptors instead of creating one per key or window',
      });
    }
    this.saveMeta(name, m);
    const t = new DiskTable(this, name, m, ttl);
    this.tables.set(name, t);
    return t;
  }

  private table(desc: StateDescriptor): DiskTable {
    const t = this.tables.get(desc.name);
    if (!t) return this.createTable(desc.name, desc.kind, desc.ttl);
    if (t.kind !== desc.kind) {
      throw new WeirError(`state "${desc.name}" is already registered as ${t.kind} state, not ${desc.kind}`, {
        domain: 'user', hint: 'give each state descriptor of an operator its own name',
      });
    }
    if (desc.ttl) {
      if (!t.ttl) t.enableTtl(desc.ttl);
      else t.ttl = desc.ttl;
    }
    return t;
  }

  /** @internal */
  now(): number {
    return this.clock();
  }
}

function encodeValue(kind: StateDescriptor['kind'], v: unknown): unknown {
  return kind === 'map' ? [...(v as Map<unknown, unknown>).entries()] : v;
}
function decodeValue(kind: StateDescriptor['kind'], v: unknown): unknown {
  return kind === 'map' ? new Map(v as [unknown, unknown][]) : v;
}

/** One state: its cached entries (namespace → key → entry) and its LMDB key range. */
class DiskTable {
  readonly kind: StateDescriptor['kind'];
  readonly id: number;
  ttl: StateTtlConfig | undefined;
  private cache = new Map<Namespace, Map<Key, Entry>>();
  private ns: Namespace = VOID_NAMESPACE;
  private current: Map<Key, Entry> | undefined;

  constructor(
    private readonly backend: LmdbKeyedStateBackend,
    readonly name: string,
    private readonly meta: StateMeta,
    ttl: StateTtlConfig | undefined,
  ) {
    this.kind = meta.kind;
    this.id = meta.id;
    this.ttl = ttl;
  }

  range(): { start: Buffer; end: Buffer } {
    const start = Buffer.alloc(2);
    start.writeUInt16BE(this.id);
    const end = Buffer.alloc(3);
    end.writeUInt16BE(this.id);
    end[2] = 0xff; // no encoded namespace starts with 0xff
    return { start, end };
  }

  enableTtl(ttl: StateTtlConfig): void {
    if (!this.ttl) {
      this.backend.flush();
      this.clearCache();
      const now = this.backend.now();
      this.backend.rewriteState(this, (v) => [now, v]);
      this.meta.timestamped = true;
      this.backend.saveMeta(this.name, this.meta);
    }
    this.ttl = ttl;
  }

  setNamespace(ns: Namespace): void {
    if (ns !== this.ns) {
      this.ns = ns;
      this.current = this.cache.get(ns);
    }
  }

  clearCache(): void {
    this.cache = new Map();
    this.current = undefined;
  }

  /** The key's cached entry, loading it from LMDB on a miss. */
  private entry(key: Key): Entry {
    let m = this.current ?? this.cache.get(this.ns);
    let e = m?.get(key);
    if (e !== undefined) return e;
    this.backend.reserveCacheSlot(); // may empty every cache
    m = this.nsMap();
    const raw = this.backend.read(this.encodeKey(this.ns, key, keyGroupOf(key, this.backend.maxParallelism), true));
    if (raw === undefined) e = { v: undefined, t: 0, dirty: false };
    else if (this.ttl) e = { v: (raw as [number, unknown])[1], t: (raw as [number, unknown])[0], dirty: false };
    else e = { v: raw, t: 0, dirty: false };
    m.set(key, e);
    return e;
  }

  /** An entry to overwrite, without reading the old value. */
  private blank(key: Key): Entry {
    let e = (this.current ?? this.cache.get(this.ns))?.get(key);
    if (e !== undefined) return e;
    this.backend.reserveCacheSlot();
    e = { v: undefined, t: 0, dirty: false };
    this.nsMap().set(key, e);
    return e;
  }

  private nsMap(): Map<Key, Entry> {
    let m = this.current ?? this.cache.get(this.ns);
    if (m === undefined) {
      m = new Map();
      this.cache.set(this.ns, m);
    }
    this.current = m;
    return m;
  }

  get(key: Key): unknown {
    const e = this.entry(key);
    if (e.v === undefined) return undefined;
    if (this.ttl) {
      const now = this.backend.now();
      if (now - e.t >= this.ttl.ttlMs) {
        if (this.ttl.visibility !== 'ReturnExpiredIfNotCleanedUp') {
          this.remove(key);
          return undefined;
        }
      } else if (this.ttl.updateType === 'OnReadAndWrite') {
        e.t = now;
        this.markDirty(e);
      }
    }
    // The caller may change an object in place, as it may on the heap: write it back on flush.
    if (typeof e.v === 'object') this.markDirty(e);
    return e.v;
  }

  put(key: Key, value: unknown): void {
    const e = this.blank(key);
    e.v = value;
    if (this.ttl) e.t = this.backend.now();
    this.markDirty(e);
  }

  /** Restarts the TTL clock after an in-place change (list append, map put). */
  touch(key: Key): void {
    if (!this.ttl) return;
    const e = this.entry(key);
    if (e.v !== undefined) { e.t = this.backend.now(); this.markDirty(e); }
  }

  remove(key: Key): void {
    const e = this.blank(key);
    e.v = undefined;
    this.markDirty(e);
  }

  private markDirty(e: Entry): void {
    if (!e.dirty) {
      e.dirty = true;
      this.backend.dirty++;
    }
  }

  /** Writes changed entries inside the caller's write transaction (LMDB copies the scratch key at once). */
  writeDirty(db: Database<unknown, Buffer>): void {
    const mp = this.backend.maxParallelism;
    // Written key group by key group (a counting sort): consecutive writes then land in one subtree,
    // which stays in CPU cache, instead of all over the B-tree.
    const byGroup: [Key, Entry][][] = [];
    for (const [ns, m] of this.cache) {
      for (const [k, e] of m) {
        if (!e.dirty) continue;
        e.dirty = false;
        const kg = keyGroupOf(k, mp);
        (byGroup[kg] ??= []).push([k, e]);
      }
      for (let kg = 0; kg < byGroup.length; kg++) {
        const group = byGroup[kg];
        if (group === undefined) continue;
        for (const [k, e] of group) {
          const key = this.encodeKey(ns, k, kg, true);
          if (e.v === undefined) db.removeSync(key);
          else db.putSync(key, this.ttl ? [e.t, e.v] : e.v);
        }
      }
      byGroup.length = 0;
    }
  }

  /** `stateId u16 | namespace | keyGroup u16 | key`. With `scratch`, the result is only valid until the next call. */
  encodeKey(ns: Namespace, key: Key, keyGroup: number, scratch = false): Buffer {
    const buf = this.backend.scratch;
    buf.writeUInt16BE(this.id, 0);
    let off = writeKeyPart(buf, 2, ns);
    buf.writeUInt16BE(keyGroup, off);
    off = writeKeyPart(buf, off + 2, key);
    return scratch ? buf.subarray(0, off) : Buffer.from(buf.subarray(0, off));
  }
}

const T_NULL = 0, T_FALSE = 1, T_TRUE = 2, T_INT = 3, T_FLOAT = 4, T_BIGINT = 5, T_STRING = 6;

/** Writes a key or namespace, tagged and length-prefixed so that no encoding is a prefix of another. */
function writeKeyPart(buf: Buffer, off: number, v: Key): number {
  switch (typeof v) {
    case 'number':
      if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) {
        buf[off] = T_INT;
        buf.writeInt32BE(v | 0, off + 1);
        return off + 5;
      }
      buf[off] = T_FLOAT;
      buf.writeDoubleBE(Number.isNaN(v) ? NaN : v, off + 1);
      return off + 9;
    case 'string':
    case 'bigint': {
      const s = typeof v === 'string' ? v : v.toString();
      if (s.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(s) > MAX_KEY_BYTES - off) {
        throw new UserError(`state key or namespace of ${Buffer.byteLength(s)} bytes is too long for the LMDB state backend`, {
          origin: 'state:lmdb', hint: `keep keys and namespaces under ${MAX_KEY_BYTES - 16} bytes (hash long keys), or use the heap backend`,
        });
      }
      buf[off] = typeof v === 'string' ? T_STRING : T_BIGINT;
      const n = buf.write(s, off + 3, 'utf8');
      buf.writeUInt16BE(n, off + 1);
      return off + 3 + n;
    }
    case 'boolean':
      buf[off] = v ? T_TRUE : T_FALSE;
      return off + 1;
    default:
      if (v !== null) {
        throw new UserError(`a state key must be a string, number, bigint, boolean or null, not ${typeof v}`, {
          origin: 'state:lmdb', hint: 'return a primitive (or an array of them) from the key selector',
        });
      }
      buf[off] = T_NULL;
      return off + 1;
  }
}

function readKeyPart(buf: Uint8Array, off: number): [Key, number] {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  switch (b[off]) {
    case T_NULL: return [null, off + 1];
    case T_FALSE: return [false, off + 1];
    case T_TRUE: return [true, off + 1];
    case T_INT: return [b.readInt32BE(off + 1), off + 5];
    case T_FLOAT: return [b.readDoubleBE(off + 1), off + 9];
    case T_STRING:
    case T_BIGINT: {
      const n = b.readUInt16BE(off + 1);
      const s = b.toString('utf8', off + 3, off + 3 + n);
      return [b[off] === T_STRING ? s : BigInt(s), off + 3 + n];
    }
    default:
      throw new WeirError(`unknown key tag ${b[off]} in LMDB state`, { domain: 'internal', origin: 'state:lmdb' });
  }
}

/** Splits an LMDB key back into (namespace, key group, key). */
function decodeStorageKey(buf: Uint8Array): { ns: Namespace; keyGroup: number; key: Key } {
  const [ns, off] = readKeyPart(buf, 2);
  const keyGroup = (buf[off]! << 8) | buf[off + 1]!;
  const [key] = readKeyPart(buf, off + 2);
  return { ns: ns as Namespace, keyGroup, key };
}
