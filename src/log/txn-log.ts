import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileDurably } from './segment.js';

/** A partition named by topic and number. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * The transaction coordinator's record, `transactions.log` in the log directory: one JSON line per
 * decision. A commit is decided once its `prepare_commit` line is durable; the markers are written
 * after that, so a crash between markers is finished on reopen by committing the rest, and a
 * transaction without a `prepare_commit` line is aborted. Fully completed decisions are dropped when
 * the file is rewritten on open.
 */
export class TransactionLog {
  private fd: number;
  private constructor(private readonly file: string, private readonly sync: boolean) {
    this.fd = fs.openSync(file, 'a');
  }

  /** Opens the file and returns the commits that were decided but maybe not completed. */
  static open(dir: string, sync: boolean): { log: TransactionLog; prepared: Map<number, TopicPartition[]> } {
    const file = path.join(dir, 'transactions.log');
    const prepared = new Map<number, TopicPartition[]>();
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      // No file yet: no transaction was ever committed here.
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let entry: { pid: number; state: string; partitions?: TopicPartition[] };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        break; // a torn last line: its decision was never acknowledged
      }
      if (entry.state === 'prepare_commit') prepared.set(entry.pid, entry.partitions ?? []);
      else prepared.delete(entry.pid);
    }
    const keep = [...prepared].map(([pid, partitions]) => JSON.stringify({ pid, state: 'prepare_commit', partitions }) + '\n').join('');
    writeFileDurably(file, keep, sync);
    return { log: new TransactionLog(file, sync), prepared };
  }

  /** Durably records the decision to commit `producerId`'s transaction on `partitions`. */
  prepareCommit(producerId: number, partitions: TopicPartition[]): void {
    this.write({ pid: producerId, state: 'prepare_commit', partitions }, this.sync);
  }

  /** Records that all markers of `producerId`'s decided transaction are durable. */
  complete(producerId: number): void {
    this.write({ pid: producerId, state: 'complete' }, false);
  }

  private write(entry: object, sync: boolean): void {
    fs.writeSync(this.fd, JSON.stringify(entry) + '\n');
    if (sync) fs.fsyncSync(this.fd);
  }

  close(): void {
    try { fs.closeSync(this.fd); } catch { /* already closed */ }
  }

  get path(): string {
    return this.file;
  }
}
