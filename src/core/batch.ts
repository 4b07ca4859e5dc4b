import type { Key } from './keys.js';

/**
 * The unit that operators exchange: records as parallel arrays, so a batch of a thousand records is three
 * arrays rather than a thousand wrapper objects. `timestamps[i]` is the event time of `values[i]`
 * (`NO_TIMESTAMP` when it has none). `keys` is filled by a keyed exchange so downstream keyed
 * operators need not call the key selector again.
 */
export interface Batch<T> {
  values: T[];
  timestamps: number[];
  keys?: Key[] | undefined;
}

export function emptyBatch<T>(): Batch<T> {
  return { values: [], timestamps: [] };
}

export function batchOf<T>(values: T[], timestamps?: number[]): Batch<T> {
  return { values, timestamps: timestamps ?? values.map(() => Number.NEGATIVE_INFINITY) };
}
