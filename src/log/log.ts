import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExternalError, UserError, errorMessage } from '../core/errors.js';
import { crc32 } from './crc32.js';
import { CONTROL_ABORT, CONTROL_COMMIT, RecordInput } from './format.js';
import { CommittedOffset, GroupStore, checkName } from './group-store.js';
import { AppendMeta, FsyncPolicy, Partition, PartitionSettings, ReadResult } from './partition.js';
import { writeFileDurably } from './segment.js';
import { PreparedTransaction, TopicPartition, TransactionLog } from './txn-log.js';
import { Consumer, ConsumerOptions } from './consumer.js';
import { Producer, ProducerOptions } from './producer.js';
import type { AppendResult, ConsumerHost, ProducerHost, ReadOptions } from './host.js';

/** Options of `Log.open`. Topic-level settings here are defaults for topics created without them. */
export interface LogOptions {
  /** When an append is acknowledged: after its fsync (`always`, default), the next periodic fsync, or at once. */
  fsync?: FsyncPolicy;
  /** Period of the fsync under `interval`, in ms. Default 50. */
  fsyncIntervalMs?: number;
  /** Size at which a segment rolls. Default 64 MiB. */
  segmentBytes?: number;
  /** Log bytes between sparse index entries. Default 4096. */
  indexIntervalBytes?: number;
  /** Delete segments whose newest record is older than this. Default: keep forever. */
  retentionMs?: number;
  /** Delete oldest segments while the partition is larger than this. Default: no limit. */
  retentionBytes?: number;
  /** How often retention runs on its own, in ms; 0 turns it off (call `applyRetention`). Default 60000. */
  retentionCheckIntervalMs?: number;
  /** An open transaction older than this is aborted by the log. Default 60000. */
  transactionTimeoutMs?: number;
  /**
   * A prepared transaction (see `Producer.prepareTransaction`) left undecided longer than this is
   * aborted by the log, so a job that never comes back does not hold read-committed readers forever.
   * It must exceed the longest time a job may be down and still restore. Default 3600000 (one hour).
   */
  preparedTransactionTimeoutMs?: number;
  /** Receives recovery warnings (torn tails, aborted transactions). Default `console.warn`. */
  logger?: (message: string) => void;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Settings of one topic, stored in its `topic.json`. */
export interface TopicConfig {
  partitions: number;
  segmentBytes?: number;
  indexIntervalBytes?: number;
  retentionMs?: number;
  retentionBytes?: number;
}

/** Offsets and size of one partition, as `describeTopic` reports them. */
export interface PartitionInfo {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  lastStableOffset: number;
  segments: number;
  sizeBytes: number;
}

export interface TopicDescription {
  name: string;
  config: TopicConfig;
  partitions: PartitionInfo[];
}


interface Topic {
  name: string;
  config: TopicConfig;
  partitions: Partition[];
  roundRobin: number;
}

interface OpenTxn {
  partitions: Map<string, TopicPartition>;
  startedAt: number;
  pending: Array<Promise<unknown>>;
  /** The first send of the transaction that failed; a commit then aborts instead. */
  failed: unknown;
}

const openDirs = new Set<string>();
/** Index entries hold 32-bit byte positions. */
const MAX_SEGMENT_BYTES = 2 ** 31;

/**
 * An embedded, durable, partitioned event log in one directory:
 * `topics/<topic>/<partition>/<base offset>.log|.index|.timeindex`, `groups/<group>.json` for
 * committed offsets and `transactions.log` for transaction decisions. One process owns a directory
 * at a time (`.lock`).
 *
 * @example
 * const log = await Log.open('./.weir/log', { fsync: 'always' });
 * await log.createTopic('orders', { partitions: 3 });
 * await log.append('orders', { key: 'o-1', value: JSON.stringify({ total: 12 }) });
 * const { records } = await log.read('orders', 0, 0, 100);
 * await log.close();
 */
export class Log implements ProducerHost, ConsumerHost {
  private readonly topics = new Map<string, Topic>();
  private readonly groups: GroupStore;
  private txnLog!: TransactionLog;
  private readonly txns = new Map<number, OpenTxn>();
  /** Prepared transactions by producer id: durable, undecided, kept across reopens. */
  private readonly prepared = new Map<number, PreparedTransaction>();
  /** Decisions in progress by txnId, so a second commit of the same transaction waits for the first. */
  private readonly deciding = new Map<string, Promise<void>>();
  /** Recent outcomes of prepared transactions by txnId. */
  private outcomes = new Map<string, 'committed' | 'aborted'>();
  private nextProducerId = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly opts: Required<Omit<LogOptions, 'retentionMs' | 'retentionBytes'>> & Pick<LogOptions, 'retentionMs' | 'retentionBytes'>;

