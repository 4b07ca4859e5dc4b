import type { Key } from '../core/keys.js';
import { aggregatingHandle, listHandle, mapHandle, reducingHandle, valueHandle } from './state-handles.js';
import type { KeyCursor } from './state-handles.js';
import { DEFAULT_MAX_PARALLELISM, keyGroupOf } from '../core/keys.js';
import { WeirError } from '../core/errors.js';
import type {
  AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor,
  ReducingState, ReducingStateDescriptor, StateDescriptor, StateTtlConfig, ValueState, ValueStateDescriptor,
} from './descriptors.js';

/** Scopes keyed state below the key, e.g. by window. Plain keyed state uses `VOID_NAMESPACE`. */
export type Namespace = string | number;
export const VOID_NAMESPACE: Namespace = '';

/** A state handle whose namespace can be switched (window operators switch it per window). */
export interface Namespaced {
  setNamespace(ns: Namespace): void;
}

/**
 * Serialisable picture of all keyed state of one operator, versioned so later formats can read it.
 * Version 1 lists every entry as `[namespace, key, value, ttlTimestamp?]`. Version 2 (what the heap
 * backend writes) keeps each namespace's Map as it is: V8 serialises Maps natively, so a checkpoint
 * costs no per-entry arrays. Both are readable by every backend (`snapshotEntries`).
 */
export type KeyedStateSnapshot = KeyedStateSnapshotV1 | KeyedStateSnapshotV2;

export interface KeyedStateSnapshotV1 {
  version: 1;
  maxParallelism: number;
  states: { name: string; kind: StateDescriptor['kind']; entries: [Namespace, Key, unknown, number?][] }[];
}

export interface KeyedStateSnapshotV2 {
  version: 2;
  maxParallelism: number;
  /** `ttl`: values are `{ v, t }` entries. Map-state values are Maps. */
  states: { name: string; kind: StateDescriptor['kind']; ttl: boolean; tables: [Namespace, Map<Key, unknown>][] }[];
}

/** The entries of a snapshot of any version, as version 1 lists them. */
export function snapshotEntries(snapshot: KeyedStateSnapshot): KeyedStateSnapshotV1['states'] {
  if (snapshot.version === 1) return snapshot.states;
  if (snapshot.version === 2) {
    return snapshot.states.map((st) => {
      const entries: [Namespace, Key, unknown, number?][] = [];
      // Version 1 writes map-state values as arrays of entries.
      const enc = st.kind === 'map' ? (v: unknown) => [...(v as Map<unknown, unknown>).entries()] : (v: unknown) => v;
      for (const [ns, m] of st.tables) {
        for (const [k, raw] of m) {
          if (st.ttl) entries.push([ns, k, enc((raw as TtlEntry).v), (raw as TtlEntry).t]);
          else entries.push([ns, k, enc(raw)]);
        }
      }
      return { name: st.name, kind: st.kind, entries };
    });
  }
  throw new WeirError(`keyed state snapshot version ${String((snapshot as { version: unknown }).version)} is not readable by this weir`, {
    domain: 'user', hint: 'restore with the weir version that wrote it, or start without state',
  });
}

interface TtlEntry { v: unknown; t: number }

/** An aggregating state handle that also exposes its accumulator (window merging needs it). */
export type AccumulatingState<IN, ACC, OUT> = AggregatingState<IN, OUT> & Namespaced & {
  getAccumulator(): ACC | undefined;
  setAccumulator(acc: ACC): void;
};

/**
 * Keyed state of one operator subtask. Every access is for the current key (and the handle's namespace).
 * Implemented on the heap and on disk; both pass the same contract suite.
 */
