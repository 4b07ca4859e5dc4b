import type { LogRecord, RecordInput } from './format.js';
import type { CommittedOffset } from './group-store.js';
import type { AppendMeta, Isolation, ReadResult } from './partition.js';
import type { PreparedTransaction, TopicPartition } from './txn-log.js';

/** Where an append landed. */
export interface AppendResult {
  topic: string;
  partition: number;
  baseOffset: number;
  lastOffset: number;
  /** True when a retried producer sequence was answered from the log instead of written again. */
  duplicate: boolean;
}

export interface ReadOptions {
  isolation?: Isolation;
}

/** What a Producer needs from the log; `Log` implements it (kept apart so the files do not import each other). */
export interface ProducerHost {
  appendBatch(topic: string, partition: number, records: readonly RecordInput[], meta?: AppendMeta): Promise<AppendResult>;
  partitionFor(topic: string, key: string | null | undefined): number;
  lastSequence(topic: string, partition: number, producerId: number): number;
  beginTxn(producer: { producerId: number }): void;
  trackTxn(producerId: number, tp: TopicPartition, pending: Promise<unknown>): void;
  checkTxn(producerId: number): void;
  hasTxn(producerId: number): boolean;
  endTxn(producerId: number, commit: boolean): Promise<void>;
  prepareTxn(producerId: number, owner: string, txnId: string): Promise<PreparedTransaction>;
}

/** What a Consumer needs from the log; `Log` implements it. */
export interface ConsumerHost {
  partitionCount(topic: string): number;
  read(topic: string, partition: number, offset: number, maxRecords: number, options?: ReadOptions): Promise<ReadResult>;
  offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number>;
  logStartOffset(topic: string, partition: number): number;
  logEndOffset(topic: string, partition: number): number;
  highWatermark(topic: string, partition: number): number;
  lastStableOffset(topic: string, partition: number): number;
  waitForData(partitions: readonly TopicPartition[], timeoutMs: number): Promise<void>;
  committedOffsets(group: string): Map<string, number>;
  commitOffsets(group: string, offsets: readonly CommittedOffset[]): Promise<void>;
}

export type { LogRecord };