  private constructor(readonly dir: string, options: LogOptions) {
    this.opts = {
      fsync: options.fsync ?? 'always',
      fsyncIntervalMs: options.fsyncIntervalMs ?? 50,
      segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024,
      indexIntervalBytes: options.indexIntervalBytes ?? 4096,
      retentionMs: options.retentionMs,
      retentionBytes: options.retentionBytes,
      retentionCheckIntervalMs: options.retentionCheckIntervalMs ?? 60_000,
      transactionTimeoutMs: options.transactionTimeoutMs ?? 60_000,
      preparedTransactionTimeoutMs: options.preparedTransactionTimeoutMs ?? 3_600_000,
      logger: options.logger ?? ((m: string) => console.warn(m)),
      now: options.now ?? Date.now,
    };
    checkOptions(this.opts);
    this.groups = new GroupStore(dir, this.opts.fsync !== 'never');
  }

  /** Opens or creates the log in `dir`, recovering every partition and finishing or aborting open transactions. */
  static async open(dir: string, options: LogOptions = {}): Promise<Log> {
    const abs = path.resolve(dir);
    fs.mkdirSync(path.join(abs, 'topics'), { recursive: true });
    lockDir(abs);
    try {
      const log = new Log(abs, options);
      await log.load();
      return log;
    } catch (err) {
      unlockDir(abs);
      throw err;
    }
  }

  private async load(): Promise<void> {
    for (const name of fs.readdirSync(path.join(this.dir, 'topics')).sort()) {
      const file = path.join(this.dir, 'topics', name, 'topic.json');
      if (!fs.existsSync(file)) continue;
      let config: TopicConfig;
      try {
        config = JSON.parse(fs.readFileSync(file, 'utf8')) as TopicConfig;
        if (!Number.isInteger(config.partitions) || config.partitions < 1) throw new Error(`bad partition count ${config.partitions}`);
      } catch (err) {
        throw new ExternalError(`cannot read the config of topic "${name}" from ${file}: ${(err as Error).message}`, {
          origin: 'log', retriable: false, cause: err, hint: 'restore the file, e.g. {"partitions":N}',
        });
      }
      this.openTopic(name, config);
    }
    let maxPid = -1;
    try {
      maxPid = (JSON.parse(fs.readFileSync(path.join(this.dir, 'producers.json'), 'utf8')) as { nextProducerId: number }).nextProducerId - 1;
    } catch {
      // No producer id handed out yet.
    }
    const { log, decided, held, outcomes } = TransactionLog.open(this.dir, this.opts.fsync !== 'never');
    this.txnLog = log;
    this.outcomes = outcomes;
    const durable: Array<Promise<void>> = [];
    for (const t of this.topics.values()) {
      for (const p of t.partitions) {
        for (const [pid, first] of p.openTransactions()) {
          if (pid > maxPid) maxPid = pid;
          const here = (tp: TopicPartition) => tp.topic === t.name && tp.partition === p.id;
          const decision = decided.get(pid);
          const hold = held.get(pid);
          if (!decision && hold?.partitions.some(here)) {
            // Prepared and undecided: it survives the reopen until its owner commits or aborts it.
            this.opts.logger(`weir log: kept the prepared transaction ${hold.txnId} of producer ${pid} (${hold.owner}) open on ${t.name}/${p.id} since offset ${first}`);
            continue;
          }
          const commit = (decision?.commit ?? false) && decision!.partitions.some(here);
          this.opts.logger(`weir log: ${commit ? 'committed' : 'aborted'} the transaction of producer ${pid} left open on ${t.name}/${p.id} since offset ${first}`);
          const marker = p.appendControl(pid, commit ? CONTROL_COMMIT : CONTROL_ABORT);
          if (marker) durable.push(marker.durable);
        }
      }
    }
    await Promise.all(durable);
    for (const [pid, d] of decided) {
      const outcome = d.commit ? 'committed' : 'aborted';
      this.txnLog.complete(pid, d.txnId, d.txnId ? outcome : undefined);
      if (d.txnId) this.noteOutcome(d.txnId, outcome);
    }
    for (const [pid, h] of held) {
      if (pid > maxPid) maxPid = pid;
      this.prepared.set(pid, h);
    }
    this.nextProducerId = maxPid + 1;
    if (this.opts.retentionCheckIntervalMs > 0) {
      this.timers.push(setInterval(() => this.applyRetention(), this.opts.retentionCheckIntervalMs).unref());
    }
    const txnCheck = Math.max(10, Math.min(1000, Math.floor(this.opts.transactionTimeoutMs / 2)));
    this.timers.push(setInterval(() => void this.abortExpiredTransactions(), txnCheck).unref());
  }

