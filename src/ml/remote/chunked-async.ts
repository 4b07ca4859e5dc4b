import type { Batch } from '../../core/batch.js';
import type { OperatorContext, Output, OutputTag, StreamOperator } from '../../operators/operator.js';

/** How {@link chunkedAsyncOperator} splits and overlaps a batch. */
export interface ChunkedAsyncOptions {
  /** Records per chunk (one model request each). */
  chunkRows: number;
  /** Chunks in flight at once. */
  maxInFlight: number;
  /**
   * `true` (default): records leave in input order, each chunk as soon as it and every chunk before it
   * are done. `false`: each chunk leaves as soon as it is done.
   */
  ordered?: boolean;
}

/** Holds what one chunk emits until it may leave. */
class ChunkOutput<T> implements Output<T> {
  readonly batches: Batch<T>[] = [];
  constructor(private readonly downstream: Output<T>) {}
  emit(value: T, timestamp: number): void {
    this.batches.push({ values: [value], timestamps: [timestamp] });
  }
  emitBatch(batch: Batch<T>): void {
    this.batches.push(batch);
  }
  emitSide<S>(tag: OutputTag<S>, value: S, timestamp: number): void {
    this.downstream.emitSide(tag, value, timestamp);
  }
  emitWatermark(watermark: number): void {
    this.downstream.emitWatermark(watermark);
  }
}

function slice<T>(batch: Batch<T>, start: number, end: number): Batch<T> {
  const out: Batch<T> = { values: batch.values.slice(start, end), timestamps: batch.timestamps.slice(start, end) };
  if (batch.keys) out.keys = batch.keys.slice(start, end);
  return out;
}

/**
 * Runs an asynchronous operator on chunks of each batch side by side: the batch is cut into chunks
 * of `chunkRows`, at most `maxInFlight` of them are in `inner.processBatch` at once, and their output
 * leaves in input order or as chunks finish. This is how several requests to a model server overlap
 * although the runtime hands an operator one batch at a time. Watermarks and checkpoint barriers still
 * wait for the whole batch, so no record passes a watermark it came before.
 *
 * `inner.processBatch` must allow concurrent calls (it may not keep per-batch state in fields);
 * `MlPredictOperator` and the scorers of this folder do. The other hooks are passed through.
 *
 * @example
 * stream.transform('ml-predict(m)', () => chunkedAsyncOperator(new MlPredictOperator(spec), { chunkRows: 128, maxInFlight: 8 }));
 */
export function chunkedAsyncOperator<IN, OUT>(inner: StreamOperator<IN, OUT>, options: ChunkedAsyncOptions): StreamOperator<IN, OUT> {
  const chunkRows = Math.max(1, options.chunkRows);
  const maxInFlight = Math.max(1, options.maxInFlight);
  const ordered = options.ordered ?? true;
  const op: StreamOperator<IN, OUT> = {
    name: inner.name,
    async processBatch(batch: Batch<IN>, out: Output<OUT>): Promise<void> {
      const n = batch.values.length;
      if (n <= chunkRows) {
        await inner.processBatch(batch, out);
        return;
      }
      const chunks = Math.ceil(n / chunkRows);
      const done: (ChunkOutput<OUT> | undefined)[] = new Array(chunks);
      let flushed = 0;
      let next = 0;
      let failed = false;
      const flush = (): void => {
        while (flushed < chunks && done[flushed]) {
          for (const b of done[flushed]!.batches) out.emitBatch(b);
          done[flushed] = undefined;
          flushed++;
        }
      };
      const worker = async (): Promise<void> => {
        while (!failed && next < chunks) {
          const c = next++;
          const buffer = new ChunkOutput(out);
          try {
            await inner.processBatch(slice(batch, c * chunkRows, Math.min(n, (c + 1) * chunkRows)), buffer);
          } catch (err) {
            // Chunks not started yet are not started; those in flight finish, then the error surfaces.
            failed = true;
            throw err;
          }
          if (ordered) {
            done[c] = buffer;
            flush();
          } else {
            for (const b of buffer.batches) out.emitBatch(b);
          }
        }
      };
      const results = await Promise.allSettled(Array.from({ length: Math.min(maxInFlight, chunks) }, worker));
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected) throw rejected.reason;
    },
  };
  if (inner.open) op.open = (ctx: OperatorContext) => inner.open!(ctx);
  if (inner.onWatermark) op.onWatermark = (wm, out) => inner.onWatermark!(wm, out);
  if (inner.onProcessingTime) op.onProcessingTime = (now, out) => inner.onProcessingTime!(now, out);
  if (inner.endInput) op.endInput = (out) => inner.endInput!(out);
  if (inner.snapshotState) op.snapshotState = () => inner.snapshotState!();
  if (inner.restoreState) op.restoreState = (s) => inner.restoreState!(s);
  if (inner.close) op.close = () => inner.close!();
  return op;
}
