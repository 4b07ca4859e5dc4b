import { UserError } from '../core/errors.js';
import type { LogRecord } from './format.js';
import type { ConsumerHost } from './host.js';
import { Isolation, OffsetOutOfRangeError } from './partition.js';
import type { TopicPartition } from './txn-log.js';

export interface ConsumerOptions {
  /** Consumer group whose committed offsets are the starting positions and the target of `commit()`. */
  group?: string;
  /** Read every partition of these topics. */
  topics?: string[];
  /** Read exactly these partitions (added to those of `topics`). */
  partitions?: TopicPartition[];
  /** Default `read_uncommitted`. */
  isolation?: Isolation;
  /** Where to start without a committed offset, or when the position was deleted by retention. Default `earliest`. */
  autoOffsetReset?: 'earliest' | 'latest';
}

export interface PollOptions {
  /** At most this many records in all. Default 500. */
  maxRecords?: number;
  /** Wait up to this long for records when none are there. Default 0. */
  timeoutMs?: number;
}

/**
 * Reads a fixed set of partitions from the group's committed offsets (or `autoOffsetReset`), round
 * robin, and commits its positions on `commit()`. Positions are "next offset to read", as in Kafka.
 *
 * @example
 * const c = log.consumer({ group: 'billing', topics: ['orders'], isolation: 'read_committed' });
 * for (const r of await c.poll({ maxRecords: 100, timeoutMs: 1000 })) handle(r);
 * await c.commit();
 */
export class Consumer {
  readonly group: string | undefined;
  readonly isolation: Isolation;
  private readonly assigned: TopicPartition[];
  private readonly positions = new Map<string, number>();
  private readonly reset: 'earliest' | 'latest';
  private next = 0;

  /** @internal Use `Log.consumer()`. */
  constructor(private readonly log: ConsumerHost, options: ConsumerOptions) {
    this.group = options.group;
    this.isolation = options.isolation ?? 'read_uncommitted';
    if (this.isolation !== 'read_committed' && this.isolation !== 'read_uncommitted') {
      throw new UserError(`isolation must be 'read_committed' or 'read_uncommitted', got ${JSON.stringify(this.isolation)}`, { origin: 'log' });
    }
    this.reset = options.autoOffsetReset ?? 'earliest';
    const seen = new Set<string>();
    this.assigned = [];
    const add = (tp: TopicPartition) => {
      const k = `${tp.topic}/${tp.partition}`;
      if (seen.has(k)) return;
      seen.add(k);
      this.assigned.push({ topic: tp.topic, partition: tp.partition });
    };
    for (const topic of options.topics ?? []) {
      for (let p = 0; p < log.partitionCount(topic); p++) add({ topic, partition: p });
    }
    for (const tp of options.partitions ?? []) {
      log.logEndOffset(tp.topic, tp.partition); // throws a clear error for an unknown partition
      add(tp);
    }
    if (this.assigned.length === 0) throw new UserError('a consumer needs at least one topic or partition', { origin: 'log', hint: 'pass topics: [...] or partitions: [...]' });
    const committed = this.group === undefined ? new Map<string, number>() : log.committedOffsets(this.group);
    for (const tp of this.assigned) {
      const k = `${tp.topic}/${tp.partition}`;
      const c = committed.get(k);
      this.positions.set(k, c !== undefined ? c : this.resetOffset(tp));
    }
  }

  assignment(): TopicPartition[] {
    return this.assigned.map((tp) => ({ ...tp }));
  }

  /** The offset of the next record this consumer reads from the partition. */
  position(topic: string, partition: number): number {
    const p = this.positions.get(`${topic}/${partition}`);
    if (p === undefined) throw new UserError(`${topic}/${partition} is not assigned to this consumer`, { origin: 'log' });
    return p;
  }

  seek(topic: string, partition: number, offset: number): void {
    this.position(topic, partition);
    this.positions.set(`${topic}/${partition}`, offset);
  }

  seekToBeginning(): void {
    for (const tp of this.assigned) this.positions.set(`${tp.topic}/${tp.partition}`, this.log.logStartOffset(tp.topic, tp.partition));
  }

  seekToEnd(): void {
    for (const tp of this.assigned) this.positions.set(`${tp.topic}/${tp.partition}`, this.endOffset(tp));
  }

  /** Moves every partition to its first record with timestamp >= `timestamp`. */
  async seekToTimestamp(timestamp: number): Promise<void> {
    for (const tp of this.assigned) {
      this.positions.set(`${tp.topic}/${tp.partition}`, await this.log.offsetForTimestamp(tp.topic, tp.partition, timestamp));
    }
  }

  /** Records behind the readable end, summed over the assignment. */
  lag(): number {
    let n = 0;
    for (const tp of this.assigned) n += Math.max(0, this.endOffset(tp) - this.position(tp.topic, tp.partition));
    return n;
  }

  /** Reads the next records, round robin over the partitions; waits up to `timeoutMs` if there are none. */
  async poll(options: PollOptions = {}): Promise<LogRecord[]> {
    const max = options.maxRecords ?? 500;
    let out = await this.pollOnce(max);
    if (out.length === 0 && (options.timeoutMs ?? 0) > 0) {
      await this.log.waitForData(this.assigned, options.timeoutMs!);
      out = await this.pollOnce(max);
    }
    return out;
  }

  private async pollOnce(max: number): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    const n = this.assigned.length;
    for (let i = 0; i < n && out.length < max; i++) {
      const tp = this.assigned[(this.next + i) % n]!;
      const k = `${tp.topic}/${tp.partition}`;
      let pos = this.positions.get(k)!;
      let res;
      try {
        res = await this.log.read(tp.topic, tp.partition, pos, max - out.length, { isolation: this.isolation });
      } catch (err) {
        if (!(err instanceof OffsetOutOfRangeError)) throw err;
        pos = this.resetOffset(tp);
        res = await this.log.read(tp.topic, tp.partition, pos, max - out.length, { isolation: this.isolation });
      }
      this.positions.set(k, res.nextOffset);
      for (const r of res.records) out.push(r);
    }
    this.next = (this.next + 1) % n;
    return out;
  }

  /** Durably commits the current positions (or `offsets`) for the group. */
  async commit(offsets?: ReadonlyArray<TopicPartition & { offset: number }>): Promise<void> {
    if (this.group === undefined) throw new UserError('commit() needs a consumer group', { origin: 'log', hint: 'create the consumer with { group: "name" }' });
    const list = offsets ?? this.assigned.map((tp) => ({ ...tp, offset: this.position(tp.topic, tp.partition) }));
    await this.log.commitOffsets(this.group, list);
  }

  /** The group's committed offsets for the assigned partitions. */
  committed(): Map<string, number> {
    if (this.group === undefined) return new Map();
    const all = this.log.committedOffsets(this.group);
    return new Map([...all].filter(([k]) => this.positions.has(k)));
  }

  private endOffset(tp: TopicPartition): number {
    return this.isolation === 'read_committed' ? this.log.lastStableOffset(tp.topic, tp.partition) : this.log.highWatermark(tp.topic, tp.partition);
  }

  private resetOffset(tp: TopicPartition): number {
    return this.reset === 'earliest' ? this.log.logStartOffset(tp.topic, tp.partition) : this.endOffset(tp);
  }
}