  private settingsFor(config: TopicConfig): PartitionSettings {
    return {
      segmentBytes: config.segmentBytes ?? this.opts.segmentBytes,
      indexIntervalBytes: config.indexIntervalBytes ?? this.opts.indexIntervalBytes,
      retentionMs: config.retentionMs ?? this.opts.retentionMs,
      retentionBytes: config.retentionBytes ?? this.opts.retentionBytes,
      fsync: this.opts.fsync,
      fsyncIntervalMs: this.opts.fsyncIntervalMs,
      logger: this.opts.logger,
      now: this.opts.now,
    };
  }

  private openTopic(name: string, config: TopicConfig): Topic {
    const settings = this.settingsFor(config);
    const partitions: Partition[] = [];
    for (let i = 0; i < config.partitions; i++) {
      partitions.push(Partition.open(name, i, path.join(this.dir, 'topics', name, String(i)), settings));
    }
    const topic: Topic = { name, config, partitions, roundRobin: 0 };
    this.topics.set(name, topic);
    return topic;
  }

  // ---------------------------------------------------------------- topics

  /** Creates a topic. With `ifNotExists`, an existing topic with the same partition count is fine. */
  async createTopic(name: string, config: TopicConfig, options: { ifNotExists?: boolean } = {}): Promise<TopicDescription> {
    this.checkOpen();
    checkName('topic', name);
    if (!Number.isInteger(config.partitions) || config.partitions < 1 || config.partitions > 10_000) {
      throw new UserError(`topic "${name}": partitions must be an integer from 1 to 10000, got ${config.partitions}`, { origin: 'log' });
    }
    const existing = this.topics.get(name);
    if (existing) {
      if (options.ifNotExists && existing.config.partitions === config.partitions) return this.describeTopic(name);
      throw new UserError(`topic "${name}" already exists with ${existing.config.partitions} partitions`, { origin: 'log', hint: 'pick another name' });
    }
    const clean: TopicConfig = { partitions: config.partitions };
    for (const k of ['segmentBytes', 'indexIntervalBytes', 'retentionMs', 'retentionBytes'] as const) {
      const v = config[k];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !(v > 0)) throw new UserError(`topic "${name}": ${k} must be a positive number, got ${v}`, { origin: 'log' });
      if (k === 'segmentBytes' && v > MAX_SEGMENT_BYTES) throw new UserError(`topic "${name}": segmentBytes must be at most ${MAX_SEGMENT_BYTES}, got ${v}`, { origin: 'log' });
      clean[k] = v;
    }
    const dir = path.join(this.dir, 'topics', name);
    fs.mkdirSync(dir, { recursive: true });
    writeFileDurably(path.join(dir, 'topic.json'), JSON.stringify(clean), this.opts.fsync !== 'never');
    this.openTopic(name, clean);
    return this.describeTopic(name);
  }

