import type { Batch } from '../core/batch.js';
import { UserError } from '../core/errors.js';
import type { RetryOptions } from '../core/retry.js';
import { NO_TIMESTAMP } from '../core/time.js';
import type { Sink, SinkWriter } from '../runtime/sink.js';
import { RedisConnection } from '../connectors/redis/connection.js';
import type { RedisScript } from '../connectors/redis/connection.js';
import type { FeatureValues } from './feature-row.js';
import { TIME_FIELD, checkNamespace, historyKey, onlineKey } from '../connectors/redis/feature-layout.js';
import { encodeHistoryMember, encodeValues, opt } from './feature-row.js';

/**
 * Writes one entity's features only if their event time is newer than the stored one, so a replay after
 * a restore (or a late record) cannot move a feature back in time. The history gets every write, late
 * ones included: it is keyed by event time, and re-adding the same member is a no-op.
 *
 * KEYS: online hash, history zset. ARGV: time, ttl seconds (0 = none), history cap (0 = no history),
 * history member, then field/value pairs. Returns 1 when the online row was written, 0 when it was stale.
 */
const UPSERT_LUA = `
local ts = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
if cap > 0 then
  redis.call('ZADD', KEYS[2], ts, ARGV[4])
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -cap - 1)
  if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl) end
end
local cur = redis.call('HGET', KEYS[1], '${TIME_FIELD}')
if cur and tonumber(cur) >= ts then return 0 end
redis.call('HSET', KEYS[1], '${TIME_FIELD}', ARGV[1], unpack(ARGV, 5))
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 1
`;

export const UPSERT_SCRIPT: RedisScript = { name: 'weirFeatureUpsert', numberOfKeys: 2, lua: UPSERT_LUA };

export interface RedisFeatureSinkOptions<T> {
  /** `redis://host:port`. */
  url: string;
  /** Feature group; keys are `NAMESPACE:f:ENTITY` (values) and `NAMESPACE:h:ENTITY` (history). */
  namespace: string;
  /** The entity key: a field of the record or a function of it. */
  key: (keyof T & string) | ((row: T) => string | number);
  /** The features: fields of the record, or a function returning name → value. */
  features: readonly (keyof T & string)[] | ((row: T) => FeatureValues);
  /** Event time (epoch ms) of a row: a field or a function; defaults to the record's timestamp. */
  time?: (keyof T & string) | ((row: T) => number);
  /** Expire an entity's features this long after its last accepted write. */
  ttlSeconds?: number;
  /**
   * Keep past values per entity for point-in-time exports: the newest `maxEntries` writes (default 1000).
   * `false` keeps none.
   */
  history?: { maxEntries: number } | false;
  retry?: RetryOptions;
  timeoutMs?: number;
}

/** Counters of a feature sink, summed over its subtasks in this process. */
export interface FeatureSinkStats {
  /** Rows that became the entity's current values. */
  written: number;
  /** Rows ignored for the online values because a newer row was already stored (replays, late data). */
  stale: number;
  batches: number;
}

/**
 * A sink that upserts feature rows into Redis: one hash per entity, all rows of a batch in one pipeline.
 * It needs no transactions: a write is idempotent by key and event time, so replaying a batch after a
 * failure or a restore leaves the same state.
 *
 * @example
 * env.fromSource(txns)
 *   .keyBy((t) => t.card_id)
 *   .process(rollingCardStats)
 *   .sinkTo(redisFeatureSink({ url: 'redis://127.0.0.1:6379', namespace: 'card', key: 'card_id',
 *     features: ['txn_count_1h', 'avg_amount_1h'], time: 'ts', ttlSeconds: 86_400 }));
 */
export function redisFeatureSink<T>(options: RedisFeatureSinkOptions<T>): Sink<T> & { readonly stats: FeatureSinkStats } {
  const origin = `feature-sink:${options.namespace}`;
  const namespace = checkNamespace(options.namespace, origin);
  const ttl = options.ttlSeconds ?? 0;
  if (!(ttl >= 0) || !Number.isInteger(ttl)) throw new UserError(`${origin}: ttlSeconds must be a whole number >= 0, got ${options.ttlSeconds}`);
  const cap = options.history === false ? 0 : (options.history?.maxEntries ?? 1000);
  if (!(cap >= 0) || !Number.isInteger(cap)) throw new UserError(`${origin}: history.maxEntries must be a whole number >= 0, got ${cap}`);
  const keyOf = accessor<T, string | number>(options.key);
  const timeOf = options.time === undefined ? undefined : accessor<T, number>(options.time);
  const featuresOf = typeof options.features === 'function'
    ? options.features
    : pick<T>(options.features);
  const stats: FeatureSinkStats = { written: 0, stale: 0, batches: 0 };

  const writerFor = (): SinkWriter<T> => {
    let conn: RedisConnection | undefined;
    return {
      async write(batch: Batch<T>) {
        const n = batch.values.length;
        if (n === 0) return;
        const calls: string[][] = new Array(n);
        for (let i = 0; i < n; i++) {
          const row = batch.values[i]!;
          const key = String(keyOf(row));
          const time = timeOf ? timeOf(row) : batch.timestamps[i]!;
          if (typeof time !== 'number' || !Number.isFinite(time) || time === NO_TIMESTAMP) {
            throw new UserError(`${origin}: record for key "${key}" has no event time (got ${String(time)})`, {
              origin, hint: 'set the `time` option to a field holding epoch ms, or assign timestamps upstream',
            });
          }
          const values = featuresOf(row);
          calls[i] = [onlineKey(namespace, key), historyKey(namespace, key), String(time), String(ttl), String(cap),
            encodeHistoryMember(values), ...encodeValues(values, origin)];
        }
        conn ??= new RedisConnection({ url: options.url, origin, ...opt('retry', options.retry), ...opt('timeoutMs', options.timeoutMs) }, [UPSERT_SCRIPT]);
        const replies = await conn.pipeline(`writing ${n} feature rows`, (p) => {
          const upsert = (p as unknown as Record<string, (...args: string[]) => void>)[UPSERT_SCRIPT.name]!;
          for (const args of calls) upsert.apply(p, args);
        });
        stats.batches++;
        for (const r of replies) {
          if (r === 1) stats.written++;
          else stats.stale++;
        }
      },
      async close() {
        await conn?.close();
      },
    };
  };
  return { name: `redis-features:${namespace}`, stats, createWriter: writerFor };
}

function accessor<T, R>(a: string | ((row: T) => R)): (row: T) => R {
  if (typeof a === 'function') return a;
  return (row: T) => (row as Record<string, unknown>)[a] as R;
}

function pick<T>(names: readonly string[]): (row: T) => FeatureValues {
  return (row: T) => {
    const values: FeatureValues = {};
    for (const n of names) values[n] = ((row as Record<string, unknown>)[n] ?? null) as FeatureValues[string];
    return values;
  };
}
