import { retry } from '../core/retry.js';
import type { RecordInput } from './format.js';
import { UserError, isRetriable } from '../core/errors.js';
import type { AppendResult, ProducerHost } from './host.js';
import type { PreparedTransaction } from './txn-log.js';

export interface ProducerOptions {
  /** Resume an earlier producer (its sequences continue from the log); default: a new id. */
  producerId?: number;
  /** Allow `beginTransaction`; every send must then be inside a transaction. */
  transactional?: boolean;
  /** Attempts per batch on retriable (disk) errors; the retry reuses the sequence numbers. Default 3. */
  retries?: number;
}

/**
 * An idempotent producer: each batch carries the producer id and per-partition sequence numbers, so
 * a retried batch is acknowledged from the log instead of written twice, also after a reopen.
 * A transactional producer groups sends on many partitions into one atomic transaction.
 *
 * @example
 * const p = log.producer({ transactional: true });
 * p.beginTransaction();
 * await p.send('orders', [{ key: 'a', value: '1' }]);
 * await p.send('audit', [{ key: 'a', value: 'ordered' }]);
 * await p.commitTransaction();
 */
export class Producer {
  readonly transactional: boolean;
  private readonly nextSeq = new Map<string, number>();
  private inTxn = false;

  /** @internal Use `Log.producer()`. */
  constructor(private readonly log: ProducerHost, readonly producerId: number, private readonly options: ProducerOptions) {
    this.transactional = options.transactional ?? false;
  }

  /** The sequence number the next batch to `topic/partition` gets. */
  nextSequence(topic: string, partition: number): number {
    const k = `${topic}/${partition}`;
    let s = this.nextSeq.get(k);
    if (s === undefined) {
      s = this.log.lastSequence(topic, partition, this.producerId) + 1;
      this.nextSeq.set(k, s);
    }
    return s;
  }

  /**
   * Sends records, each to `options.partition` or its key's partition, one batch per partition.
   * Resolves when all are durable, with one result per partition touched.
   */
  async send(topic: string, records: RecordInput | readonly RecordInput[], options: { partition?: number } = {}): Promise<AppendResult[]> {
    const list = Array.isArray(records) ? (records as readonly RecordInput[]) : [records as RecordInput];
    if (this.transactional) {
      if (!this.inTxn) throw new UserError(`transactional producer ${this.producerId} sent to "${topic}" outside a transaction`, { origin: 'log', hint: 'call beginTransaction() first' });
      this.log.checkTxn(this.producerId);
    }
    const byPartition = new Map<number, RecordInput[]>();
    for (const r of list) {
      const p = options.partition ?? this.log.partitionFor(topic, r?.key);
      let batch = byPartition.get(p);
      if (!batch) byPartition.set(p, (batch = []));
      batch.push(r);
    }
    const sends: Array<Promise<AppendResult>> = [];
    for (const [partition, batch] of byPartition) sends.push(this.sendBatch(topic, partition, batch));
    return Promise.all(sends);
  }

  private sendBatch(topic: string, partition: number, batch: RecordInput[]): Promise<AppendResult> {
    const baseSequence = this.nextSequence(topic, partition);
    const key = `${topic}/${partition}`;
    this.nextSeq.set(key, baseSequence + batch.length);
    const meta = { producerId: this.producerId, baseSequence, transactional: this.transactional };
    // The first attempt writes synchronously inside appendBatch, so sequences reach the partition in order.
    const first = this.log.appendBatch(topic, partition, batch, meta);
    const result = first.catch(async (err: unknown) => {
      if (!isRetriable(err)) {
        // Nothing was written; forget the local counter so the next send takes it from the log.
        this.nextSeq.delete(key);
        throw err;
      }
      return retry(() => this.log.appendBatch(topic, partition, batch, meta), { attempts: Math.max(1, (this.options.retries ?? 3) - 1) });
    });
    if (this.transactional) this.log.trackTxn(this.producerId, { topic, partition }, result);
    return result;
  }

  /** Starts a transaction; sends until `commitTransaction`/`abortTransaction` belong to it. */
  beginTransaction(): void {
    if (!this.transactional) throw new UserError(`producer ${this.producerId} is not transactional`, { origin: 'log', hint: 'create it with log.producer({ transactional: true })' });
    // A transaction the log aborted on timeout no longer counts as open.
    if (this.inTxn && this.log.hasTxn(this.producerId)) throw new UserError(`producer ${this.producerId} already has an open transaction`, { origin: 'log', hint: 'commit or abort it first' });
    this.log.beginTxn(this);
    this.inTxn = true;
  }

  /** Waits for the transaction's sends, then makes them visible to read-committed readers atomically. */
  async commitTransaction(): Promise<void> {
    this.checkInTxn();
    this.inTxn = false;
    await this.log.endTxn(this.producerId, true);
  }

  /**
   * Two-phase commit, phase one: waits for the transaction's sends, makes them durable and leaves the
   * transaction prepared: invisible to read-committed readers, and kept open across a crash and a
   * reopen of the log (unlike an open transaction) until `log.commitPrepared` or `log.abortPrepared`
   * decides it, from this process or a later one. `owner` names who prepared it (see
   * `log.preparedTransactions(owner)`); `txnId` must be unique among the producer's transactions.
   * The producer can begin its next transaction only after this one is decided.
   *
   * @example
   * const prepared = await producer.prepareTransaction({ owner: 'job-a/sink-0', txnId: 'cp-17' });
   * // ...persist `prepared` somewhere; later, maybe after a restart:
   * await log.commitPrepared(prepared);
   */
  async prepareTransaction(options: { owner: string; txnId: string }): Promise<PreparedTransaction> {
    this.checkInTxn();
    if (typeof options?.owner !== 'string' || typeof options.txnId !== 'string' || options.txnId === '') {
      throw new UserError('prepareTransaction needs { owner: string, txnId: non-empty string }', { origin: 'log' });
    }
    this.inTxn = false;
    return this.log.prepareTxn(this.producerId, options.owner, options.txnId);
  }

  /** Discards the transaction's records for read-committed readers. */
  async abortTransaction(): Promise<void> {
    this.checkInTxn();
    this.inTxn = false;
    await this.log.endTxn(this.producerId, false);
  }

  private checkInTxn(): void {
    if (!this.inTxn) throw new UserError(`producer ${this.producerId} has no open transaction`, { origin: 'log', hint: 'call beginTransaction() first' });
  }
}
