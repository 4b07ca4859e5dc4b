import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ExternalError } from '../../core/errors.js';
import type { Sink, SinkWriter } from '../../runtime/sink.js';

export interface PartFileSinkOptions<T> {
  /** The directory the part files go to (created if missing). */
  dir: string;
  /** One line of output per record (the newline is added). */
  encode: (value: T) => string;
  /** Visible part files are named `<prefix>-<subtask>-<n><suffix>`. */
  prefix?: string;
  suffix?: string;
  /** Starts a new part file once the current one has this many bytes (default 128 MiB). */
  rollBytes?: number;
  log?: (message: string) => void;
}

interface WriterState { version: 1; next: number }

/** A part file, by its visible name. */
type Committable = string;

/**
 * Writes records as lines into part files, exactly once with checkpoints. A part file is written hidden
 * (`.name.inprogress`), becomes pending at a checkpoint barrier (`.name.pending`, fsynced), and is renamed
 * to its visible name only when that checkpoint is complete. After a crash, files of unfinished
 * checkpoints are removed and the restored checkpoint's pending files are committed, so readers of the
 * directory see each record once. Without checkpoints, files become visible when the input ends.
 */
export function partFileSink<T>(options: PartFileSinkOptions<T>): Sink<T> {
  const prefix = options.prefix ?? 'part';
  const suffix = options.suffix ?? '';
  const rollBytes = options.rollBytes ?? 128 * 1024 * 1024;
  const log = options.log ?? ((m: string) => process.stderr.write(`weir: ${m}\n`));
  return {
    name: `files:${options.dir}`,
    createWriter({ subtaskIndex }): SinkWriter<T> {
      mkdirSync(options.dir, { recursive: true });
      // Every attempt names its files anew, so a replay after a failure can never overwrite, and so hide,
      // a duplicate: exactly-once must come from the commit protocol alone.
      const attempt = randomBytes(4).toString('hex');
      const base = (n: number) => `${prefix}-${subtaskIndex}-${attempt}-${n}${suffix}`;
      const inProgress = (n: number) => join(options.dir, `.${base(n)}.inprogress`);
      const pending = (n: number) => join(options.dir, `.${base(n)}.pending`);
      let next = 0;
      let fd: number | undefined;
      let current = -1;
      let bytes = 0;
      let chunks: string[] = [];
      let chunkBytes = 0;
      const closed: Committable[] = [];
      let cleaned = false;
      const ensureClean = () => {
        if (!cleaned) { cleaned = true; cleanup(); }
      };

      const flushChunks = () => {
        if (chunks.length === 0 || fd === undefined) return;
        writeSync(fd, chunks.join(''));
        chunks = [];
        chunkBytes = 0;
      };
      const closeCurrent = () => {
        if (fd === undefined) return;
        flushChunks();
        fsyncSync(fd);
        closeSync(fd);
        fd = undefined;
        renameSync(inProgress(current), pending(current));
        closed.push(base(current));
      };
      const open = () => {
        current = next++;
        fd = openSync(inProgress(current), 'w');
        bytes = 0;
      };
      const publish = (name: Committable) => {
        const from = join(options.dir, `.${name}.pending`);
        const to = join(options.dir, name);
        if (existsSync(from)) renameSync(from, to);
        else if (!existsSync(to)) log(`part file ${name} in ${options.dir} is neither pending nor committed; its records are lost`);
      };
      // Hidden files of this subtask left by an attempt that died belong to no complete checkpoint (the
      // restored checkpoint's pending files were committed before the first write), so they go.
      const cleanup = () => {
        const mine = new RegExp(`^\\.${escape(prefix)}-${subtaskIndex}-[0-9a-f]+-\\d+${escape(suffix)}\\.(inprogress|pending)$`);
        for (const f of readdirSync(options.dir)) if (mine.test(f)) rmSync(join(options.dir, f), { force: true });
      };

      return {
        write(batch) {
          ensureClean();
          if (fd === undefined) open();
          const enc = options.encode;
          for (const v of batch.values) {
            const line = enc(v) + '\n';
            chunks.push(line);
            chunkBytes += line.length;
            bytes += line.length;
          }
          if (chunkBytes > 1 << 20) flushChunks();
          if (bytes >= rollBytes) closeCurrent();
        },
        preCommit() {
          ensureClean();
          closeCurrent();
          return closed.splice(0, closed.length);
        },
        commit(committables) {
          try {
            for (const files of committables as Committable[][]) for (const name of files) publish(name);
          } catch (err) {
            throw new ExternalError(`cannot commit part files in ${options.dir}`, { cause: err, origin: 'part-file-sink' });
          }
        },
        snapshotState(): WriterState {
          return { version: 1, next };
        },
        restoreState(state) {
          const s = state as WriterState;
          next = s.next;
        },
        finish() {
          ensureClean();
          closeCurrent();
          for (const n of closed.splice(0, closed.length)) publish(n);
        },
        close() {
          if (fd !== undefined) { closeSync(fd); fd = undefined; }
        },
      };
    },
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
