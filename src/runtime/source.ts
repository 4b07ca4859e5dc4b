import type { Batch } from '../core/batch.js';
import { NO_TIMESTAMP } from '../core/time.js';

export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly signal: AbortSignal;
}

/** What a reader returns from one poll: records of one split. */
export interface SourceBatch<T> {
  batch: Batch<T>;
  /** The split (partition, file) the records come from; watermarks are tracked per split. */
  split?: string | number;
}

/**
 * Reads the records of one parallel subtask of a source. Sources split planning (`createReader` decides
 * which partitions or splits subtask i reads) from reading (`poll`), as Flink's enumerator and reader.
 */
export interface SourceReader<T> {
  open?(): Promise<void> | void;
  /**
   * The next records, `null` when a bounded source has ended, or an empty batch when nothing is ready
   * yet (an unbounded source may also wait inside `poll`, honouring the abort signal).
   */
  poll(maxRecords: number): Promise<SourceBatch<T> | null> | SourceBatch<T> | null;
  /** The splits this reader owns, so their watermarks can be tracked before their first record. */
  splits?(): (string | number)[];
  /** Position to resume from, taken at a checkpoint. */
  snapshotPosition?(): unknown;
  restorePosition?(position: unknown): void;
  close?(): Promise<void> | void;
}

export interface Source<T> {
  readonly name: string;
  readonly bounded: boolean;
  createReader(ctx: SourceReaderContext): SourceReader<T>;
}

/**
 * A bounded source over an in-memory array. Subtask i of P reads the elements i, i+P, i+2P, … so any
 * parallelism sees every element once. Timestamps come from `timestamps` or a watermark strategy.
 */
export function fromArray<T>(values: readonly T[], options: { name?: string; timestamps?: readonly number[] } = {}): Source<T> {
  return {
    name: options.name ?? 'array',
    bounded: true,
    createReader({ subtaskIndex, parallelism }) {
      let next = subtaskIndex;
      return {
        poll(max) {
          if (next >= values.length) return null;
          const vs: T[] = [];
          const ts: number[] = [];
          while (next < values.length && vs.length < max) {
            vs.push(values[next]!);
            ts.push(options.timestamps ? options.timestamps[next]! : NO_TIMESTAMP);
            next += parallelism;
          }
          return { batch: { values: vs, timestamps: ts } };
        },
        snapshotPosition: () => next,
        restorePosition: (p) => { next = p as number; },
      };
    },
  };
}

/**
 * A bounded (or, with `count: Infinity`, unbounded) generator: element n is `fn(n)`. Parallel subtasks
 * take disjoint residues of n, so the output is the same at any parallelism.
 */
export function fromGenerator<T>(count: number, fn: (n: number) => T, options: { name?: string; timestamp?: (n: number) => number; ratePerSecond?: number } = {}): Source<T> {
  return {
    name: options.name ?? 'generator',
    bounded: Number.isFinite(count),
    createReader({ subtaskIndex, parallelism, signal }) {
      let n = subtaskIndex;
      const started = Date.now();
      const rate = options.ratePerSecond ? options.ratePerSecond / parallelism : 0;
      let produced = 0;
      return {
        async poll(max) {
          if (n >= count || signal.aborted) return null;
          const limit = max;
          if (rate > 0) {
            // Paced, but always in whole batches: batch boundaries (and so watermarks) do not depend on
            // timing, and a job replayed from a checkpoint sees the same batches.
            const want = Math.min(max, Math.ceil((count - n) / parallelism));
            const due = Math.floor(((Date.now() - started) / 1000) * rate) - produced;
            if (due < want) {
              await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(((want - due) / rate) * 1000))));
              return { batch: { values: [], timestamps: [] } };
            }
          }
          const vs: T[] = [];
          const ts: number[] = [];
          const tsFn = options.timestamp;
          while (n < count && vs.length < limit) {
            vs.push(fn(n));
            ts.push(tsFn ? tsFn(n) : NO_TIMESTAMP);
            n += parallelism;
          }
          produced += vs.length;
          return { batch: { values: vs, timestamps: ts } };
        },
        snapshotPosition: () => n,
        restorePosition: (p) => { n = p as number; },
      };
    },
  };
}

/** An unbounded source fed from an async iterable (each subtask iterates its own). Mostly for tests and glue. */
export function fromAsyncIterable<T>(make: (subtaskIndex: number) => AsyncIterable<T>, options: { name?: string } = {}): Source<T> {
  return {
    name: options.name ?? 'async-iterable',
    bounded: false,
    createReader({ subtaskIndex }) {
      const it = make(subtaskIndex)[Symbol.asyncIterator]();
      return {
        async poll() {
          const r = await it.next();
          if (r.done) return null;
          return { batch: { values: [r.value], timestamps: [NO_TIMESTAMP] } };
        },
        async close() { await it.return?.(); },
      };
    },
  };
}
