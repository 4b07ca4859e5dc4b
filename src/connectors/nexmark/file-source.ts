import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ExternalError, UserError } from '../../core/errors.js';
import type { Source, SourceReader } from '../../runtime/source.js';
import { parseNexmarkJson, type NexmarkEvent } from '../../nexmark/index.js';
import { wallClockMs } from './latency-histogram.js';
import type { TimedNexmarkEvent } from './source.js';

/** Bytes read from the file per step. */
const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** Where a file reader stands: the byte offset of the next unread line and that line's number. */
export interface NexmarkFilePosition {
  offset: number;
  line: number;
}

/**
 * Reads a Nexmark NDJSON file (as `writeNexmarkFile` writes it, the input of the Flink side of the
 * benchmark) as a bounded source of {@link TimedNexmarkEvent}s, so weir and Flink can be timed on the same
 * bytes. Subtask i of P parses the lines ≡ i (mod P) (every reader scans the whole file). The position
 * (byte offset and line number) is checkpointed; `emittedAt` is the time the line was parsed.
 */
export function nexmarkFileSource(path: string, options: { name?: string } = {}): Source<TimedNexmarkEvent> {
  try {
    statSync(path);
  } catch (cause) {
    throw new UserError(`nexmark input file ${path} cannot be read: ${(cause as Error).message}`, {
      origin: 'connector:nexmark', hint: 'write it first with writeNexmarkFile or `weir bench nexmark --write-input`', cause,
    });
  }
  return {
    name: options.name ?? 'nexmark-file',
    bounded: true,
    createReader({ subtaskIndex, parallelism }): SourceReader<TimedNexmarkEvent> {
      let fd = -1;
      let offset = 0;
      let line = 0;
      let eof = false;
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      // Lines decoded but not yet handed on, and the file offset just after lines[i].
      let lines: string[] = [];
      let ends: number[] = [];
      let cursor = 0;

      const refill = (): void => {
        let got: number;
        try {
          if (fd < 0) fd = openSync(path, 'r');
          got = readSync(fd, chunk, 0, CHUNK_BYTES, offset);
        } catch (cause) {
          throw new ExternalError(`could not read nexmark input ${path} at byte ${offset}: ${(cause as Error).message}`, { origin: 'connector:nexmark', cause });
        }
        lines = [];
        ends = [];
        cursor = 0;
        if (got === 0) { eof = true; return; }
        let start = 0;
        for (let i = 0; i < got; i++) {
          if (chunk[i] !== NEWLINE) continue;
          if (i > start) { lines.push(chunk.toString('utf8', start, i)); ends.push(offset + i + 1); }
          start = i + 1;
        }
        if (start === 0) {
          if (got < CHUNK_BYTES) {
            // The last line has no newline.
            lines.push(chunk.toString('utf8', 0, got));
            ends.push(offset + got);
          } else {
            throw new UserError(`nexmark input ${path}: line ${line + 1} is longer than ${CHUNK_BYTES} bytes`, { origin: 'connector:nexmark' });
          }
        } else if (got < CHUNK_BYTES && start < got) {
          lines.push(chunk.toString('utf8', start, got));
          ends.push(offset + got);
        }
      };

      return {
        poll(max) {
          const values: TimedNexmarkEvent[] = [];
          const timestamps: number[] = [];
          while (values.length < max) {
            if (cursor >= lines.length) {
              if (eof) break;
              refill();
              if (eof) break;
            }
            const text = lines[cursor]!;
            offset = ends[cursor]!;
            cursor++;
            const mine = line % parallelism === subtaskIndex;
            line++;
            if (!mine) continue;
            let event: NexmarkEvent;
            try {
              event = parseNexmarkJson(text);
            } catch (cause) {
              throw new UserError(`nexmark input ${path}, line ${line}: ${(cause as Error).message}`, { origin: 'connector:nexmark', cause });
            }
            values.push(event as TimedNexmarkEvent);
            timestamps.push(event.dateTime);
          }
          if (values.length === 0 && eof) return null;
          const emittedAt = wallClockMs();
          for (let i = 0; i < values.length; i++) values[i]!.emittedAt = emittedAt;
          return { batch: { values, timestamps } };
        },
        snapshotPosition: (): NexmarkFilePosition => ({ offset, line }),
        restorePosition(position) {
          const p = position as NexmarkFilePosition | null;
          if (typeof p?.offset !== 'number' || typeof p.line !== 'number') {
            throw new UserError(`cannot restore nexmark file reader from ${JSON.stringify(position)}`, { origin: 'connector:nexmark' });
          }
          offset = p.offset;
          line = p.line;
          lines = [];
          ends = [];
          cursor = 0;
          eof = false;
        },
        close() { if (fd >= 0) closeSync(fd); fd = -1; },
      };
    },
  };
}
