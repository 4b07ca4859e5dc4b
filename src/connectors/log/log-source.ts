import { UserError } from '../../core/errors.js';
import type { Isolation, Log, LogRecord } from '../../log/index.js';
import { OffsetOutOfRangeError } from '../../log/index.js';
import type { Source, SourceBatch, SourceReader } from '../../runtime/source.js';
import { leaseLog } from './shared-log.js';
import type { LogLease, LogLocation } from './shared-log.js';

/** Where a log source starts when it has no checkpointed position (and no committed group offset). */
export type LogStartFrom = 'earliest' | 'latest' | { timestamp: number } | { offsets: Record<number, number> };

export interface LogSourceOptions<T> extends LogLocation {
  topic: string;
  /** Read only these partitions (default: all of the topic). */
  partitions?: number[];
  /** Default `earliest`. A checkpoint, then the group's committed offsets, take precedence. */
  startFrom?: LogStartFrom;
  /** Default `read_committed`: records of open or aborted transactions are never read. */
  isolation?: Isolation;
  /**
   * Consumer group: its committed offsets are the starting positions when there is no checkpoint, and
   * each checkpoint's positions are committed to it (for lag monitoring; the checkpoint stays the
   * source of truth, so a group may be ahead of the last completed checkpoint by one).
   */
  group?: string;
  /** Turns a record into the stream's value. Default: the value as a string (UTF-8 for Buffers). */
  decode?: (record: LogRecord) => T;
  /** Read up to the end offsets seen when the reader opens, then end. Default false (wait for new records). */
  bounded?: boolean;
  /** Records read from one partition per poll at most. Default: the job's batch size. */
  maxPollRecords?: number;
  /** How long an unbounded poll waits for new records before returning an empty batch. Default 100 ms. */
  pollWaitMs?: number;
}

interface Position { version: 1; topic: string; offsets: Record<string, number> }

/**
 * Reads a topic of the embedded log as a replayable source. Subtask i of P owns the partitions p with
 * p ≡ i (mod P) and reports them as splits, so each partition has its own watermark. Record
 * timestamps become event timestamps. The next offset of every owned partition is checkpointed, so a
 * restored job resumes exactly where its checkpoint was taken.
 *
 * Sharing the log directory: a directory is locked by one process. Connectors with `dir` in one
 * process share a single `Log` (source and sink of the same job, or several jobs); another process
 * cannot open it while the job runs, so `weir topic produce` into a running job's input is not
 * possible: produce before the job starts, or produce from inside the job's process by passing the
 * same open `Log` as `log` and appending to it (new records wake an unbounded source at once).
 *
 * @example
 * env.fromSource(logSource({ dir: './.weir/log', topic: 'orders', decode: (r) => JSON.parse(String(r.value)) }),
 *   WatermarkStrategies.boundedOutOfOrderness(2000))
 */