  listTopics(): string[] {
    return [...this.topics.keys()].sort();
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  describeTopic(name: string): TopicDescription {
    const t = this.topic(name);
    return {
      name,
      config: { ...t.config },
      partitions: t.partitions.map((p) => ({
        partition: p.id,
        logStartOffset: p.logStartOffset,
        logEndOffset: p.logEndOffset,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        segments: p.segmentCount,
        sizeBytes: p.sizeBytes,
      })),
    };
  }

  partitionCount(topic: string): number {
    return this.topic(topic).partitions.length;
  }

  /** The partition a record goes to: CRC-32 of the key modulo the partition count, round robin for null keys. */
  partitionFor(topic: string, key: string | null | undefined): number {
    const t = this.topic(topic);
    const n = t.partitions.length;
    if (key == null) return t.roundRobin++ % n;
    return crc32(Buffer.from(key, 'utf8')) % n;
  }

  // ---------------------------------------------------------------- appends and reads

  /** Appends one record, to `options.partition` or the key's partition. Resolves once durable. */
  async append(topic: string, record: RecordInput, options: { partition?: number } = {}): Promise<AppendResult> {
    const partition = options.partition ?? this.partitionFor(topic, record.key);
    return this.appendBatch(topic, partition, [record]);
  }

  /**
   * Appends records to one partition as one frame (one write). With `producerId` and `baseSequence`
   * the append is idempotent: a batch whose sequences were already written is answered with its
   * original offsets and `duplicate: true`. Resolves once durable under the fsync policy.
   */
  async appendBatch(topic: string, partition: number, records: readonly RecordInput[], meta: AppendMeta = {}): Promise<AppendResult> {
    const p = this.partition(topic, partition);
    checkRecords(topic, records);
    if (meta.transactional && !(meta.producerId !== undefined && this.txns.has(meta.producerId))) {
      throw new UserError(`transactional append to ${topic}/${partition} without an open transaction of producer ${meta.producerId}`, {
        origin: `log:${topic}`, hint: 'use a transactional producer and call beginTransaction() first',
      });
    }
    if (meta.producerId !== undefined && meta.producerId >= this.nextProducerId) this.reserveProducerId(meta.producerId);
    const out = p.append(records, meta);
    await out.durable;
    return { topic, partition, baseOffset: out.baseOffset, lastOffset: out.lastOffset, duplicate: out.duplicate };
  }

  /** Reads up to `maxRecords` records from `offset` (see `ReadResult.nextOffset` for where to go on). */
  async read(topic: string, partition: number, offset: number, maxRecords: number, options: ReadOptions = {}): Promise<ReadResult> {
    return this.partition(topic, partition).read(offset, maxRecords, options.isolation ?? 'read_uncommitted');
  }

  /** First offset whose record has timestamp >= `timestamp` (ms), or the log end offset. */
  async offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number> {
    return this.partition(topic, partition).offsetForTimestamp(timestamp);
  }

  highWatermark(topic: string, partition: number): number {
    return this.partition(topic, partition).highWatermark;
  }

  logEndOffset(topic: string, partition: number): number {
    return this.partition(topic, partition).logEndOffset;
  }

  logStartOffset(topic: string, partition: number): number {
    return this.partition(topic, partition).logStartOffset;
  }

  lastStableOffset(topic: string, partition: number): number {
    return this.partition(topic, partition).lastStableOffset;
  }

  /** Resolves when any of `partitions` may have new readable records, or after `timeoutMs`. */
  waitForData(partitions: readonly TopicPartition[], timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const offs: Array<() => void> = [];
      const done = () => {
        clearTimeout(timer);
        for (const off of offs) off();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      for (const tp of partitions) offs.push(this.partition(tp.topic, tp.partition).onData(done));
    });
  }

