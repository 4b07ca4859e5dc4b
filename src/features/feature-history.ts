import type { RetryOptions } from '../core/retry.js';
import { RedisConnection } from '../connectors/redis/connection.js';
import type { FeatureRow, FeatureValues } from './feature-row.js';
import { checkNamespace, historyKey } from '../connectors/redis/feature-layout.js';
import { decodeHistoryMember, opt } from './feature-row.js';

/** One point-in-time question: the features of `key` as they were at `time`. */
export interface AsOfQuery {
  key: string;
  time: number;
}

/**
 * Past feature values by event time. `asOf` answers, for each query, the newest row written with an
 * event time at or before the query's time (`null` if none, or if it fell out of the capped history).
 */
export interface FeatureHistory {
  asOf(queries: readonly AsOfQuery[]): Promise<(FeatureRow | null)[]>;
  close?(): Promise<void> | void;
}

export interface RedisFeatureHistoryOptions {
  url: string;
  /** The namespace `redisFeatureSink` wrote with history on. */
  namespace: string;
  /** Queries per pipelined round trip (default 500). */
  batchSize?: number;
  retry?: RetryOptions;
  timeoutMs?: number;
}

/** Reads the history sets `redisFeatureSink` keeps next to the online values (`NS:h:KEY`, scored by event time). */
export class RedisFeatureHistory implements FeatureHistory {
  private readonly conn: RedisConnection;
  private readonly namespace: string;
  private readonly batchSize: number;

  constructor(options: RedisFeatureHistoryOptions) {
    const origin = `feature-history:${options.namespace}`;
    this.namespace = checkNamespace(options.namespace, origin);
    this.batchSize = options.batchSize ?? 500;
    this.conn = new RedisConnection({ url: options.url, origin, ...opt('retry', options.retry), ...opt('timeoutMs', options.timeoutMs) });
  }

  async asOf(queries: readonly AsOfQuery[]): Promise<(FeatureRow | null)[]> {
    const out: (FeatureRow | null)[] = [];
    for (let start = 0; start < queries.length; start += this.batchSize) {
      const chunk = queries.slice(start, start + this.batchSize);
      const replies = await this.conn.pipeline(`reading feature history of ${chunk.length} keys`, (p) => {
        for (const q of chunk) p.zrevrangebyscore(historyKey(this.namespace, q.key), q.time, '-inf', 'WITHSCORES', 'LIMIT', 0, 1);
      });
      chunk.forEach((q, i) => {
        // RESP2 answers [member, score]; RESP3 answers [[member, score]].
        const r = replies[i] as unknown[];
        const pair = (Array.isArray(r[0]) ? r[0] : r) as unknown[];
        out.push(pair.length >= 2 ? decodeHistoryMember(q.key, String(pair[0]), String(pair[1])) : null);
      });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}

/** A feature history in memory: for tests, and for exports from data already in the process. */
export class MemoryFeatureHistory implements FeatureHistory {
  private readonly rows = new Map<string, FeatureRow[]>();

  add(key: string, time: number, values: FeatureValues): this {
    let list = this.rows.get(key);
    if (!list) this.rows.set(key, (list = []));
    // Kept sorted by time so a lookup is a binary search; ties keep insertion order.
    let i = list.length;
    while (i > 0 && list[i - 1]!.time > time) i--;
    list.splice(i, 0, { key, time, values });
    return this;
  }

  async asOf(queries: readonly AsOfQuery[]): Promise<(FeatureRow | null)[]> {
    return queries.map((q) => {
      const list = this.rows.get(q.key);
      if (!list) return null;
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.time <= q.time) lo = mid + 1;
        else hi = mid;
      }
      return lo === 0 ? null : list[lo - 1]!;
    });
  }
}
