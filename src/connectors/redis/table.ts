import { UserError } from '../../core/errors.js';
import { parseDuration } from '../../core/time.js';
import { SqlRuntimeError } from '../../sql/types/errors.js';
import { formatValue, parseValue } from '../../sql/types/values.js';
import { typeToString } from '../../sql/types/sql-type.js';
import { LOOKUP_OPTIONS } from '../lookup-options.js';
import { booleanOption, checks } from '../options.js';
import type { OptionSpec } from '../options.js';
import type { ColumnSchema, ConnectorContext, LookupContext, LookupSource, Row, TableConnector } from '../schema.js';
import { RedisConnection } from './connection.js';
import { TIME_FIELD, checkNamespace, onlinePrefix } from './feature-layout.js';

/** Keys per pipeline: one round trip each; larger batches are split (and overlap with `'lookup.async'`). */
const KEYS_PER_PIPELINE = 2000;

const OPTIONS: OptionSpec[] = [
  { key: 'url', required: true, description: 'redis://[user:password@]host:port[/db]' },
  { key: 'namespace', description: "read the feature store: hash NAMESPACE:f:KEY with JSON values and '__ts', as RedisFeatureSink writes them" },
  { key: 'key-prefix', description: "read plain hashes at PREFIX + KEY whose fields hold values as text (HSET user:7 name Ann age 31 with 'key-prefix' = 'user:')" },
  { key: 'time-column', description: "with 'namespace': a column that receives the event time of the features ('__ts', epoch ms)" },
  { key: 'ignore-parse-errors', default: 'false', description: 'a value that does not convert to its column type reads as NULL (counted, logged) instead of failing the job', check: checks.boolean },
  { key: 'timeout', default: '2s', description: 'time limit of one connect or round trip', check: (v) => { try { return parseDuration(v) > 0 ? undefined : 'expected a duration > 0'; } catch (e) { return (e as Error).message; } } },
  ...LOOKUP_OPTIONS,
];

/** How a Redis table maps keys and fields to columns, worked out once from its schema and options. */
export interface RedisLayout {
  table: string;
  /** `NAMESPACE:f:` or the key prefix. */
  prefix: string;
  /** JSON values (feature store) or text values (plain hashes). */
  json: boolean;
  /** Position of the key column in a row. */
  keyIndex: number;
  /** Hash fields read per key (HMGET order): the feature time first in namespace mode, then the value columns. */
  fields: string[];
  /** Row position of each entry of `fields`. */
  positions: number[];
  columns: ColumnSchema[];
  ignoreParseErrors: boolean;
}

/** Works out the layout of a Redis table from its schema and options; a `UserError` says what is wrong with them. */
export function redisLayout(ctx: ConnectorContext): RedisLayout {
  const o = ctx.options;
  const table = ctx.table;
  const namespace = o.get('namespace');
  const keyPrefix = o.get('key-prefix');
  if ((namespace === undefined) === (keyPrefix === undefined)) {
    throw new UserError(`table "${table}": a redis table needs exactly one of 'namespace' (feature store) and 'key-prefix' (plain hashes)`, {
      origin: 'connector:redis', hint: "e.g. 'namespace' = 'card' to read what RedisFeatureSink wrote for namespace card",
    });
  }
  if (namespace !== undefined) checkNamespace(namespace, `table "${table}": option 'namespace'`);
  const pk = ctx.primaryKey ?? [];
  if (pk.length !== 1) {
    throw new UserError(`table "${table}": a redis table needs a PRIMARY KEY of one column, the entity key${pk.length > 1 ? ` (got ${pk.join(', ')})` : ''}`, {
      origin: 'connector:redis', hint: `declare e.g. PRIMARY KEY (${ctx.columns[0]?.name ?? 'id'}) NOT ENFORCED`,
    });
  }
  const keyIndex = ctx.columns.findIndex((c) => c.name === pk[0]);
  const timeColumn = o.get('time-column');
  const fields: string[] = [];
  const positions: number[] = [];
  if (timeColumn !== undefined) {
    if (namespace === undefined) throw new UserError(`table "${table}": 'time-column' needs 'namespace' (plain hashes have no feature time)`, { origin: 'connector:redis' });
    const at = ctx.columns.findIndex((c) => c.name === timeColumn);
    const kind = ctx.columns[at]?.type.kind;
    if (at < 0 || at === keyIndex || !(kind === 'BIGINT' || kind === 'TIMESTAMP_LTZ' || kind === 'TIMESTAMP')) {
      throw new UserError(`table "${table}": 'time-column' = '${timeColumn}' must name a BIGINT, TIMESTAMP(3) or TIMESTAMP_LTZ(3) column other than the key`, {
        origin: 'connector:redis', hint: `columns: ${ctx.columns.map((c) => `${c.name} ${typeToString(c.type)}`).join(', ')}`,
      });
    }
  }
  if (namespace !== undefined) {
    // Always read the time field: an entity without it has no row, as for the feature store's own lookup.
    fields.push(TIME_FIELD);
    positions.push(timeColumn === undefined ? -1 : ctx.columns.findIndex((c) => c.name === timeColumn));
  }
  ctx.columns.forEach((c, i) => {
    if (i === keyIndex || c.name === timeColumn) return;
    fields.push(c.name);
    positions.push(i);
  });
  return {
    table, prefix: namespace !== undefined ? onlinePrefix(namespace) : keyPrefix!, json: namespace !== undefined, keyIndex, fields, positions,
    columns: ctx.columns, ignoreParseErrors: booleanOption(o, 'ignore-parse-errors', false),
  };
}

