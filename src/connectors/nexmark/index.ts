/**
 * The Nexmark connector: the generator as a DataStream source (and as SQL's `'connector' = 'nexmark'`),
 * a reader of the NDJSON files the Flink side of the benchmark reads, and a latency-measuring blackhole.
 */
export { nexmarkSource, nexmarkWatermarks, type NexmarkSourceConfig, type NexmarkSourcePosition, type TimedNexmarkEvent } from './source.js';
export { nexmarkFileSource, type NexmarkFilePosition } from './file-source.js';
export { latencySink, type LatencySinkOptions } from './latency-sink.js';
export { HISTOGRAM_BUCKETS, LatencyHistogram, wallClockMs } from './latency-histogram.js';
export { nexmarkConfigFromOptions, nexmarkConnector, nexmarkTableSource } from './table.js';
