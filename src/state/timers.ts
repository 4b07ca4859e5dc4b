import type { Key } from '../core/keys.js';
import type { Namespace } from './heap-backend.js';

/** A timer as it fires: when, for which key, in which namespace. */
export interface Timer {
  time: number;
  key: Key;
  namespace: Namespace;
}

/**
 * Version 1 lists every timer; version 2 (written now) is the bucket Maps themselves, which V8
 * serialises natively: no per-timer arrays when a checkpoint is taken. Both are readable.
 */
export type TimerQueueSnapshot =
  | { version: 1; timers: [number, Key, Namespace][] }
  | { version: 2; buckets: Map<number, Map<Namespace, Set<Key>>> };

/**
 * Timers of one kind (event or processing time) of one keyed operator. A (time, key, namespace) triple is
 * registered at most once, however often it is asked for, as in Flink. Timers with the same time are kept
 * in one bucket, so registering a timer costs two map look-ups and no allocation when the bucket exists,
 * and firing pops whole buckets in time order.
 */
export class TimerQueue {
  private readonly buckets = new Map<number, Map<Namespace, Set<Key>>>();
  private heap: number[] = [];
  private count = 0;

  register(time: number, key: Key, namespace: Namespace): void {
    let bucket = this.buckets.get(time);
    if (bucket === undefined) {
      bucket = new Map();
      this.buckets.set(time, bucket);
      this.push(time);
    }
    let keys = bucket.get(namespace);
    if (keys === undefined) {
      keys = new Set();
      bucket.set(namespace, keys);
    }
    if (!keys.has(key)) {
      keys.add(key);
      this.count++;
    }
  }

  delete(time: number, key: Key, namespace: Namespace): void {
    const keys = this.buckets.get(time)?.get(namespace);
    if (keys?.delete(key)) this.count--;
  }

  /** The earliest registered time, or `Infinity` when none. */
  peekTime(): number {
    while (this.heap.length > 0) {
      const t = this.heap[0]!;
      const bucket = this.buckets.get(t);
      if (bucket !== undefined && bucketSize(bucket) > 0) return t;
      this.pop();
      this.buckets.delete(t);
    }
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Removes and calls `fire` for every timer with time <= `upTo`, earliest first. Timers registered by
   * `fire` itself for times <= `upTo` fire in the same call, as Flink does on one watermark.
   */
  advance(upTo: number, fire: (time: number, key: Key, namespace: Namespace) => void): number {
    let fired = 0;
    for (;;) {
      const t = this.peekTime();
      if (t > upTo) return fired;
      const bucket = this.buckets.get(t);
      // peekTime() also answers Infinity when the queue is empty; the final watermark is Infinity too.
      if (bucket === undefined) return fired;
      for (const [ns, keys] of bucket) {
        for (const key of keys) {
          keys.delete(key);
          this.count--;
          fired++;
          fire(t, key, ns);
        }
        if (keys.size === 0) bucket.delete(ns);
      }
      if (bucketSize(bucket) === 0) {
        this.buckets.delete(t);
        this.pop();
      }
    }
  }

  get size(): number {
    return this.count;
  }

  /** The live buckets: serialise the snapshot before timers change again (the runtime does so at once). */
  snapshot(): TimerQueueSnapshot {
    return { version: 2, buckets: this.buckets };
  }

  restore(s: TimerQueueSnapshot, keep?: (key: Key) => boolean): void {
    if (s.version === 1) {
      for (const [t, k, ns] of s.timers) if (!keep || keep(k)) this.register(t, k, ns);
      return;
    }
    for (const [t, bucket] of s.buckets) {
      for (const [ns, keys] of bucket) for (const k of keys) if (!keep || keep(k)) this.register(t, k, ns);
    }
  }

  private push(t: number): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= t) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = t;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]! < h[l]! ? r : l;
      if (h[c]! >= last) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}

function bucketSize(bucket: Map<Namespace, Set<Key>>): number {
  let n = 0;
  for (const s of bucket.values()) n += s.size;
  return n;
}
