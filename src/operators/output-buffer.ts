import type { Batch } from '../core/batch.js';
import type { Output, OutputTag } from './operator.js';

/**
 * Collects what an operator emits during one call and hands it on as batches: records emitted one by one
 * become one batch, whole batches pass through without copying. Side outputs go to `onSide`.
 */
export class OutputBuffer<T> implements Output<T> {
  private values: T[] = [];
  private timestamps: number[] = [];

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
    this.values.push(value);
    this.timestamps.push(timestamp);
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
    if (this.values.length === 0) return;
    const batch: Batch<T> = { values: this.values, timestamps: this.timestamps };
    this.values = [];
    this.timestamps = [];
    this.downstream(batch);
  }
}