  /** Runs retention on every partition now; returns how many segments were deleted. */
  applyRetention(now: number = this.opts.now()): number {
    if (this.closed) return 0;
    let n = 0;
    for (const t of this.topics.values()) for (const p of t.partitions) n += p.applyRetention(now);
    return n;
  }

  /** Makes every append so far durable, whatever the policy. */
  async flush(): Promise<void> {
    const all: Array<Promise<void>> = [];
    for (const t of this.topics.values()) for (const p of t.partitions) all.push(p.flush());
    await Promise.all(all);
  }

  // ---------------------------------------------------------------- producers, consumers, groups

  /**
   * A producer with its own producer id (allocated, or `options.producerId` to resume one after a
   * restart) and per-partition sequence numbers, so its retries are never written twice.
   */
  producer(options: ProducerOptions = {}): Producer {
    this.checkOpen();
    let id = options.producerId;
    if (id === undefined) id = this.reserveProducerId(this.nextProducerId);
    else {
      if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) throw new UserError(`producerId must be an integer from 0 to 2^31-1, got ${id}`, { origin: 'log' });
      if (id >= this.nextProducerId) this.reserveProducerId(id);
      if (this.txns.has(id)) throw new UserError(`producer ${id} is already in use with an open transaction`, { origin: 'log' });
      if (this.prepared.has(id)) {
        throw new UserError(`producer ${id} has the prepared transaction ${this.prepared.get(id)!.txnId}`, {
          origin: 'log', hint: 'commit or abort it first (log.commitPrepared / log.abortPrepared), or use another producer id',
        });
      }
    }
    return new Producer(this, id, options);
  }

  /** A consumer of a set of partitions, starting at the group's committed offsets. */
  consumer(options: ConsumerOptions): Consumer {
    this.checkOpen();
    return new Consumer(this, options);
  }

  /** Committed offsets of `group`, keyed `topic/partition`. */
  committedOffsets(group: string): Map<string, number> {
    return new Map(this.groups.committed(group));
  }

  /** Durably commits `offsets` (next offsets to read) for `group`. */
  commitOffsets(group: string, offsets: readonly CommittedOffset[]): Promise<void> {
    this.checkOpen();
    for (const o of offsets) this.partition(o.topic, o.partition);
    return this.groups.commit(group, offsets);
  }

  listGroups(): string[] {
    return this.groups.groups();
  }

  private reserveProducerId(id: number): number {
    this.nextProducerId = Math.max(this.nextProducerId, id + 1);
    writeFileDurably(path.join(this.dir, 'producers.json'), JSON.stringify({ nextProducerId: this.nextProducerId }), this.opts.fsync !== 'never');
    return id;
  }

  /** @internal Used by Producer. */
  lastSequence(topic: string, partition: number, producerId: number): number {
    return this.partition(topic, partition).lastSequence(producerId);
  }

  /** @internal Used by Producer. */
  beginTxn(producer: { producerId: number }): void {
    this.checkOpen();
    if (this.txns.has(producer.producerId)) {
      throw new UserError(`producer ${producer.producerId} already has an open transaction`, { origin: 'log', hint: 'commit or abort it first' });
    }
    if (this.prepared.has(producer.producerId)) {
      throw new UserError(`producer ${producer.producerId} has a prepared transaction waiting for its commit`, {
        origin: 'log', hint: 'commit or abort it (log.commitPrepared / log.abortPrepared) before beginning another',
      });
    }
    this.txns.set(producer.producerId, { partitions: new Map(), startedAt: this.opts.now(), pending: [], failed: undefined });
  }

  /** @internal Used by Producer: notes a partition and a pending append of the open transaction. */
  trackTxn(producerId: number, tp: TopicPartition, pending: Promise<unknown>): void {
    const txn = this.txns.get(producerId);
    if (!txn) return;
    txn.partitions.set(`${tp.topic}/${tp.partition}`, tp);
    txn.pending.push(pending.catch((err: unknown) => {
      txn.failed ??= err;
    }));
  }

  /** @internal Used by Producer. */
  hasTxn(producerId: number): boolean {
    return this.txns.has(producerId);
  }

  /** @internal Used by Producer. Throws if the transaction was aborted by the timeout. */
  checkTxn(producerId: number): void {
    const txn = this.txns.get(producerId);
    if (!txn) {
      throw new UserError(`producer ${producerId} has no open transaction`, {
        origin: 'log', hint: 'call beginTransaction() first; a transaction that ran past transactionTimeoutMs was aborted',
      });
    }
  }

  /** @internal Used by Producer: writes the markers of the open transaction and closes it. */
  async endTxn(producerId: number, commit: boolean): Promise<void> {
    const txn = this.txns.get(producerId);
    if (!txn) this.checkTxn(producerId);
    await Promise.all(txn!.pending);
    if (this.txns.get(producerId) !== txn) this.checkTxn(producerId);
    const tps = [...txn!.partitions.values()];
    const failed = txn!.failed;
    if (commit && failed !== undefined) commit = false;
    if (commit && tps.length > 0) this.txnLog.prepareCommit(producerId, tps);
    this.txns.delete(producerId);
    const durable: Array<Promise<void>> = [];
    for (const tp of tps) {
      const m = this.partition(tp.topic, tp.partition).appendControl(producerId, commit ? CONTROL_COMMIT : CONTROL_ABORT);
      if (m) durable.push(m.durable);
    }
    await Promise.all(durable);
    if (commit && tps.length > 0) this.txnLog.complete(producerId);
    if (failed !== undefined) {
      throw new UserError(`the transaction of producer ${producerId} was aborted because one of its sends failed: ${errorMessage(failed)}`, {
        origin: 'log', cause: failed, hint: 'begin a new transaction and send again',
      });
    }
  }

  /**
   * @internal Used by Producer: waits for the open transaction's sends, makes them durable and turns the
   * transaction into a prepared one that no timeout of open transactions, close or reopen aborts.
   */
  async prepareTxn(producerId: number, owner: string, txnId: string): Promise<PreparedTransaction> {
    const txn = this.txns.get(producerId);
    if (!txn) this.checkTxn(producerId);
    await Promise.all(txn!.pending);
    if (this.txns.get(producerId) !== txn) this.checkTxn(producerId);
    // A failed send cannot be prepared: endTxn aborts the transaction and throws the failure.
    if (txn!.failed !== undefined) await this.endTxn(producerId, false);
    const tps = [...txn!.partitions.values()];
    await Promise.all(tps.map((tp) => this.partition(tp.topic, tp.partition).flush()));
    if (this.txns.get(producerId) !== txn) this.checkTxn(producerId);
    const info: PreparedTransaction = { producerId, owner, txnId, partitions: tps, preparedAt: this.opts.now() };
    this.txnLog.prepared(info);
    this.txns.delete(producerId);
    this.prepared.set(producerId, info);
    return { ...info, partitions: tps.map((tp) => ({ ...tp })) };
  }

  /** Prepared, undecided transactions (of `owner`, if given), as they survive crashes and reopens. */
  preparedTransactions(owner?: string): PreparedTransaction[] {
    this.checkOpen();
    return [...this.prepared.values()]
      .filter((t) => owner === undefined || t.owner === owner)
      .map((t) => ({ ...t, partitions: t.partitions.map((tp) => ({ ...tp })) }));
  }

  /**
   * Commits a prepared transaction, also one prepared by an earlier process. Idempotent: returns false
   * without doing anything when the transaction was already committed. Throws if it was aborted
   * (by `abortPrepared` or after `preparedTransactionTimeoutMs`), since its records are then lost.
   */
  async commitPrepared(txn: { producerId: number; txnId: string }): Promise<boolean> {
    return this.decidePrepared(txn, true);
  }

  /** Aborts a prepared transaction; returns false when it is no longer prepared (already decided). */
  async abortPrepared(txn: { producerId: number; txnId: string }): Promise<boolean> {
    return this.decidePrepared(txn, false);
  }

  private async decidePrepared(txn: { producerId: number; txnId: string }, commit: boolean): Promise<boolean> {
    this.checkOpen();
    const running = this.deciding.get(txn.txnId);
    if (running) await running;
    const h = this.prepared.get(txn.producerId);
    if (!h || h.txnId !== txn.txnId) {
      const outcome = this.outcomes.get(txn.txnId);
      if (commit && outcome === 'aborted') {
        throw new ExternalError(`the prepared transaction ${txn.txnId} of producer ${txn.producerId} was aborted before it could be committed; its records are lost`, {
          origin: 'log', retriable: false,
          hint: 'it ran past preparedTransactionTimeoutMs, or its owner aborted it; raise the timeout above the longest downtime of the job',
        });
      }
      return false;
    }
    this.prepared.delete(h.producerId);
    const done = this.writeDecision(h, commit);
    this.deciding.set(h.txnId, done);
    try {
      await done;
    } finally {
      this.deciding.delete(h.txnId);
    }
    return true;
  }

  private async writeDecision(h: PreparedTransaction, commit: boolean): Promise<void> {
    if (commit) this.txnLog.prepareCommit(h.producerId, h.partitions, h.txnId);
    else this.txnLog.prepareAbort(h.producerId, h.partitions, h.txnId);
    const durable: Array<Promise<void>> = [];
    for (const tp of h.partitions) {
      const m = this.partition(tp.topic, tp.partition).appendControl(h.producerId, commit ? CONTROL_COMMIT : CONTROL_ABORT);
      if (m) durable.push(m.durable);
    }
    await Promise.all(durable);
    const outcome = commit ? 'committed' : 'aborted';
    this.txnLog.complete(h.producerId, h.txnId, outcome);
    this.noteOutcome(h.txnId, outcome);
  }

  private noteOutcome(txnId: string, outcome: 'committed' | 'aborted'): void {
    this.outcomes.delete(txnId);
    this.outcomes.set(txnId, outcome);
    if (this.outcomes.size > 1000) this.outcomes.delete(this.outcomes.keys().next().value!);
  }

  private async abortExpiredTransactions(): Promise<void> {
    if (this.closed) return;
    const now = this.opts.now();
    for (const h of [...this.prepared.values()]) {
      if (now - h.preparedAt <= this.opts.preparedTransactionTimeoutMs) continue;
      this.opts.logger(`weir log: aborted the prepared transaction ${h.txnId} of producer ${h.producerId} (${h.owner}): undecided for more than ${this.opts.preparedTransactionTimeoutMs} ms`);
      await this.abortPrepared(h).catch((err: unknown) => this.opts.logger(`weir log: aborting prepared transaction ${h.txnId} failed: ${String(err)}`));
    }
    for (const [pid, txn] of [...this.txns]) {
      if (now - txn.startedAt <= this.opts.transactionTimeoutMs) continue;
      this.opts.logger(`weir log: aborted the transaction of producer ${pid}: open for more than ${this.opts.transactionTimeoutMs} ms`);
      await this.endTxn(pid, false).catch((err: unknown) => this.opts.logger(`weir log: aborting producer ${pid} failed: ${String(err)}`));
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Aborts open transactions, makes everything durable and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const t of this.timers) clearInterval(t);
    for (const pid of [...this.txns.keys()]) await this.endTxn(pid, false).catch(() => undefined);
    this.closed = true;
    for (const t of this.topics.values()) for (const p of t.partitions) await p.close();
    this.txnLog.close();
    unlockDir(this.dir);
  }

  private topic(name: string): Topic {
    this.checkOpen();
    const t = this.topics.get(name);
    if (!t) throw new UserError(`topic "${name}" does not exist`, { origin: 'log', hint: `create it with \`weir topic create ${name} --partitions N\`` });
    return t;
  }

  private partition(topic: string, partition: number): Partition {
    const t = this.topic(topic);
    const p = t.partitions[partition];
    if (!Number.isInteger(partition) || !p) {
      throw new UserError(`topic "${topic}" has no partition ${partition} (it has ${t.partitions.length})`, { origin: `log:${topic}` });
    }
    return p;
  }

  private checkOpen(): void {
    if (this.closed) throw new UserError('the log is closed', { origin: 'log', hint: 'open it again with Log.open' });
  }
}

