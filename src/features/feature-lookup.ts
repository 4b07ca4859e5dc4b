import type { RetryOptions } from '../core/retry.js';
import { RedisConnection } from '../connectors/redis/connection.js';
import type { FeatureRow } from './feature-row.js';
import { TIME_FIELD, checkNamespace, onlineKey } from '../connectors/redis/feature-layout.js';
import { checkFeatureName, decodeHash, opt } from './feature-row.js';
import type { CacheStats } from './lru-cache.js';
import { TtlLruCache } from './lru-cache.js';

/** What a lookup join needs: rows for keys, in the order asked, `null` where an entity has none. */
export interface FeatureSource {
  get(keys: readonly string[]): Promise<(FeatureRow | null)[]>;
  close?(): Promise<void> | void;
}

/** The raw batched read a `FeatureLookup` caches; Redis in production, a map in unit tests. */
export type FeatureFetch = (keys: readonly string[]) => Promise<(FeatureRow | null)[]>;

export interface FeatureLookupOptions {
  /** `redis://host:port`; or pass `fetch` instead. */
  url?: string;
  /** The feature group written by `redisFeatureSink`. */
  namespace: string;
  /** Read only these features (HMGET) instead of all of them (HGETALL). */
  features?: readonly string[];
  /**
   * In-process cache of rows (and of absent entities). Default 10 000 entries for 5 s; `false` turns it
   * off. Staleness is bounded by `ttlMs`: a cached row may be up to that old.
   */
  cache?: { maxEntries?: number; ttlMs?: number } | false;
  retry?: RetryOptions;
  timeoutMs?: number;
  /** Clock of the cache (tests). */
  now?: () => number;
  /** Replaces the Redis read (tests, or another store). */
  fetch?: FeatureFetch;
}

/** Cache counters plus how often the store was asked. */
export interface FeatureLookupStats extends CacheStats {
  /** Round trips to the store (one per `get` that had misses). */
  fetches: number;
  /** Keys read from the store. */
  keysFetched: number;
}

/**
 * Reads current feature rows for lookup joins: one pipelined round trip per call for all keys the
 * cache does not hold, duplicates asked once. Rows (and absent entities) are cached with a TTL and a
 * maximum size (LRU).
 *
 * @example
 * const lookup = new FeatureLookup({ url: 'redis://127.0.0.1:6379', namespace: 'card', cache: { ttlMs: 2000 } });
 * const [row] = await lookup.get(['card-17']);
 * row?.values.avg_amount_1h;
 */
export class FeatureLookup implements FeatureSource {
  private readonly cache: TtlLruCache<string, FeatureRow | null> | undefined;
  private readonly fetchRows: FeatureFetch;
  private readonly conn: RedisConnection | undefined;
  private fetches = 0;
  private keysFetched = 0;

  constructor(readonly options: FeatureLookupOptions) {
    const origin = `feature-lookup:${options.namespace}`;
    const namespace = checkNamespace(options.namespace, origin);
    for (const f of options.features ?? []) checkFeatureName(f, origin);
    if (options.cache !== false) {
      this.cache = new TtlLruCache({
        maxEntries: options.cache?.maxEntries ?? 10_000,
        ttlMs: options.cache?.ttlMs ?? 5_000,
        ...opt('now', options.now),
      });
    }
    if (options.fetch) this.fetchRows = options.fetch;
    else {
      if (!options.url) throw new TypeError(`${origin}: give either url or fetch`);
      const conn = new RedisConnection({ url: options.url, origin, ...opt('retry', options.retry), ...opt('timeoutMs', options.timeoutMs) });
      this.conn = conn;
      this.fetchRows = redisFetch(conn, namespace, options.features);
    }
  }

  /** The rows of `keys`, in order; `null` for entities without features. Throws an `ExternalError` when the store fails after retries. */
  async get(keys: readonly string[]): Promise<(FeatureRow | null)[]> {
    const out = new Array<FeatureRow | null>(keys.length);
    const missing = new Map<string, number[]>();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const pending = missing.get(k);
      if (pending) {
        pending.push(i);
        continue;
      }
      const hit = this.cache?.get(k);
      if (hit !== undefined) out[i] = hit;
      else missing.set(k, [i]);
    }
    if (missing.size === 0) return out;
    const ask = [...missing.keys()];
    this.fetches++;
    this.keysFetched += ask.length;
    const rows = await this.fetchRows(ask);
    for (let j = 0; j < ask.length; j++) {
      const row = rows[j] ?? null;
      this.cache?.set(ask[j]!, row);
      for (const i of missing.get(ask[j]!)!) out[i] = row;
    }
    return out;
  }

  /** Drops cached rows (all, or those of `keys`), e.g. after writing them. */
  invalidate(keys?: readonly string[]): void {
    if (!this.cache) return;
    if (keys === undefined) this.cache.clear();
    else for (const k of keys) this.cache.delete(k);
  }

  stats(): FeatureLookupStats {
    const c = this.cache?.stats() ?? { hits: 0, misses: 0, evictions: 0, expirations: 0, size: 0 };
    return { ...c, fetches: this.fetches, keysFetched: this.keysFetched };
  }

  async close(): Promise<void> {
    await this.conn?.close();
  }
}

function redisFetch(conn: RedisConnection, namespace: string, features: readonly string[] | undefined): FeatureFetch {
  return async (keys) => {
    const replies = await conn.pipeline(`reading features of ${keys.length} keys`, (p) => {
      for (const k of keys) {
        if (features) p.hmget(onlineKey(namespace, k), TIME_FIELD, ...features);
        else p.hgetall(onlineKey(namespace, k));
      }
    });
    return keys.map((k, i) => {
      const reply = replies[i];
      if (!features) return decodeHash(k, reply as Record<string, string>);
      const arr = reply as (string | null)[];
      if (arr[0] === null || arr[0] === undefined) return null;
      const hash: Record<string, string> = { [TIME_FIELD]: arr[0] };
      features.forEach((f, j) => { hash[f] = arr[j + 1] ?? 'null'; });
      return decodeHash(k, hash);
    });
  };
}
