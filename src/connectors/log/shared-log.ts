import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { UserError } from '../../core/errors.js';
import { Log } from '../../log/index.js';
import type { LogOptions } from '../../log/index.js';

interface Shared { log: Promise<Log>; users: number }

/** Logs opened by the log connectors of this thread, by absolute directory. */
const shared = new Map<string, Shared>();

/** Where a log connector finds its log: a directory it opens (shared within the process), or an open `Log`. */
export interface LogLocation {
  /** The log directory; the connectors of one process share one `Log` per directory and close it after the last. */
  dir?: string;
  /** An open log, owned by the caller (never closed by the connector). */
  log?: Log;
  /** Options for `Log.open` when `dir` is given (the first connector to open the directory decides). */
  logOptions?: LogOptions;
}

/** A reference to a log that the holder must `release()` once. */
export interface LogLease {
  log: Promise<Log>;
  release(): Promise<void>;
}

/**
 * Opens the log of `where` or shares the one already open in this thread. A directory is locked by one
 * process, and the lock cannot tell the threads of one process apart, so `dir` is refused on worker
 * threads (two threads appending to one directory would corrupt it).
 */
export function leaseLog(where: LogLocation, connector: string): LogLease {
  if (where.log !== undefined && where.dir !== undefined) {
    throw new UserError(`${connector}: give either dir or log, not both`, { origin: connector });
  }
  if (where.log !== undefined) return { log: Promise.resolve(where.log), release: async () => {} };
  if (typeof where.dir !== 'string' || where.dir === '') {
    throw new UserError(`${connector}: needs dir (a log directory) or log (an open Log)`, { origin: connector, hint: "e.g. logSource({ dir: './.weir/log', topic: 'orders' })" });
  }
  if (!isMainThread) {
    throw new UserError(`${connector}: the log directory ${where.dir} cannot be opened on a worker thread`, {
      origin: connector,
      hint: 'run jobs that read or write the embedded log in one thread (execute() without threads: true); parallelism still works there',
    });
  }
  const dir = path.resolve(where.dir);
  let s = shared.get(dir);
  if (!s) {
    const opening = Log.open(dir, where.logOptions);
    s = { log: opening, users: 0 };
    shared.set(dir, s);
    opening.catch(() => { if (shared.get(dir) === s) shared.delete(dir); });
  }
  s.users++;
  const entry = s;
  let released = false;
  return {
    log: entry.log,
    async release() {
      if (released) return;
      released = true;
      if (--entry.users > 0) return;
      if (shared.get(dir) === entry) shared.delete(dir);
      const log = await entry.log.catch(() => undefined);
      await log?.close();
    },
  };
}