export interface KeyedStateBackend {
  readonly maxParallelism: number;
  setCurrentKey(key: Key): void;
  getCurrentKey(): Key;
  getValueState<T>(desc: ValueStateDescriptor<T>): ValueState<T> & Namespaced;
  getListState<T>(desc: ListStateDescriptor<T>): ListState<T> & Namespaced;
  getMapState<K, V>(desc: MapStateDescriptor<K, V>): MapState<K, V> & Namespaced;
  getReducingState<T>(desc: ReducingStateDescriptor<T>): ReducingState<T> & Namespaced;
  getAggregatingState<IN, ACC, OUT>(desc: AggregatingStateDescriptor<IN, ACC, OUT>): AccumulatingState<IN, ACC, OUT>;
  /** Keys with a value in a state, in any namespace. */
  keys(stateName: string): Key[];
  /** (namespace, key) entries in one state or in all. */
  size(stateName?: string): number;
  /** Drops expired TTL entries; returns how many. */
  cleanupExpired(): number;
  snapshot(): KeyedStateSnapshot;
  restore(snapshot: KeyedStateSnapshot, ownsKeyGroup?: (keyGroup: number) => boolean): void;
  close?(): void;
}

/**
 * Keyed state on the JavaScript heap: per state, namespace → key → value. Fast, and bounded by memory.
 * Every access is for the current key, set by the runtime (or the operator) before user code runs.
 */
export class HeapKeyedStateBackend implements KeyedStateBackend {
  private readonly cursor: KeyCursor = { key: null };
  private readonly tables = new Map<string, StateTable>();

  constructor(
    readonly maxParallelism: number = DEFAULT_MAX_PARALLELISM,
    private readonly clock: () => number = Date.now,
  ) {}

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

  /** Keys that have a value in a state (in any namespace), for `applyToAllKeys`-style work and tests. */
  keys(stateName: string): Key[] {
    const t = this.tables.get(stateName);
    if (!t) return [];
    const out = new Set<Key>();
    for (const m of t.namespaces.values()) for (const k of m.keys()) out.add(k);
    return [...out];
  }

  /** Number of (namespace, key) entries in one state, or in all of them. */
  size(stateName?: string): number {
    let n = 0;
    for (const [name, t] of this.tables) {
      if (stateName !== undefined && name !== stateName) continue;
      for (const m of t.namespaces.values()) n += m.size;
    }
    return n;
  }

  /** Drops every expired TTL entry; the runtime calls it now and then so idle keys do not pile up. */
  cleanupExpired(): number {
    let dropped = 0;
    for (const t of this.tables.values()) dropped += t.cleanupExpired();
    return dropped;
  }

  /**
   * The state as it is now. The Maps are the live ones: serialise the snapshot before the operator
   * changes state again (the runtime does so when the subtask acknowledges the barrier).
   */
  snapshot(): KeyedStateSnapshot {
    const states: KeyedStateSnapshotV2['states'] = [];
    for (const [name, t] of this.tables) {
      states.push({ name, kind: t.kind, ttl: t.ttl !== undefined, tables: [...t.namespaces.entries()] });
    }
    return { version: 2, maxParallelism: this.maxParallelism, states };
  }

  /**
   * Restores a snapshot. With `ownsKeyGroup`, only the keys of this subtask's key groups are kept, so a
   * job can be restored at another parallelism.
   */
  restore(snapshot: KeyedStateSnapshot, ownsKeyGroup?: (keyGroup: number) => boolean): void {
    if (snapshot.maxParallelism !== this.maxParallelism) {
      throw new WeirError(
        `state was written with max parallelism ${snapshot.maxParallelism}, the job now has ${this.maxParallelism}`,
        { domain: 'user', hint: 'max parallelism is fixed for the life of a job\'s state; set it back' },
      );
    }
    for (const s of snapshotEntries(snapshot)) {
      let t = this.tables.get(s.name);
      if (!t) {
        t = new StateTable(s.kind, undefined, this.clock);
        this.tables.set(s.name, t);
      }
      for (const [ns, k, v, ts] of s.entries) {
        if (ownsKeyGroup && !ownsKeyGroup(keyGroupOf(k, this.maxParallelism))) continue;
        t.restoreEntry(ns, k, s.kind === 'map' && Array.isArray(v) ? new Map(v as [unknown, unknown][]) : copyValue(v), ts);
      }
    }
  }

