import type { Batch } from '../core/batch.js';
import { WeirError, errorMessage } from '../core/errors.js';

/** A user function threw on a record: say which record, keeping the cause. */
export function recordError(err: unknown, value: unknown): WeirError {
  let shown: string;
  try {
    shown = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (shown.length > 300) shown = `${shown.slice(0, 300)}…`;
  // No origin here: the runtime names the operator as the job graph knows it (`.name(...)`).
  return new WeirError(`failed on record ${shown}: ${errorMessage(err)}`, {
    domain: err instanceof WeirError ? err.domain : 'user', cause: err,
  });
}
import type { Output, StreamOperator } from './operator.js';

/**
 * `map`: one output per input, timestamps and keys untouched. The output batch reuses the input's
 * timestamp array, so a map costs one array allocation per batch.
 */
export function mapOperator<IN, OUT>(fn: (value: IN) => OUT, name = 'map'): StreamOperator<IN, OUT> {
  return {
    name,
    processBatch(batch: Batch<IN>, out: Output<OUT>) {
      const src = batch.values;
      const n = src.length;
      const values = new Array<OUT>(n);
      let i = 0;
      try {
        for (; i < n; i++) values[i] = fn(src[i]!);
      } catch (err) {
        throw recordError(err, src[i]);
      }
      out.emitBatch({ values, timestamps: batch.timestamps, keys: batch.keys });
    },
  };
}

/** `filter`: keeps the records for which `fn` is true. */
export function filterOperator<T>(fn: (value: T) => boolean, name = 'filter'): StreamOperator<T, T> {
  return {
    name,
    processBatch(batch: Batch<T>, out: Output<T>) {
      const src = batch.values;
      const ts = batch.timestamps;
      const n = src.length;
      const values: T[] = [];
      const timestamps: number[] = [];
      const keys = batch.keys;
      const outKeys = keys ? ([] as NonNullable<Batch<T>['keys']>) : undefined;
      let i = 0;
      try {
        for (; i < n; i++) {
          const v = src[i]!;
          if (!fn(v)) continue;
          values.push(v);
          timestamps.push(ts[i]!);
          if (outKeys) outKeys.push(keys![i]!);
        }
      } catch (err) {
        throw recordError(err, src[i]);
      }
      if (values.length > 0) out.emitBatch({ values, timestamps, keys: outKeys });
    },
  };
}

/** `flatMap`: any number of outputs per input, each with the input's timestamp. */
export function flatMapOperator<IN, OUT>(fn: (value: IN) => Iterable<OUT>, name = 'flatMap'): StreamOperator<IN, OUT> {
  return {
    name,
    processBatch(batch: Batch<IN>, out: Output<OUT>) {
      const src = batch.values;
      const ts = batch.timestamps;
      const values: OUT[] = [];
      const timestamps: number[] = [];
      let i = 0;
      try {
        for (; i < src.length; i++) {
          const t = ts[i]!;
          for (const o of fn(src[i]!)) {
            values.push(o);
            timestamps.push(t);
          }
        }
      } catch (err) {
        throw recordError(err, src[i]);
      }
      if (values.length > 0) out.emitBatch({ values, timestamps });
    },
  };
}
