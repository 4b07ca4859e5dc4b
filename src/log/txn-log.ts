import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileDurably } from './segment.js';

/** A partition named by topic and number. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A transaction whose records are durable and held open, undecided, until someone commits or aborts it. */
export interface PreparedTransaction {
  producerId: number;
  /** Who prepared it (e.g. a sink subtask), so a restarted owner can find and abort its leftovers. */
  owner: string;
  /** Names this transaction among all of the producer's, so a commit never hits a later one of the same id. */
  txnId: string;
  partitions: TopicPartition[];
  /** When it was prepared (ms); prepared transactions expire after `LogOptions.preparedTransactionTimeoutMs`. */
  preparedAt: number;
}

/** A commit or abort that was decided but whose markers may not all be written yet. */
export interface DecidedTransaction {
  commit: boolean;
  partitions: TopicPartition[];
  txnId: string | undefined;
}

/** Outcomes of prepared transactions kept across rewrites, so a late commit can tell "done" from "aborted". */
const KEPT_OUTCOMES = 1000;

interface Entry {
  pid: number;
  state: 'prepare_commit' | 'prepare_abort' | 'prepared' | 'complete';
  partitions?: TopicPartition[];
  owner?: string;
  txnId?: string;
  at?: number;
  outcome?: 'committed' | 'aborted';
}

/**
 * The transaction coordinator's record, `transactions.log` in the log directory: one JSON line per
 * decision. A commit (or the abort of a prepared transaction) is decided once its `prepare_commit`
 * (`prepare_abort`) line is durable; the markers are written after that, so a crash between markers is
 * finished on reopen. A `prepared` line holds a transaction open across crashes and reopens until it
 * is decided; any other transaction without a decision is aborted on reopen. Completed decisions are
 * dropped when the file is rewritten on open, except the outcomes of the last prepared transactions.
 */
export class TransactionLog {
  private fd: number;
  private constructor(private readonly file: string, private readonly sync: boolean) {
    this.fd = fs.openSync(file, 'a');
  }

  /**
   * Opens the file and returns the decisions not known to be complete, the prepared transactions
   * still undecided, and the recent outcomes of prepared transactions by `txnId`.
   */
  static open(dir: string, sync: boolean): {
    log: TransactionLog;
    decided: Map<number, DecidedTransaction>;
    held: Map<number, PreparedTransaction>;
    outcomes: Map<string, 'committed' | 'aborted'>;
  } {
    const file = path.join(dir, 'transactions.log');
    const decided = new Map<number, DecidedTransaction>();
    const held = new Map<number, PreparedTransaction>();
    const outcomes = new Map<string, 'committed' | 'aborted'>();
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      // No file yet: no transaction was ever committed here.
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let e: Entry;
      try {
        e = JSON.parse(line) as Entry;
      } catch {
        break; // a torn last line: its decision was never acknowledged
      }
      if (e.state === 'prepared') {
        held.set(e.pid, { producerId: e.pid, owner: e.owner ?? '', txnId: e.txnId ?? '', partitions: e.partitions ?? [], preparedAt: e.at ?? 0 });
        decided.delete(e.pid);
      } else if (e.state === 'prepare_commit' || e.state === 'prepare_abort') {
        const txnId = e.txnId ?? held.get(e.pid)?.txnId;
        decided.set(e.pid, { commit: e.state === 'prepare_commit', partitions: e.partitions ?? held.get(e.pid)?.partitions ?? [], txnId });
        held.delete(e.pid);
      } else {
        decided.delete(e.pid);
        held.delete(e.pid);
        if (e.txnId && e.outcome) {
          outcomes.delete(e.txnId);
          outcomes.set(e.txnId, e.outcome);
          if (outcomes.size > KEPT_OUTCOMES) outcomes.delete(outcomes.keys().next().value!);
        }
      }
    }
    // Outcomes first: a later `prepared` line of the same producer id must win over its old outcome.
    const keep = [
      ...[...outcomes].map(([txnId, outcome]) => ({ pid: -1, state: 'complete', txnId, outcome })),
      ...[...held.values()].map((h) => ({ pid: h.producerId, state: 'prepared', partitions: h.partitions, owner: h.owner, txnId: h.txnId, at: h.preparedAt })),
      ...[...decided].map(([pid, d]) => ({ pid, state: d.commit ? 'prepare_commit' : 'prepare_abort', partitions: d.partitions, txnId: d.txnId })),
    ].map((e) => JSON.stringify(e) + '\n').join('');
    writeFileDurably(file, keep, sync);
    return { log: new TransactionLog(file, sync), decided, held, outcomes };
  }

  /** Durably records the decision to commit `producerId`'s transaction on `partitions`. */
  prepareCommit(producerId: number, partitions: TopicPartition[], txnId?: string): void {
    this.write({ pid: producerId, state: 'prepare_commit', partitions, txnId }, this.sync);
  }

  /** Durably records the decision to abort `producerId`'s prepared transaction. */
  prepareAbort(producerId: number, partitions: TopicPartition[], txnId?: string): void {
    this.write({ pid: producerId, state: 'prepare_abort', partitions, txnId }, this.sync);
  }

  /** Durably records that `producerId`'s transaction is prepared: it must survive a crash undecided. */
  prepared(t: PreparedTransaction): void {
    this.write({ pid: t.producerId, state: 'prepared', partitions: t.partitions, owner: t.owner, txnId: t.txnId, at: t.preparedAt }, this.sync);
  }

  /** Records that all markers of `producerId`'s decided transaction are durable. */
  complete(producerId: number, txnId?: string, outcome?: 'committed' | 'aborted'): void {
    this.write(txnId ? { pid: producerId, state: 'complete', txnId, outcome } : { pid: producerId, state: 'complete' }, false);
  }

  private write(entry: Entry, sync: boolean): void {
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
