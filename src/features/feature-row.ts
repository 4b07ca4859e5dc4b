import { UserError } from '../core/errors.js';
import { TIME_FIELD } from '../connectors/redis/feature-layout.js';

/** A feature value as stored: JSON scalars. */
export type FeatureValue = number | string | boolean | null;

/** Feature name → value. */
export type FeatureValues = Record<string, FeatureValue>;

/** An entity's features as of `time` (the event time of the record that wrote them). */
export interface FeatureRow {
  key: string;
  values: FeatureValues;
  /** Event time (epoch ms) of the write these values come from. */
  time: number;
}

// The Redis key layout is shared with the SQL `redis` connector, which may not import this folder.
export { TIME_FIELD, onlineKey, historyKey, checkNamespace } from '../connectors/redis/feature-layout.js';

export function checkFeatureName(name: string, origin: string): void {
  if (name === '' || name.startsWith('__')) {
    throw new UserError(`${origin}: feature name ${JSON.stringify(name)} is not allowed`, {
      hint: 'feature names must be non-empty and must not start with "__" (reserved for weir)',
    });
  }
}

/** Encodes the values for HSET: field, JSON value, field, JSON value, … */
export function encodeValues(values: FeatureValues, origin: string): string[] {
  const out: string[] = [];
  for (const name of Object.keys(values)) {
    checkFeatureName(name, origin);
    out.push(name, JSON.stringify(normalizeValue(values[name], name, origin)));
  }
  return out;
}

function normalizeValue(v: unknown, name: string, origin: string): FeatureValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new UserError(`${origin}: feature "${name}" has a ${typeof v} value; features hold numbers, strings, booleans or null`, {
    hint: 'flatten objects into one feature per field',
  });
}

/** Decodes an HGETALL reply; `null` when the entity has no row (no time field). */
export function decodeHash(key: string, hash: Record<string, string> | null | undefined): FeatureRow | null {
  if (!hash) return null;
  const ts = hash[TIME_FIELD];
  if (ts === undefined) return null;
  const values: FeatureValues = {};
  for (const [field, raw] of Object.entries(hash)) {
    if (field === TIME_FIELD) continue;
    values[field] = JSON.parse(raw) as FeatureValue;
  }
  return { key, values, time: Number(ts) };
}

/** A history member: the values of one write, JSON with sorted names so a replayed write is the same member. */
export function encodeHistoryMember(values: FeatureValues): string {
  const sorted: FeatureValues = {};
  for (const name of Object.keys(values).sort()) sorted[name] = values[name] ?? null;
  return JSON.stringify(sorted);
}

export function decodeHistoryMember(key: string, member: string, score: string | number): FeatureRow {
  return { key, values: JSON.parse(member) as FeatureValues, time: Number(score) };
}

/** `{ name: value }` when the value is set, so optional options stay absent rather than `undefined`. */
export function opt<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