  private table(desc: StateDescriptor): StateTable {
    let t = this.tables.get(desc.name);
    if (!t) {
      t = new StateTable(desc.kind, desc.ttl, this.clock);
      this.tables.set(desc.name, t);
    } else {
      if (t.kind !== desc.kind) {
        throw new WeirError(`state "${desc.name}" is already registered as ${t.kind} state, not ${desc.kind}`, {
          domain: 'user', hint: 'give each state descriptor of an operator its own name',
        });
      }
      // A restored table may carry a placeholder TTL (timestamps, no config): the descriptor's config wins.
      if (desc.ttl && t.ttl !== desc.ttl) t.enableTtl(desc.ttl);
    }
    return t;
  }
}

/** Restored values must not be shared with the snapshot (a snapshot may be restored twice). */
function copyValue(v: unknown): unknown {
  return v !== null && typeof v === 'object' ? structuredClone(v) : v;
}

/** One state's storage: namespace → key → value (or a TTL entry when the state has a TTL). */
class StateTable {
  readonly namespaces = new Map<Namespace, Map<Key, unknown>>();
  private ns: Namespace = VOID_NAMESPACE;
  private current: Map<Key, unknown> | undefined;
  ttl: StateTtlConfig | undefined;

  constructor(readonly kind: StateDescriptor['kind'], ttl: StateTtlConfig | undefined, private readonly clock: () => number) {
    this.ttl = ttl;
  }

  enableTtl(ttl: StateTtlConfig): void {
    if (!this.ttl) {
      const now = this.clock();
      for (const m of this.namespaces.values()) for (const [k, v] of m) m.set(k, { v, t: now });
    }
    this.ttl = ttl;
  }

  setNamespace(ns: Namespace): void {
    if (ns !== this.ns) {
      this.ns = ns;
      this.current = this.namespaces.get(ns);
    }
  }

  private map(create: boolean): Map<Key, unknown> | undefined {
    if (this.current === undefined) {
      this.current = this.namespaces.get(this.ns);
      if (this.current === undefined && create) {
        this.current = new Map();
        this.namespaces.set(this.ns, this.current);
      }
    }
    return this.current;
  }

  get(key: Key): unknown {
    const m = this.map(false);
    if (m === undefined) return undefined;
    const raw = m.get(key);
    if (raw === undefined || !this.ttl) return raw;
    const e = raw as TtlEntry;
    const now = this.clock();
    if (now - e.t >= this.ttl.ttlMs) {
      if (this.ttl.visibility === 'ReturnExpiredIfNotCleanedUp') return e.v;
      this.remove(key);
      return undefined;
    }
    if (this.ttl.updateType === 'OnReadAndWrite') e.t = now;
    return e.v;
  }

  put(key: Key, value: unknown): void {
    const m = this.map(true)!;
    m.set(key, this.ttl ? { v: value, t: this.clock() } : value);
  }

  /** Restarts the TTL clock after an in-place change (list append, map put). */
  touch(key: Key): void {
    if (!this.ttl) return;
    const e = this.map(false)?.get(key) as TtlEntry | undefined;
    if (e) e.t = this.clock();
  }

  remove(key: Key): void {
    const m = this.map(false);
    if (m === undefined) return;
    m.delete(key);
    if (m.size === 0) {
      this.namespaces.delete(this.ns);
      this.current = undefined;
    }
  }

  restoreEntry(ns: Namespace, key: Key, value: unknown, ts: number | undefined): void {
    let m = this.namespaces.get(ns);
    if (!m) { m = new Map(); this.namespaces.set(ns, m); }
    m.set(key, this.ttl || ts !== undefined ? { v: value, t: ts ?? this.clock() } : value);
    if (ts !== undefined && !this.ttl) this.ttl = { ttlMs: Number.POSITIVE_INFINITY };
    this.current = undefined;
  }

  cleanupExpired(): number {
    if (!this.ttl) return 0;
    const now = this.clock();
    let dropped = 0;
    for (const [ns, m] of this.namespaces) {
      for (const [k, raw] of m) {
        if (now - (raw as TtlEntry).t >= this.ttl.ttlMs) { m.delete(k); dropped++; }
      }
      if (m.size === 0) this.namespaces.delete(ns);
    }
    this.current = undefined;
    return dropped;
  }
}
