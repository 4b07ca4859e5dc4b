import type { Batch } from '../core/batch.js';
import { ExternalError } from '../core/errors.js';
import { withTimeout } from '../core/timeout.js';
import type { Output, StreamOperator } from './operator.js';

export interface AsyncMapOptions<IN, OUT> {
  /** Calls in flight at once (default 64). */
  concurrency?: number;
  /** A call that takes longer fails with a timeout (default none). */
  timeoutMs?: number;
  /** Emit in input order (default) or as calls complete. */
  ordered?: boolean;
  /**
   * What to emit when a call fails or times out. Without it the job fails. With it nothing is dropped:
   * the record gets the fallback's result, so a dead model server degrades the answer, not the stream.
   */
  fallback?: (value: IN, error: unknown) => OUT;
}

/**
 * Calls an asynchronous function per record (a model server, an HTTP lookup) with bounded concurrency
 * and a timeout. The batch completes before the next batch, watermark or barrier is processed, so
 * results keep their place relative to watermarks and checkpoints.
 */
export function asyncMapOperator<IN, OUT>(fn: (value: IN) => Promise<OUT>, options: AsyncMapOptions<IN, OUT> = {}, name = 'async-map'): StreamOperator<IN, OUT> {
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const ordered = options.ordered ?? true;
  return {
    name,
    async processBatch(batch: Batch<IN>, out: Output<OUT>) {
      const n = batch.values.length;
      const results = ordered ? new Array<OUT>(n) : undefined;
      let next = 0;
      const worker = async () => {
        for (;;) {
          const i = next++;
          if (i >= n) return;
          const v = batch.values[i]!;
          let r: OUT;
          try {
            r = await withTimeout(fn(v), options.timeoutMs, () => timedOut(name, options.timeoutMs!));
          } catch (err) {
            if (!options.fallback) throw err;
            r = options.fallback(v, err);
          }
          if (results) results[i] = r;
          else out.emit(r, batch.timestamps[i]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
      if (results) out.emitBatch({ values: results, timestamps: batch.timestamps, keys: batch.keys });
    },
  };
}

/**
 * Calls an asynchronous function once per batch (micro-batched model scoring): `fn` gets the batch's
 * values and returns one result per value, in order.
 */
export function asyncBatchMapOperator<IN, OUT>(
  fn: (values: IN[]) => Promise<OUT[]>,
  options: { timeoutMs?: number; fallback?: (values: IN[], error: unknown) => OUT[] } = {},
  name = 'async-batch-map',
): StreamOperator<IN, OUT> {
  return {
    name,
    async processBatch(batch: Batch<IN>, out: Output<OUT>) {
      let results: OUT[];
      try {
        results = await withTimeout(fn(batch.values), options.timeoutMs, () => timedOut(name, options.timeoutMs!));
      } catch (err) {
        if (!options.fallback) throw err;
        results = options.fallback(batch.values, err);
      }
      if (results.length !== batch.values.length) {
        throw new ExternalError(`${name} returned ${results.length} results for ${batch.values.length} records`, { retriable: false, origin: name });
      }
      out.emitBatch({ values: results, timestamps: batch.timestamps, keys: batch.keys });
    },
  };
}

function timedOut(name: string, ms: number): ExternalError {
  return new ExternalError(`${name}: call timed out after ${ms} ms`, { origin: name });
}
