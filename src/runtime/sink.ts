import type { Batch } from '../core/batch.js';
import { formatTimestamp, NO_TIMESTAMP } from '../core/time.js';

export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
}

/**
 * Writes the records of one parallel subtask. `write` may return a promise: the runtime then holds the
 * sources back until it settles, which is how a slow sink slows the job down (backpressure).
 */
export interface SinkWriter<T> {
  write(batch: Batch<T>): void | Promise<void>;
  /** Input has ended: flush and commit what is buffered (jobs without checkpoints). */
  finish?(): void | Promise<void>;
  /**
   * Two-phase commit, phase one, on a checkpoint barrier: make everything written so far durable but not
   * yet visible, and return what `commit` needs to publish it.
   */
  preCommit?(checkpointId: number): unknown | Promise<unknown>;
  /**
   * Phase two, once the checkpoint is durable: publish. Must be idempotent: after a crash the committables
   * of the restored checkpoint are committed again.
   */
  commit?(committables: unknown[]): void | Promise<void>;
  snapshotState?(): unknown;
  restoreState?(state: unknown): void;
  close?(): void | Promise<void>;
}

export interface Sink<T> {
  readonly name: string;
  createWriter(ctx: SinkWriterContext): SinkWriter<T>;
}

/** A record as a collect sink keeps it. */
export interface CollectedRecord<T> {
  value: T;
  timestamp: number;
}

/**
 * Keeps every record in memory and hands them to the job handle (`handle.collected(name)`), also when the
 * job runs on worker threads. For tests and small results.
 */
export class CollectSink<T> implements Sink<T> {
  /** Filled by the runtime; in thread mode the workers send their records to the main thread. */
  readonly records: CollectedRecord<T>[] = [];
  constructor(readonly name: string = 'collect') {}
  createWriter(): SinkWriter<T> {
    return {
      write: (batch) => {
        for (let i = 0; i < batch.values.length; i++) this.records.push({ value: batch.values[i]!, timestamp: batch.timestamps[i]! });
      },
    };
  }
}

/** Prints records as Flink's print sink does: `+I[...]`-style is for SQL; here `prefix> value`. */
export function printSink<T>(options: { prefix?: string; write?: (line: string) => void; showTimestamp?: boolean } = {}): Sink<T> {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  return {
    name: 'print',
    createWriter({ subtaskIndex, parallelism }) {
      const prefix = options.prefix ?? (parallelism > 1 ? `${subtaskIndex + 1}` : '');
      return {
        write(batch) {
          for (let i = 0; i < batch.values.length; i++) {
            const v = batch.values[i];
            const text = typeof v === 'string' ? v : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
            const ts = options.showTimestamp && batch.timestamps[i] !== NO_TIMESTAMP ? ` @ ${formatTimestamp(batch.timestamps[i]!)}` : '';
            write(prefix ? `${prefix}> ${text}${ts}` : `${text}${ts}`);
          }
        },
      };
    },
  };
}

/** A sink that calls a function per batch; an async function gives backpressure. */
export function sinkTo<T>(name: string, fn: (batch: Batch<T>, ctx: SinkWriterContext) => void | Promise<void>): Sink<T> {
  return { name, createWriter: (ctx) => ({ write: (b) => fn(b, ctx) }) };
}

/** Discards everything (for benchmarks), counting records. */
export function discardSink<T>(): Sink<T> & { count: number } {
  const sink = {
    name: 'blackhole',
    count: 0,
    createWriter: () => ({ write: (b: Batch<T>) => { sink.count += b.values.length; } }),
  };
  return sink;
}