/** The Redis key of an entity key value (numbers and strings as written, other types as Flink prints them). */
export function redisKey(layout: RedisLayout, key: unknown): string {
  const t = layout.columns[layout.keyIndex]!.type;
  return layout.prefix + (typeof key === 'string' ? key : formatValue(key, t));
}

/**
 * The row of one key from an HMGET reply (values in `layout.fields` order), or undefined when the key
 * has no row: no feature time in namespace mode, no field at all for plain hashes. A value that does
 * not convert throws a `UserError` naming table, key, column and value, unless `ignoreParseErrors`:
 * then the column is NULL and `onParseError` is told.
 */
export function decodeRedisRow(layout: RedisLayout, key: unknown, reply: readonly (string | null)[], onParseError?: (message: string) => void): Row | undefined {
  if (layout.json ? reply[0] === null || reply[0] === undefined : reply.every((v) => v === null || v === undefined)) return undefined;
  const row = new Array<unknown>(layout.columns.length).fill(null);
  row[layout.keyIndex] = key;
  for (let j = 0; j < layout.fields.length; j++) {
    const at = layout.positions[j]!;
    const raw = reply[j];
    if (at < 0 || raw === null || raw === undefined) continue;
    const col = layout.columns[at]!;
    try {
      row[at] = parseValue(rawValue(layout, j, raw, col), col.type, col.name);
    } catch (e) {
      const why = e instanceof SqlRuntimeError ? e.message.replace(`field '${col.name}': `, '') : `not valid JSON (${(e as Error).message})`;
      const message = `table "${layout.table}": key "${redisKey(layout, key)}" column "${col.name}": value ${JSON.stringify(raw)} does not convert to ${typeToString(col.type)}: ${why}`;
      if (!layout.ignoreParseErrors) {
        throw new UserError(message, { origin: 'connector:redis', hint: "fix the value in Redis, or set 'ignore-parse-errors' = 'true' to read such values as NULL" });
      }
      onParseError?.(message);
    }
  }
  return row;
}

// The feature time is epoch ms as text; feature values are JSON (a string value is quoted); plain hashes hold text.
function rawValue(layout: RedisLayout, j: number, raw: string, col: ColumnSchema): unknown {
  if (layout.json && j === 0) return col.type.kind === 'BIGINT' ? raw : Number(raw);
  return layout.json ? JSON.parse(raw) as unknown : raw;
}

/** Counters of one Redis lookup source. */
export interface RedisLookupStats {
  /** Pipelines sent (one round trip each). */
  roundTrips: number;
  keys: number;
  /** Values read as NULL because they did not convert (`'ignore-parse-errors' = 'true'`). */
  parseErrors: number;
}

/** Reads rows by entity key with one pipelined HMGET per key and one round trip per call. */
export function redisLookupSource(ctx: LookupContext): LookupSource & { readonly stats: RedisLookupStats } {
  const layout = redisLayout(ctx);
  const keyColumn = ctx.columns[layout.keyIndex]!.name;
  if (ctx.keyColumns.length !== 1 || ctx.keyColumns[0] !== keyColumn) {
    throw new UserError(`table "${ctx.table}": a redis table is looked up by its key '${keyColumn}' only, not by ${ctx.keyColumns.join(', ')}`, { origin: 'connector:redis' });
  }
  // Retries belong to the lookup join ('lookup.max-retries'): one attempt per call here.
  const conn = new RedisConnection({ url: ctx.options.get('url')!, origin: `redis:${ctx.table}`, timeoutMs: parseDuration(ctx.options.get('timeout') ?? '2s'), retry: { attempts: 1 } });
  const stats: RedisLookupStats = { roundTrips: 0, keys: 0, parseErrors: 0 };
  const onParseError = (message: string): void => {
    stats.parseErrors++;
    // The first one says what is wrong; then one line per thousand keeps a bad column from flooding the log.
    if (stats.parseErrors === 1 || stats.parseErrors % 1000 === 0) ctx.log('warn', `${message} (read as NULL; ${stats.parseErrors} such values so far)`);
  };
  return {
    stats,
    maxKeysPerCall: KEYS_PER_PIPELINE,
    async lookup(keys) {
      stats.roundTrips++;
      stats.keys += keys.length;
      const replies = await conn.pipeline(`reading ${keys.length} keys of table "${ctx.table}"`, (p) => {
        for (const k of keys) p.hmget(redisKey(layout, k[0]), ...layout.fields);
      });
      return keys.map((k, i) => {
        const row = decodeRedisRow(layout, k[0], replies[i] as (string | null)[], onParseError);
        return row ? [row] : [];
      });
    },
    close: () => conn.close(),
  };
}

/**
 * `'connector' = 'redis'`: a table over Redis hashes, usable as the right side of a lookup join. With
 * `'namespace'` it reads the online feature store (`NAMESPACE:f:KEY`, JSON values, `__ts`), so features
 * written by `redisFeatureSink` can be joined in SQL; with `'key-prefix'` it reads plain hashes whose
 * fields hold text. The PRIMARY KEY (one column) is the entity key; other columns are hash fields of the
 * same name.
 *
 * @example
 * CREATE TABLE card_features (card_id STRING, txn_count_1h BIGINT, avg_amount_1h DOUBLE,
 *   PRIMARY KEY (card_id) NOT ENFORCED)
 * WITH ('connector' = 'redis', 'url' = 'redis://127.0.0.1:6379', 'namespace' = 'card',
 *   'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.expire-after-write' = '5s');
 */
export const redisConnector: TableConnector = {
  name: 'redis',
  schema: { options: OPTIONS },
  lookupKeys: (ctx) => [ctx.columns[redisLayout(ctx).keyIndex]!.name],
  createLookup: redisLookupSource,
};
