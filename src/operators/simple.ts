import type { Batch } from '../core/batch.js';
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
      for (let i = 0; i < n; i++) values[i] = fn(src[i]!);
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
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        if (fn(v)) {
          values.push(v);
          timestamps.push(ts[i]!);
          if (outKeys) outKeys.push(keys![i]!);
        }
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
      for (let i = 0; i < src.length; i++) {
        const t = ts[i]!;
        for (const o of fn(src[i]!)) {
          values.push(o);
          timestamps.push(t);
        }
      }
      if (values.length > 0) out.emitBatch({ values, timestamps });
    },
  };
}