export function logSource<T = string>(options: LogSourceOptions<T>): Source<T> {
  const name = `log:${options.topic}`;
  if (typeof options.topic !== 'string' || options.topic === '') throw new UserError('logSource needs a topic', { origin: name });
  const isolation = options.isolation ?? 'read_committed';
  if (isolation !== 'read_committed' && isolation !== 'read_uncommitted') {
    throw new UserError(`logSource isolation must be 'read_committed' or 'read_uncommitted', got ${JSON.stringify(isolation)}`, { origin: name });
  }
  checkStartFrom(options.startFrom ?? 'earliest', name);
  const decode = options.decode ?? ((r: LogRecord) => (typeof r.value === 'string' ? r.value : r.value.toString('utf8')) as unknown as T);
  const bounded = options.bounded ?? false;
  const waitMs = options.pollWaitMs ?? 100;
  return {
    name,
    bounded,
    createReader({ subtaskIndex, parallelism, signal }): SourceReader<T> {
      const lease: LogLease = leaseLog(options, name);
      let log!: Log;
      let owned: number[] = [];
      const next = new Map<number, number>();
      const end = new Map<number, number>();
      let turn = 0;
      const split = (p: number) => `${options.topic}/${p}`;
      const readableEnd = (p: number) => (isolation === 'read_committed' ? log.lastStableOffset(options.topic, p) : log.highWatermark(options.topic, p));

      const startOffset = async (p: number, committed: Map<string, number>): Promise<number> => {
        const c = committed.get(split(p));
        if (c !== undefined) return c;
        const from = options.startFrom ?? 'earliest';
        if (from === 'earliest') return log.logStartOffset(options.topic, p);
        if (from === 'latest') return readableEnd(p);
        if ('timestamp' in from) return log.offsetForTimestamp(options.topic, p, from.timestamp);
        return from.offsets[p] ?? log.logStartOffset(options.topic, p);
      };

      const reader: SourceReader<T> = {
        async open() {
          log = await lease.log;
          const count = log.partitionCount(options.topic);
          const all = options.partitions ?? Array.from({ length: count }, (_, i) => i);
          for (const p of all) {
            if (!Number.isInteger(p) || p < 0 || p >= count) {
              throw new UserError(`logSource: topic "${options.topic}" has no partition ${p} (it has ${count})`, { origin: name, hint: 'fix the partitions option' });
            }
          }
          owned = all.filter((_, i) => i % parallelism === subtaskIndex);
          const committed = options.group !== undefined ? log.committedOffsets(options.group) : new Map<string, number>();
          for (const p of owned) next.set(p, await startOffset(p, committed));
          if (bounded) for (const p of owned) end.set(p, readableEnd(p));
        },
        splits: () => owned.map(split),
        async poll(max): Promise<SourceBatch<T> | null> {
          const limit = Math.max(1, Math.min(max, options.maxPollRecords ?? max));
          for (;;) {
            if (signal.aborted) return null;
            let live = 0;
            let progressed = false;
            for (let i = 0; i < owned.length; i++) {
              const p = owned[(turn + i) % owned.length]!;
              let from = next.get(p)!;
              const stop = bounded ? end.get(p)! : Number.POSITIVE_INFINITY;
              if (from >= stop) continue;
              live++;
              let res;
              try {
                res = await log.read(options.topic, p, from, Math.min(limit, stop - from), { isolation });
              } catch (err) {
                if (!(err instanceof OffsetOutOfRangeError) || from >= log.logStartOffset(options.topic, p)) throw err;
                // Retention deleted records this source had not read: go on from the oldest left.
                process.stderr.write(`weir: ${name}: offsets ${from}..${err.logStartOffset - 1} of partition ${p} were deleted by retention before they were read; skipping them\n`);
                from = err.logStartOffset;
                res = await log.read(options.topic, p, from, Math.min(limit, stop - from), { isolation });
              }
              if (res.nextOffset > from) progressed = true;
              next.set(p, Math.min(res.nextOffset, stop));
              if (res.records.length === 0) continue;
              turn = (turn + i + 1) % owned.length;
              const values: T[] = [];
              const timestamps: number[] = [];
              for (const r of res.records) {
                if (r.offset >= stop) break;
                values.push(decode(r));
                timestamps.push(r.timestamp);
              }
              return { batch: { values, timestamps }, split: split(p) };
            }
            if (bounded && live === 0) return null;
            if (owned.length === 0) return null;
            if (bounded && progressed) continue;
            // Nothing new: wait a little, then hand back an empty batch so barriers and watermarks flow.
            await waitOrAbort(log, owned.map((partition) => ({ topic: options.topic, partition })), waitMs, signal);
            return { batch: { values: [], timestamps: [] } };
          }
        },
        snapshotPosition(): Position {
          const offsets: Record<string, number> = {};
          for (const [p, o] of next) offsets[String(p)] = o;
          if (options.group !== undefined && log) {
            const list = [...next].map(([partition, offset]) => ({ topic: options.topic, partition, offset }));
            log.commitOffsets(options.group, list).catch((err: unknown) => process.stderr.write(`weir: ${name}: committing offsets of group ${options.group} failed: ${String(err)}\n`));
          }
          return { version: 1, topic: options.topic, offsets };
        },
        restorePosition(position) {
          const pos = position as Position;
          if (pos?.version !== 1 || typeof pos.offsets !== 'object') {
            throw new UserError(`${name}: cannot restore the checkpointed position ${JSON.stringify(position)?.slice(0, 200)}`, { origin: name, hint: 'the checkpoint was written by another source or version; start from a fresh checkpoint directory' });
          }
          if (pos.topic !== options.topic) {
            throw new UserError(`${name}: the checkpoint was taken reading topic "${pos.topic}"`, { origin: name, hint: 'restore with the same topic, or start from a fresh checkpoint directory' });
          }
          for (const p of owned) {
            const o = pos.offsets[String(p)];
            if (typeof o === 'number') next.set(p, o);
          }
        },
        async close() {
          await lease.release();
        },
      };
      return reader;
    },
  };
}

function waitOrAbort(log: Log, tps: { topic: string; partition: number }[], ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    void log.waitForData(tps, ms).then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

function checkStartFrom(from: LogStartFrom, name: string): void {
  if (from === 'earliest' || from === 'latest') return;
  if (from && typeof from === 'object') {
    if ('timestamp' in from && typeof from.timestamp === 'number' && Number.isFinite(from.timestamp)) return;
    if ('offsets' in from && from.offsets && typeof from.offsets === 'object') return;
  }
  throw new UserError(`${name}: startFrom must be 'earliest', 'latest', { timestamp: ms } or { offsets: { partition: offset } }, got ${JSON.stringify(from)}`, { origin: name });
}