function checkOptions(o: { fsync: string; fsyncIntervalMs: number; segmentBytes: number; indexIntervalBytes: number; transactionTimeoutMs: number; preparedTransactionTimeoutMs: number }): void {
  if (!['always', 'interval', 'never'].includes(o.fsync)) {
    throw new UserError(`fsync must be 'always', 'interval' or 'never', got ${JSON.stringify(o.fsync)}`, { origin: 'log' });
  }
  for (const k of ['fsyncIntervalMs', 'segmentBytes', 'indexIntervalBytes', 'transactionTimeoutMs', 'preparedTransactionTimeoutMs'] as const) {
    if (typeof o[k] !== 'number' || !(o[k] > 0)) throw new UserError(`log option ${k} must be a positive number, got ${o[k]}`, { origin: 'log' });
  }
  if (o.segmentBytes > MAX_SEGMENT_BYTES) throw new UserError(`log option segmentBytes must be at most ${MAX_SEGMENT_BYTES}, got ${o.segmentBytes}`, { origin: 'log' });
}

function checkRecords(topic: string, records: readonly RecordInput[]): void {
  if (!Array.isArray(records) || records.length === 0) {
    throw new UserError(`append to "${topic}" needs a non-empty array of records`, { origin: `log:${topic}` });
  }
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const where = `record ${i} of the append to "${topic}"`;
    if (r === null || typeof r !== 'object') throw new UserError(`${where} is not an object`, { origin: `log:${topic}` });
    if (typeof r.value !== 'string' && !Buffer.isBuffer(r.value)) {
      throw new UserError(`${where}: value must be a string or a Buffer, got ${r.value === null ? 'null' : typeof r.value}`, { origin: `log:${topic}`, hint: 'serialise objects, e.g. with JSON.stringify' });
    }
    if (r.key != null && typeof r.key !== 'string') throw new UserError(`${where}: key must be a string or null, got ${typeof r.key}`, { origin: `log:${topic}` });
    if (r.timestamp !== undefined && (typeof r.timestamp !== 'number' || !Number.isFinite(r.timestamp))) {
      throw new UserError(`${where}: timestamp must be a finite number of ms, got ${String(r.timestamp)}`, { origin: `log:${topic}` });
    }
    if (r.headers !== undefined) {
      if (r.headers === null || typeof r.headers !== 'object') throw new UserError(`${where}: headers must be an object of strings`, { origin: `log:${topic}` });
      for (const [k, v] of Object.entries(r.headers)) {
        if (typeof v !== 'string') throw new UserError(`${where}: header "${k}" must be a string, got ${typeof v}`, { origin: `log:${topic}` });
      }
    }
  }
}

function lockDir(dir: string): void {
  if (openDirs.has(dir)) throw new UserError(`log directory ${dir} is already open in this process`, { origin: 'log', hint: 'share one Log instance' });
  const lock = path.join(dir, '.lock');
  try {
    const owner = Number(fs.readFileSync(lock, 'utf8'));
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new UserError(`log directory ${dir} is in use by process ${owner}`, { origin: 'log', hint: 'stop that process, or use another --dir' });
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
  }
  fs.writeFileSync(lock, String(process.pid));
  openDirs.add(dir);
}

function unlockDir(dir: string): void {
  openDirs.delete(dir);
  fs.rmSync(path.join(dir, '.lock'), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
