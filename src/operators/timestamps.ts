import type { Batch } from '../core/batch.js';
import type { Output, StreamOperator } from './operator.js';

export interface TimestampsAndWatermarksOptions<T> {
  timestampAssigner?: ((value: T, previous: number) => number) | undefined;
  createGenerator: () => { onEvent(value: T, timestamp: number): void; currentWatermark(): number };
}

/**
 * `assignTimestampsAndWatermarks` in the middle of a stream: sets each record's timestamp and emits the
 * generator's watermark after every batch, replacing the watermarks from upstream.
 */
export function timestampsAndWatermarksOperator<T>(options: TimestampsAndWatermarksOptions<T>, name = 'timestamps/watermarks'): StreamOperator<T, T> {
  const gen = options.createGenerator();
  const assign = options.timestampAssigner;
  let last = Number.NEGATIVE_INFINITY;
  return {
    name,
    generatesWatermarks: true,
    processBatch(batch: Batch<T>, out: Output<T>) {
      const n = batch.values.length;
      const ts = assign ? new Array<number>(n) : batch.timestamps;
      for (let i = 0; i < n; i++) {
        const v = batch.values[i]!;
        if (assign) ts[i] = assign(v, batch.timestamps[i]!);
        gen.onEvent(v, ts[i]!);
      }
      out.emitBatch({ values: batch.values, timestamps: ts, keys: batch.keys });
      const wm = gen.currentWatermark();
      if (wm > last) {
        last = wm;
        out.emitWatermark(wm);
      }
    },
  };
}
