import type { Sink } from '../../runtime/sink.js';
import { LatencyHistogram, wallClockMs } from './latency-histogram.js';

/** Options of {@link latencySink}. */
export interface LatencySinkOptions<T> {
  /** When the source emitted the input this record derives from (`wallClockMs()` time). */
  emittedAt: (value: T) => number;
  /**
   * Counts go here, one histogram slice per sink subtask (make it with
   * `LatencyHistogram.sharedBuffer(parallelism)`); being shared memory, it also collects the counts of
   * subtasks on worker threads. Default: a private buffer for a parallelism of up to 64.
   */
  buffer?: SharedArrayBuffer;
  name?: string;
}

/**
 * A blackhole that measures: it drops every record after adding `now − emittedAt(record)` to a latency
 * histogram. One clock read per batch and no allocation per record, so it costs about as little as
 * Flink's `blackhole` connector.
 *
 * @example
 * const buffer = LatencyHistogram.sharedBuffer(p);
 * stream.sinkTo(latencySink({ emittedAt: (r) => r.emittedAt, buffer }));
 * // after the job
 * LatencyHistogram.mergeSlices(buffer).percentileMs(99);
 */
export function latencySink<T>(options: LatencySinkOptions<T>): Sink<T> & { readonly buffer: SharedArrayBuffer; histogram(): LatencyHistogram } {
  const buffer = options.buffer ?? LatencyHistogram.sharedBuffer(64);
  const emittedAt = options.emittedAt;
  return {
    name: options.name ?? 'latency-blackhole',
    buffer,
    histogram: () => LatencyHistogram.mergeSlices(buffer),
    createWriter({ subtaskIndex }) {
      const histogram = new LatencyHistogram(buffer, subtaskIndex);
      return {
        write(batch) {
          const now = wallClockMs();
          const values = batch.values;
          for (let i = 0; i < values.length; i++) histogram.recordMs(now - emittedAt(values[i]!));
        },
      };
    },
  };
}
