import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ExternalError, UserError } from '../core/errors.js';
import type { NexmarkConfig } from './config.js';
import { NexmarkGenerator } from './generator.js';
import { NdjsonEventEncoder } from './ndjson-encoder.js';

/** Size of each of the writer's two output buffers. */
const BUFFER_BYTES = 4 * 1024 * 1024;

/** Progress of {@link writeNexmarkFile}, reported after each chunk reaches the file. */
export interface NexmarkWriteProgress {
  /** Events written so far. */
  events: number;
  /** Events the file will hold. */
  total: number;
  /** Bytes written so far. */
  bytes: number;
}

/** Options of {@link writeNexmarkFile}. */
export interface WriteNexmarkFileOptions {
  /** Only `ndjson`: one JSON object per line, as Flink's `json` format reads. */
  format?: 'ndjson';
  /** Called after every chunk, so at least every `chunkEvents` events. */
  onProgress?: (progress: NexmarkWriteProgress) => void;
  /** Events generated per step; progress is reported at least this often. Default 8192. */
  chunkEvents?: number;
}

/** What {@link writeNexmarkFile} wrote. */
export interface NexmarkWriteResult {
  path: string;
  events: number;
  bytes: number;
}

/**
 * Writes the events `0 .. numEvents - 1` of a Nexmark stream to `path` as NDJSON (see `toFlinkJson`),
 * streaming through two 4 MiB buffers so tens of millions of events need no more memory than a few
 * thousand. Formatting into one buffer overlaps the write of the other. The file appears under its name only when
 * complete: it is written as `path + '.partial'` and renamed at the end; parent folders are created.
 *
 * @example
 * await writeNexmarkFile('data/nexmark-10m.ndjson', { seed: 1, numEvents: 10_000_000 }, {
 *   format: 'ndjson',
 *   onProgress: (p) => console.log(`${p.events} / ${p.total}`),
 * });
 */
export async function writeNexmarkFile(
  path: string,
  config: Partial<NexmarkConfig> | NexmarkGenerator,
  options: WriteNexmarkFileOptions = {},
): Promise<NexmarkWriteResult> {
  const format = options.format ?? 'ndjson';
  if (format !== 'ndjson') {
    throw new UserError(`unsupported nexmark file format "${String(format)}"`, { origin: 'nexmark', hint: "use format: 'ndjson'" });
  }
  const chunkEvents = options.chunkEvents ?? 8192;
  if (!Number.isSafeInteger(chunkEvents) || chunkEvents < 1) {
    throw new UserError(`chunkEvents must be a positive integer, got ${String(chunkEvents)}`, { origin: 'nexmark' });
  }
  const gen = config instanceof NexmarkGenerator ? config : new NexmarkGenerator(config);
  const total = gen.config.numEvents;
  if (total === 0) {
    throw new UserError('cannot write an unbounded nexmark stream (numEvents = 0) to a file', {
      origin: 'nexmark',
      hint: 'set numEvents to the number of events the file should hold',
    });
  }

  const partial = `${path}.partial`;
  const fail = (what: string, cause: unknown): ExternalError =>
    new ExternalError(`could not ${what} nexmark file ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      origin: 'nexmark',
      cause,
      hint: 'check that the folder is writable and the disk has space',
    });

  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (err) {
    throw fail('create the folder of', err);
  }
  let handle;
  try {
    handle = await open(partial, 'w');
  } catch (err) {
    throw fail('open', err);
  }

  let events = 0;
  let bytes = 0;
  try {
    // Lines are encoded straight into one of two fixed buffers while the other is being written: no
    // per-line strings for the collector, and formatting overlaps the disk.
    let current = Buffer.allocUnsafe(BUFFER_BYTES);
    let spare = Buffer.allocUnsafe(BUFFER_BYTES);
    const encoder = new NdjsonEventEncoder(current);
    let pending: Promise<void> | null = null;
    let inBuffer = 0;
    const flush = async (): Promise<void> => {
      if (pending !== null) await pending;
      const buf = current;
      const length = encoder.used;
      const count = inBuffer;
      const h = handle;
      pending = writeAll(h, buf, length).then(() => {
        events += count;
        bytes += length;
        options.onProgress?.({ events, total, bytes });
      });
      current = spare;
      spare = buf;
      encoder.reset(current);
      inBuffer = 0;
    };
    for (const batch of gen.batches({ batchSize: chunkEvents })) {
      for (const ev of batch) {
        // Config limits keep any event far below the buffer size, so a flushed buffer always has room.
        if (encoder.used + NdjsonEventEncoder.maxBytes(ev) > BUFFER_BYTES) await flush();
        encoder.write(ev);
        inBuffer++;
      }
      // Progress at least once per chunk, as documented.
      if (encoder.used > 0) await flush();
    }
    if (pending !== null) await pending;
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true }).catch(() => undefined);
    // Only failures of the file system are external; an exception from onProgress is the caller's own.
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') throw err;
    throw fail('write', err);
  }
  try {
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw fail('rename the finished', err);
  }
  return { path, events, bytes };
}

async function writeAll(handle: FileHandle, buf: Buffer, length: number): Promise<void> {
  let offset = 0;
  // A write to a regular file may in principle be short; loop until every byte is down.
  while (offset < length) {
    const { bytesWritten } = await handle.write(buf, offset, length - offset);
    offset += bytesWritten;
  }
}
