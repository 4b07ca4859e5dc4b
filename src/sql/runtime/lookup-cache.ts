import type { LookupCacheConfig } from '../../connectors/registry.js';

/** Counters of a lookup cache. */
export interface LookupCacheStats {
  hits: number;
  misses: number;
  /** Keys dropped because the cache held `maxRows` keys (least recently used first). */
  evictions: number;
  /** Keys found but expired (after write or after access). */
  expirations: number;
  size: number;
}

interface Entry<V> {
  value: V;
  written: number;
  accessed: number;
}

/**
 * The PARTIAL cache of a lookup join, as Flink's `DefaultLookupCache`: keys expire a fixed time after
 * they were written and/or after they were last read, and at most `maxRows` keys are kept, the least
 * recently used going first. Times come from the caller (the operator's processing-time clock), so
 * tests move them by hand. A `Map` keeps insertion order: moving a key to the end on every read keeps
 * the least recently used one first.
 */
export class LookupCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly counters = { hits: 0, misses: 0, evictions: 0, expirations: 0 };

  constructor(private readonly config: Omit<LookupCacheConfig, 'cacheMissingKey'>) {}

  /** The value of `key` if cached and fresh at `now`; counts a hit or a miss. */
  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) {
      this.counters.misses++;
      return undefined;
    }
    this.entries.delete(key);
    if (this.expired(e, now)) {
      this.counters.expirations++;
      this.counters.misses++;
      return undefined;
    }
    e.accessed = now;
    this.entries.set(key, e);
    this.counters.hits++;
    return e.value;
  }

  set(key: string, value: V, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, written: now, accessed: now });
    const max = this.config.maxRows;
    while (max !== undefined && this.entries.size > max) {
      this.entries.delete(this.entries.keys().next().value!);
      this.counters.evictions++;
    }
    // The first entries were used longest ago: drop those that expired, so keys that never come back
    // do not pile up in a cache bounded by time only.
    for (const [k, e] of this.entries) {
      if (!this.expired(e, now)) break;
      this.entries.delete(k);
      this.counters.expirations++;
    }
  }

  private expired(e: Entry<V>, now: number): boolean {
    const { expireAfterWriteMs: write, expireAfterAccessMs: access } = this.config;
    return (write !== undefined && now - e.written >= write) || (access !== undefined && now - e.accessed >= access);
  }

  stats(): LookupCacheStats {
    return { ...this.counters, size: this.entries.size };
  }
}
