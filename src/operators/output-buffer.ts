import type { Batch } from '../core/batch.js';
import type { Output, OutputTag } from './operator.js';

/**
 * Collects what an operator emits during one call and hands it on as batches: records emitted one by one
 * become one batch, whole batches pass through without copying. Side outputs go to `onSide`.
 */
export class OutputBuffer<T> implements Output<T> {
  // Arrays of the size the last batch had, filled by index and cut to length when handed on: growing
  // them by push (a copy at every doubling) cost more than a simple operator's own work per record.
  private values: T[] = [];
  private timestamps: number[] = [];
  private n = 0;

  constructor(
    private readonly downstream: (batch: Batch<T>) => void,
    private readonly onSide: (tagId: string, value: unknown, timestamp: number) => void = () => {},
    private readonly onWatermark: (watermark: number) => void = () => {},
  ) {}

  emitWatermark(watermark: number): void {
    this.flush();
    this.onWatermark(watermark);
  }

  emit(value: T, timestamp: number): void {
    const i = this.n++;
    this.values[i] = value;
    this.timestamps[i] = timestamp;
  }

  emitBatch(batch: Batch<T>): void {
    if (batch.values.length === 0) return;
    this.flush();
    this.downstream(batch);
  }

  emitSide<S>(tag: OutputTag<S>, value: S, timestamp: number): void {
    this.onSide(tag.id, value, timestamp);
  }

  /** Hands on what was emitted one by one. The runtime calls it after each operator call. */
  flush(): void {
    const n = this.n;
    if (n === 0) return;
    const { values, timestamps } = this;
    values.length = n;
    timestamps.length = n;
    this.values = new Array<T>(n);
    this.timestamps = new Array<number>(n);
    this.n = 0;
    this.downstream({ values, timestamps });
  }
}
