/** Counters of a cache, for metrics and tests. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries dropped because the cache was full (least recently used first). */
  evictions: number;
  /** Entries found but too old. */
  expirations: number;
  size: number;
}

export interface TtlLruCacheOptions {
  maxEntries: number;
  /** How long an entry may be served after it was set. */
  ttlMs: number;
  /** Processing-time clock in ms; tests pass a fake one. */
  now?: () => number;
}

/**
 * A size-bounded cache whose entries also expire: least recently used entries go first when it is full.
 * A `Map` keeps insertion order, so moving an entry to the end on every hit makes its first key the
 * least recently used one, with O(1) get, set and eviction.
 */
export class TtlLruCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private counters = { hits: 0, misses: 0, evictions: 0, expirations: 0 };

  constructor(options: TtlLruCacheOptions) {
    if (!(options.maxEntries >= 1) || !Number.isInteger(options.maxEntries)) {
      throw new RangeError(`cache maxEntries must be a whole number >= 1, got ${options.maxEntries}`);
    }
    if (!(options.ttlMs > 0)) throw new RangeError(`cache ttlMs must be > 0, got ${options.ttlMs}`);
    this.maxEntries = options.maxEntries;
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
  }

  /** The value if present and fresh, counting a hit; otherwise `undefined`, counting a miss. */
  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) {
      this.counters.misses++;
      return undefined;
    }
    this.entries.delete(key);
    if (e.expires <= this.now()) {
      this.counters.expirations++;
      this.counters.misses++;
      return undefined;
    }
    this.entries.set(key, e);
    this.counters.hits++;
    return e.value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
      this.counters.evictions++;
    }
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  stats(): CacheStats {
    return { ...this.counters, size: this.entries.size };
  }
}
