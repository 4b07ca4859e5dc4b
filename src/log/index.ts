/** The embedded, durable, partitioned event log. */
export { Log } from './log.js';
export type { LogOptions, TopicConfig, TopicDescription, PartitionInfo } from './log.js';
export type { AppendResult, ReadOptions } from './host.js';
export { Producer } from './producer.js';
export type { ProducerOptions } from './producer.js';
export { Consumer } from './consumer.js';
export type { ConsumerOptions, PollOptions } from './consumer.js';
export { OffsetOutOfRangeError } from './partition.js';
export type { FsyncPolicy, Isolation, ReadResult, AppendMeta } from './partition.js';
export type { RecordInput, LogRecord } from './format.js';
export type { TopicPartition, PreparedTransaction } from './txn-log.js';
export type { CommittedOffset } from './group-store.js';
export { crc32 } from './crc32.js';
