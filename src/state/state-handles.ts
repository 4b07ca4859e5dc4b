import type { Key } from '../core/keys.js';
import type {
  AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor, ReducingState,
  ReducingStateDescriptor, ValueState, ValueStateDescriptor,
} from './descriptors.js';
import type { AccumulatingState, Namespace, Namespaced } from './heap-backend.js';

/** What a backend's storage of one state offers; the handles below are built on it. */
export interface StateTableOps {
  setNamespace(ns: Namespace): void;
  get(key: Key): unknown;
  put(key: Key, value: unknown): void;
  remove(key: Key): void;
  /** The stored value was changed in place (list append, map put): restart TTL, mark it dirty. */
  touch(key: Key): void;
}

/** The current key, shared by a backend and its handles. */
export interface KeyCursor {
  key: Key;
}

/**
 * The state handles users get, the same for every backend: each access is for `cursor.key` in the
 * handle's namespace.
 */
export function valueHandle<T>(t: StateTableOps, c: KeyCursor, desc: ValueStateDescriptor<T>): ValueState<T> & Namespaced {
  const dflt = desc.defaultValue;
  return {
    setNamespace: (ns) => t.setNamespace(ns),
    value: () => {
      const v = t.get(c.key) as T | undefined;
      return v === undefined ? dflt : v;
    },
    update: (v) => (v === undefined || v === null ? t.remove(c.key) : t.put(c.key, v)),
    clear: () => t.remove(c.key),
  };
}

export function listHandle<T>(t: StateTableOps, c: KeyCursor, _desc: ListStateDescriptor<T>): ListState<T> & Namespaced {
  return {
    setNamespace: (ns) => t.setNamespace(ns),
    get: () => (t.get(c.key) as T[] | undefined) ?? [],
    add: (v) => {
      const list = t.get(c.key) as T[] | undefined;
      if (list) { list.push(v); t.touch(c.key); } else t.put(c.key, [v]);
    },
    addAll: (vs) => {
      if (vs.length === 0) return;
      const list = t.get(c.key) as T[] | undefined;
      if (list) { list.push(...vs); t.touch(c.key); } else t.put(c.key, [...vs]);
    },
    update: (vs) => (vs.length === 0 ? t.remove(c.key) : t.put(c.key, [...vs])),
    clear: () => t.remove(c.key),
  };
}

export function mapHandle<K, V>(t: StateTableOps, c: KeyCursor, _desc: MapStateDescriptor<K, V>): MapState<K, V> & Namespaced {
  const map = (): Map<K, V> | undefined => t.get(c.key) as Map<K, V> | undefined;
  return {
    setNamespace: (ns) => t.setNamespace(ns),
    get: (k) => map()?.get(k),
    put: (k, v) => {
      const m = map();
      if (m) { m.set(k, v); t.touch(c.key); } else t.put(c.key, new Map([[k, v]]));
    },
    remove: (k) => {
      const m = map();
      if (!m) return;
      m.delete(k);
      if (m.size === 0) t.remove(c.key);
    },
    contains: (k) => map()?.has(k) ?? false,
    entries: () => [...(map()?.entries() ?? [])],
    keys: () => [...(map()?.keys() ?? [])],
    values: () => [...(map()?.values() ?? [])],
    isEmpty: () => (map()?.size ?? 0) === 0,
    clear: () => t.remove(c.key),
  };
}

export function reducingHandle<T>(t: StateTableOps, c: KeyCursor, desc: ReducingStateDescriptor<T>): ReducingState<T> & Namespaced {
  return {
    setNamespace: (ns) => t.setNamespace(ns),
    get: () => t.get(c.key) as T | undefined,
    add: (v) => {
      const cur = t.get(c.key) as T | undefined;
      t.put(c.key, cur === undefined ? v : desc.reduce(cur, v));
    },
    clear: () => t.remove(c.key),
  };
}

export function aggregatingHandle<IN, ACC, OUT>(t: StateTableOps, c: KeyCursor, desc: AggregatingStateDescriptor<IN, ACC, OUT>): AccumulatingState<IN, ACC, OUT> {
  const agg = desc.aggregate;
  return {
    setNamespace: (ns) => t.setNamespace(ns),
    get: () => {
      const acc = t.get(c.key) as ACC | undefined;
      return acc === undefined ? undefined : agg.getResult(acc);
    },
    add: (v) => {
      const acc = t.get(c.key) as ACC | undefined;
      t.put(c.key, agg.add(v, acc === undefined ? agg.createAccumulator() : acc));
    },
    clear: () => t.remove(c.key),
    getAccumulator: () => t.get(c.key) as ACC | undefined,
    setAccumulator: (acc) => t.put(c.key, acc),
  };
}
