/**
 * State descriptors: a name, a kind and the functions the kind needs. Operators declare state with a
 * descriptor and reach it only through their context, which scopes every access to the current key.
 */

/** Time-to-live of keyed state, on processing time, as Flink's `StateTtlConfig`. */
export interface StateTtlConfig {
  ttlMs: number;
  /** When the clock restarts: on create and write (default), or also on read. */
  updateType?: 'OnCreateAndWrite' | 'OnReadAndWrite';
  /** Whether an expired value not yet cleaned up may still be returned (default: never). */
  visibility?: 'NeverReturnExpired' | 'ReturnExpiredIfNotCleanedUp';
}

export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  /** Needed by merging (session) windows. */
  merge?(a: ACC, b: ACC): ACC;
}

interface BaseDescriptor {
  name: string;
  ttl?: StateTtlConfig | undefined;
}

export interface ValueStateDescriptor<T> extends BaseDescriptor {
  kind: 'value';
  defaultValue?: T;
}
export interface ListStateDescriptor<_T> extends BaseDescriptor {
  kind: 'list';
}
export interface MapStateDescriptor<_K, _V> extends BaseDescriptor {
  kind: 'map';
}
export interface ReducingStateDescriptor<T> extends BaseDescriptor {
  kind: 'reducing';
  reduce: (a: T, b: T) => T;
}
export interface AggregatingStateDescriptor<IN, ACC, OUT> extends BaseDescriptor {
  kind: 'aggregating';
  aggregate: AggregateFunction<IN, ACC, OUT>;
}

export type StateDescriptor =
  | ValueStateDescriptor<any>
  | ListStateDescriptor<any>
  | MapStateDescriptor<any, any>
  | ReducingStateDescriptor<any>
  | AggregatingStateDescriptor<any, any, any>;

export function valueState<T>(name: string, options: { defaultValue?: T; ttl?: StateTtlConfig } = {}): ValueStateDescriptor<T> {
  return { kind: 'value', name, ...options };
}
export function listState<T>(name: string, options: { ttl?: StateTtlConfig } = {}): ListStateDescriptor<T> {
  return { kind: 'list', name, ...options };
}
export function mapState<K, V>(name: string, options: { ttl?: StateTtlConfig } = {}): MapStateDescriptor<K, V> {
  return { kind: 'map', name, ...options };
}
export function reducingState<T>(name: string, reduce: (a: T, b: T) => T, options: { ttl?: StateTtlConfig } = {}): ReducingStateDescriptor<T> {
  return { kind: 'reducing', name, reduce, ...options };
}
export function aggregatingState<IN, ACC, OUT>(
  name: string,
  aggregate: AggregateFunction<IN, ACC, OUT>,
  options: { ttl?: StateTtlConfig } = {},
): AggregatingStateDescriptor<IN, ACC, OUT> {
  return { kind: 'aggregating', name, aggregate, ...options };
}

/** Value state of the current key (and namespace). */
export interface ValueState<T> {
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}
export interface ListState<T> {
  get(): T[];
  add(value: T): void;
  addAll(values: T[]): void;
  update(values: T[]): void;
  clear(): void;
}
export interface MapState<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  remove(key: K): void;
  contains(key: K): boolean;
  entries(): [K, V][];
  keys(): K[];
  values(): V[];
  isEmpty(): boolean;
  clear(): void;
}
export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}
export interface AggregatingState<IN, OUT> {
  get(): OUT | undefined;
  add(value: IN): void;
  clear(): void;
}
