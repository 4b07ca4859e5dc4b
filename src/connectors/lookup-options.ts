import { UserError } from '../core/errors.js';
import { parseDuration } from '../core/time.js';
import { booleanOption, checks } from './options.js';
import type { OptionSpec, ResolvedOptions } from './options.js';

const duration = (v: string): string | undefined => {
  try {
    return parseDuration(v) > 0 ? undefined : 'expected a duration > 0';
  } catch (e) {
    return (e as Error).message;
  }
};

const positiveInt = (v: string): string | undefined => (/^\d+$/.test(v) && Number(v) >= 1 ? undefined : 'expected a whole number >= 1');

/**
 * Flink's lookup options (`LookupOptions`), for the schema of every connector that implements
 * `createLookup`. The lookup join reads them; connectors need not.
 */
export const LOOKUP_OPTIONS: readonly OptionSpec[] = [
  { key: 'lookup.cache', default: 'NONE', description: "'NONE' or 'PARTIAL': keep rows read by lookups in a per-subtask cache", check: checks.oneOf('NONE', 'PARTIAL') },
  { key: 'lookup.partial-cache.max-rows', description: 'most keys held by the cache; the least recently used go first', check: positiveInt },
  { key: 'lookup.partial-cache.expire-after-write', description: 'a cached key is read again this long after it was read', check: duration },
  { key: 'lookup.partial-cache.expire-after-access', description: 'a cached key is dropped when unused for this long', check: duration },
  { key: 'lookup.partial-cache.cache-missing-key', default: 'true', description: 'also cache that a key has no row', check: checks.boolean },
  { key: 'lookup.max-retries', default: '3', description: 'retries of a failed lookup before the job fails', check: checks.nonNegativeInt },
  { key: 'lookup.async', default: 'false', description: "'true': the lookup calls of one batch overlap (up to 'table.exec.async-lookup.buffer-capacity'); 'false': one at a time", check: checks.boolean },
];

/** The PARTIAL cache of a lookup join (Flink's `DefaultLookupCache`). */
export interface LookupCacheConfig {
  maxRows?: number;
  expireAfterWriteMs?: number;
  expireAfterAccessMs?: number;
  cacheMissingKey: boolean;
}

/** The lookup options of a table, read and checked together. */
export interface LookupConfig {
  /** Absent with `'lookup.cache' = 'NONE'`. */
  cache?: LookupCacheConfig;
  maxRetries: number;
  async: boolean;
}

/** Reads the `lookup.*` options of `table` (already checked one by one by `validateOptions`). */
export function lookupConfig(table: string, options: ResolvedOptions): LookupConfig {
  const get = (k: string): string | undefined => options.get(k);
  const partial = ['lookup.partial-cache.max-rows', 'lookup.partial-cache.expire-after-write', 'lookup.partial-cache.expire-after-access'].filter((k) => get(k) !== undefined);
  const config: LookupConfig = { maxRetries: Number(get('lookup.max-retries') ?? 3), async: booleanOption(options, 'lookup.async', false) };
  if (get('lookup.cache') !== 'PARTIAL') {
    // Flink ignores these without a PARTIAL cache; a user who sets them expects a cache, so say so.
    if (partial.length > 0) throw new UserError(`table "${table}": ${partial.map((k) => `'${k}'`).join(', ')} has no effect without a cache`, { hint: "add 'lookup.cache' = 'PARTIAL'" });
    return config;
  }
  if (partial.length === 0) {
    throw new UserError(`table "${table}": 'lookup.cache' = 'PARTIAL' needs a bound on the cache`, {
      hint: "set 'lookup.partial-cache.max-rows', 'lookup.partial-cache.expire-after-write' or 'lookup.partial-cache.expire-after-access'",
    });
  }
  const cache: LookupCacheConfig = { cacheMissingKey: booleanOption(options, 'lookup.partial-cache.cache-missing-key', true) };
  const rows = get('lookup.partial-cache.max-rows');
  const write = get('lookup.partial-cache.expire-after-write');
  const access = get('lookup.partial-cache.expire-after-access');
  if (rows !== undefined) cache.maxRows = Number(rows);
  if (write !== undefined) cache.expireAfterWriteMs = parseDuration(write);
  if (access !== undefined) cache.expireAfterAccessMs = parseDuration(access);
  config.cache = cache;
  return config;
}
