import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExternalError, UserError } from '../core/errors.js';
import {
  ATTR_CONTROL, ATTR_TRANSACTIONAL, CONTROL_ABORT, FrameHeader, LogRecord, RecordInput,
  controlType, decodeRecords, encodeControlFrame, encodeFrame, readFrameHeader,
} from './format.js';
import { Segment, segmentStem, syncDir, writeFileDurably } from './segment.js';

/** When an append counts as durable: after its own fsync, after the next periodic fsync, or at once. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

/** Which records a reader sees: everything written, or only non-transactional and committed ones. */
export type Isolation = 'read_committed' | 'read_uncommitted';

/** Settings a partition runs with; see `LogOptions` and `TopicConfig` for their meaning and defaults. */
export interface PartitionSettings {
  segmentBytes: number;
  indexIntervalBytes: number;
  retentionMs: number | undefined;
  retentionBytes: number | undefined;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  logger: (message: string) => void;
  now: () => number;
}

/** Outcome of an append to one partition. */
export interface AppendOutcome {
  baseOffset: number;
  lastOffset: number;
  /** True when the producer sequence was already written: nothing new was written. */
  duplicate: boolean;
  /** Resolves when the records are durable under the fsync policy. */
  durable: Promise<void>;
}

/** Producer fields of an append; all optional for a plain append. */
export interface AppendMeta {
  producerId?: number;
  baseSequence?: number;
  transactional?: boolean;
}

/** Result of a batch read. */
export interface ReadResult {
  records: LogRecord[];
  /** The offset to read from next: past the last returned record and past skipped control/aborted records. */
  nextOffset: number;
}

/** Raised when a read starts below the log start offset (deleted by retention) or past the log end. */
export class OffsetOutOfRangeError extends UserError {
  constructor(readonly topic: string, readonly partition: number, readonly offset: number, readonly logStartOffset: number, readonly logEndOffset: number) {
    super(`offset ${offset} is out of range for ${topic}/${partition} (valid: ${logStartOffset}..${logEndOffset})`, {
      origin: `log:${topic}`,
      hint: 'seek to the log start offset or to the end; records below the start were deleted by retention',
    });
    this.name = 'OffsetOutOfRangeError';
  }
}

interface ProducerEntry {
  lastSeq: number;
  /** The last few batches, so a retry of any of them can be answered with its original offsets. */
  recent: Array<{ firstSeq: number; lastSeq: number; baseOffset: number }>;
}

const RECENT_BATCHES = 5;
const READ_CHUNK = 256 * 1024;
/**
 * The one buffer reads go through. Reads are synchronous and decoding copies what it keeps, so one
 * buffer per thread serves every partition: a fresh 256 KiB buffer per read was external memory
 * that made V8 run a full GC about twice a second under a polling consumer.
 */
let readScratch = Buffer.allocUnsafe(READ_CHUNK);

interface Snapshot {
  version: 1;
  offset: number;
  producers: Array<[number, number, Array<[number, number, number]>]>;
  openTxns: Array<[number, number]>;
  aborted: Array<[number, number, number]>;
}

/**
 * One partition: a list of segments, the producer state that makes appends idempotent, and the
 * transaction state that gives the last stable offset. Offsets are assigned and frames written in
 * one synchronous step, so appends never interleave; only fsync runs off the event loop.
 */
export class Partition {
  private segments: Segment[] = [];
  private durableOffset = 0;
  private readonly producers = new Map<number, ProducerEntry>();
  private readonly openTxns = new Map<number, number>();
  private readonly aborted = new Map<number, Array<[number, number]>>();
  private waiters: Array<{ end: number; resolve: () => void; reject: (err: Error) => void }> = [];
  private syncing = false;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private flushTimer: NodeJS.Timeout | undefined;

  private constructor(readonly topic: string, readonly id: number, readonly dir: string, private settings: PartitionSettings) {}

  /** Opens (or creates) the partition in `dir`, recovering a torn tail and rebuilding producer state. */
  static open(topic: string, id: number, dir: string, settings: PartitionSettings): Partition {
    fs.mkdirSync(dir, { recursive: true });
    const p = new Partition(topic, id, dir, settings);
    p.load();
    return p;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Offset the next appended record gets. */
  get logEndOffset(): number {
    return this.active.endOffset;
  }

  /** Offset up to which records are durable under the fsync policy; plain readers stop here. */
  get highWatermark(): number {
    return this.durableOffset;
  }

  /** First offset still on disk. */
  get logStartOffset(): number {
    return this.segments[0]!.baseOffset;
  }

  /** First offset of the oldest open transaction, or the high watermark; read-committed readers stop here. */
  get lastStableOffset(): number {
    let lso = this.durableOffset;
    for (const first of this.openTxns.values()) if (first < lso) lso = first;
    return lso;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  /** Base offsets of the segments, oldest first. */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** Producers with an open transaction here, with the first offset of that transaction. */
  openTransactions(): Map<number, number> {
    return new Map(this.openTxns);
  }

  /** The last sequence written by `producerId`, or -1. */
  lastSequence(producerId: number): number {
    return this.producers.get(producerId)?.lastSeq ?? -1;
  }

  /** Calls `listener` whenever the high watermark or last stable offset may have moved. */
  onData(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  updateSettings(settings: PartitionSettings): void {
    this.settings = settings;
  }

  // ---------------------------------------------------------------- open and recovery

  private load(): void {
    const bases = fs.readdirSync(this.dir)
      .filter((f) => /^\d{20}\.log$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    if (bases.length === 0) {
      this.segments.push(Segment.create(this.dir, 0, this.settings.indexIntervalBytes));
      if (this.settings.fsync !== 'never') syncDir(this.dir);
      return;
    }
    for (const base of bases) this.segments.push(Segment.open(this.dir, base, this.settings.indexIntervalBytes));
    const snapshot = this.readSnapshot(this.active.baseOffset);
    if (!this.recover(snapshot)) {
      // A sealed segment was cut, so the snapshot describes offsets that are gone: rebuild from the log.
      this.producers.clear();
      this.openTxns.clear();
      this.aborted.clear();
      this.recover(undefined);
    }
    if (this.settings.fsync !== 'never') this.active.sync();
    this.durableOffset = this.active.endOffset;
  }

  /**
   * Loads or rebuilds each segment's index and the producer/transaction state (from `snapshot` plus
   * the active segment, or from every segment), and cuts the log at the first bad frame. Returns
   * false if that cut was in a sealed segment while a snapshot was used.
   */
  private recover(snapshot: Snapshot | undefined): boolean {
    if (snapshot) this.restoreSnapshot(snapshot);
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const isLast = i === this.segments.length - 1;
      const indexed = !isLast && seg.loadIndexFiles();
      if (indexed && snapshot) continue;
      const rebuildIndex = !indexed;
      const applyState = !snapshot || isLast;
      if (rebuildIndex) seg.resetState();
      const result = seg.scan(true, (h, buf, at, pos) => {
        if (rebuildIndex) seg.noteFrame(pos, h);
        if (applyState) this.applyFrame(h, buf, at);
      });
      if (result.problem === undefined) continue;
      this.settings.logger(
        `weir log: ${seg.logPath}: ${result.problem} at byte ${result.validBytes} (offset ${result.stopOffset}); ` +
        `truncated the log there, dropping ${result.fileBytes - result.validBytes} bytes`);
      seg.truncate(result.validBytes);
      for (const later of this.segments.splice(i + 1)) {
        this.settings.logger(`weir log: ${later.logPath}: dropped (${later.fileSize()} bytes), it follows the corrupt segment`);
        later.delete();
      }
      for (const ext of ['.index', '.timeindex']) fs.rmSync(path.join(this.dir, `${segmentStem(seg.baseOffset)}${ext}`), { force: true });
      if (this.settings.fsync !== 'never') seg.sync();
      if (!isLast && snapshot) return false;
      break;
    }
    return true;
  }

  private applyFrame(h: FrameHeader, buf: Buffer, at: number): void {
    const pid = h.producerId;
    if (pid < 0) return;
    if (h.attributes & ATTR_CONTROL) {
      const first = this.openTxns.get(pid);
      if (first === undefined) return;
      this.openTxns.delete(pid);
      if (controlType(buf, at) === CONTROL_ABORT) {
        let list = this.aborted.get(pid);
        if (!list) this.aborted.set(pid, (list = []));
        list.push([first, h.baseOffset]);
      }
      return;
    }
    if (h.baseSequence >= 0) {
      let e = this.producers.get(pid);
      if (!e) this.producers.set(pid, (e = { lastSeq: -1, recent: [] }));
      e.lastSeq = h.baseSequence + h.count - 1;
      e.recent.push({ firstSeq: h.baseSequence, lastSeq: e.lastSeq, baseOffset: h.baseOffset });
      if (e.recent.length > RECENT_BATCHES) e.recent.shift();
    }
    if (h.attributes & ATTR_TRANSACTIONAL && !this.openTxns.has(pid)) this.openTxns.set(pid, h.baseOffset);
  }

  private snapshotPath(offset: number): string {
    return path.join(this.dir, `${segmentStem(offset)}.snapshot`);
  }

  private readSnapshot(offset: number): Snapshot | undefined {
    try {
      const s = JSON.parse(fs.readFileSync(this.snapshotPath(offset), 'utf8')) as Snapshot;
      return s.version === 1 && s.offset === offset ? s : undefined;
    } catch {
      return undefined;
    }
  }

  private restoreSnapshot(s: Snapshot): void {
    for (const [pid, lastSeq, recent] of s.producers) {
      this.producers.set(pid, { lastSeq, recent: recent.map(([firstSeq, last, baseOffset]) => ({ firstSeq, lastSeq: last, baseOffset })) });
    }
    for (const [pid, first] of s.openTxns) this.openTxns.set(pid, first);
    for (const [pid, first, last] of s.aborted) {
      let list = this.aborted.get(pid);
      if (!list) this.aborted.set(pid, (list = []));
      list.push([first, last]);
    }
  }

  private writeSnapshot(offset: number): void {
    const s: Snapshot = {
      version: 1,
      offset,
      producers: [...this.producers].map(([pid, e]) => [pid, e.lastSeq, e.recent.map((b) => [b.firstSeq, b.lastSeq, b.baseOffset] as [number, number, number])]),
      openTxns: [...this.openTxns],
      aborted: [...this.aborted].flatMap(([pid, list]) => list.map(([a, b]) => [pid, a, b] as [number, number, number])),
    };
    writeFileDurably(this.snapshotPath(offset), JSON.stringify(s), this.settings.fsync !== 'never');
    for (const f of fs.readdirSync(this.dir)) {
      if (f.endsWith('.snapshot') && f !== `${segmentStem(offset)}.snapshot`) fs.rmSync(path.join(this.dir, f), { force: true });
    }
  }

  // ---------------------------------------------------------------- appends

  /**
   * Appends records as one frame. Throws a UserError for a producer sequence that is out of order;
   * answers a retried sequence with the offsets it was first written at.
   */
  append(records: readonly RecordInput[], meta: AppendMeta = {}): AppendOutcome {
    this.checkOpen();
    const pid = meta.producerId ?? -1;
    const baseSeq = meta.baseSequence ?? -1;
    const n = records.length;
    if (pid >= 0 && baseSeq >= 0) {
      const e = this.producers.get(pid);
      if (e && baseSeq <= e.lastSeq) {
        const last = baseSeq + n - 1;
        const hit = e.recent.find((b) => b.firstSeq === baseSeq && b.lastSeq === last);
        if (hit) {
          return { baseOffset: hit.baseOffset, lastOffset: hit.baseOffset + n - 1, duplicate: true, durable: this.whenDurable(hit.baseOffset + n) };
        }
        throw new UserError(
          `producer ${pid} sent sequences ${baseSeq}..${last} to ${this.topic}/${this.id}, but ${e.lastSeq} was already written ` +
          'and that batch is not among the recent ones', { origin: `log:${this.topic}`, hint: 'retry whole batches with their original sequence numbers' });
      }
      if (e && baseSeq !== e.lastSeq + 1) {
        throw new UserError(`producer ${pid} sent sequence ${baseSeq} to ${this.topic}/${this.id}, expected ${e.lastSeq + 1}`, {
          origin: `log:${this.topic}`, hint: 'sequences must follow each other without gaps; a lost batch must be retried before later ones',
        });
      }
    }
    const base = this.logEndOffset;
    const attributes = meta.transactional ? ATTR_TRANSACTIONAL : 0;
    const frame = encodeFrame(records, { baseOffset: base, attributes, producerId: pid, baseSequence: baseSeq }, this.settings.now());
    this.writeFrame(frame);
    return { baseOffset: base, lastOffset: base + n - 1, duplicate: false, durable: this.whenDurable(base + n) };
  }

  /** Appends a commit or abort marker closing `producerId`'s open transaction here, if it has one. */
  appendControl(producerId: number, type: number): { offset: number; durable: Promise<void> } | undefined {
    this.checkOpen();
    if (!this.openTxns.has(producerId)) return undefined;
    const offset = this.logEndOffset;
    this.writeFrame(encodeControlFrame(type, offset, producerId, this.settings.now()));
    return { offset, durable: this.whenDurable(offset + 1) };
  }

  private writeFrame(frame: Buffer): void {
    const h = readFrameHeader(frame, 0, frame.length) as FrameHeader;
    if (this.active.size > 0 && this.active.size + frame.length > this.settings.segmentBytes) this.roll();
    this.active.append(frame, h);
    this.applyFrame(h, frame, 0);
    if (this.settings.fsync === 'never') this.advanceDurable(this.active.endOffset);
  }

  /** Seals the active segment and starts a new one at the log end offset. */
  roll(): void {
    const old = this.active;
    const sync = this.settings.fsync !== 'never';
    if (sync) old.sync();
    old.writeIndexFiles(sync);
    this.writeSnapshot(old.endOffset);
    this.segments.push(Segment.create(this.dir, old.endOffset, this.settings.indexIntervalBytes));
    if (sync) syncDir(this.dir);
    this.advanceDurable(old.endOffset);
  }

  private whenDurable(end: number): Promise<void> {
    if (end <= this.durableOffset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ end, resolve, reject });
      if (this.settings.fsync === 'always') this.startSync();
      else if (this.flushTimer === undefined) {
        // A ref'd timer, so a process awaiting this append stays alive until it is acknowledged.
        this.flushTimer = setTimeout(() => {
          this.flushTimer = undefined;
          this.startSync();
        }, this.settings.fsyncIntervalMs);
      }
    });
  }

  /** Makes everything written so far durable; used by the interval timer and on close. */
  flush(): Promise<void> {
    if (this.closed || this.logEndOffset <= this.durableOffset) return Promise.resolve();
    const p = this.whenDurable(this.logEndOffset);
    this.startSync();
    return p;
  }

  // Group commit: one fdatasync covers every frame written before it started, and the waiters that
  // arrive while it runs share the next one.
  private startSync(): void {
    if (this.syncing || this.closed) return;
    this.syncing = true;
    const target = this.logEndOffset;
    fs.fdatasync(this.active.fd, (err) => {
      this.syncing = false;
      if (err && target > this.durableOffset) {
        const failure = new ExternalError(`fsync of ${this.topic}/${this.id} failed: ${err.message}`, { cause: err, origin: `log:${this.topic}` });
        const failed = this.waiters.filter((w) => w.end <= target);
        this.waiters = this.waiters.filter((w) => w.end > target);
        for (const w of failed) w.reject(failure);
      } else {
        this.advanceDurable(target);
      }
      if (this.waiters.length > 0) {
        if (this.settings.fsync === 'always') this.startSync();
        else if (this.settings.fsync === 'interval' && this.flushTimer === undefined) {
          this.flushTimer = setTimeout(() => {
            this.flushTimer = undefined;
            this.startSync();
          }, this.settings.fsyncIntervalMs);
        }
      }
    });
  }

  private advanceDurable(offset: number): void {
    if (offset <= this.durableOffset) return;
    this.durableOffset = offset;
    if (this.waiters.length > 0) {
      const done = this.waiters.filter((w) => w.end <= offset);
      if (done.length > 0) {
        this.waiters = this.waiters.filter((w) => w.end > offset);
        for (const w of done) w.resolve();
      }
    }
    for (const l of this.listeners) l();
  }

  // ---------------------------------------------------------------- reads

  /** Reads up to `maxRecords` records from `offset`, never past the high watermark (or LSO when read-committed). */
  read(offset: number, maxRecords: number, isolation: Isolation = 'read_uncommitted'): ReadResult {
    this.checkOpen();
    if (!Number.isInteger(offset) || !Number.isInteger(maxRecords)) {
      throw new UserError(`read of ${this.topic}/${this.id}: offset and maxRecords must be integers, got ${offset} and ${maxRecords}`, { origin: `log:${this.topic}` });
    }
    if (offset < this.logStartOffset || offset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(this.topic, this.id, offset, this.logStartOffset, this.logEndOffset);
    }
    const limit = isolation === 'read_committed' ? this.lastStableOffset : this.durableOffset;
    const records: LogRecord[] = [];
    let next = offset;
    if (next >= limit || maxRecords <= 0) return { records, nextOffset: next };
    for (let s = this.segmentIndexFor(offset); s < this.segments.length; s++) {
      const seg = this.segments[s]!;
      const done = this.forEachFrame(seg, seg.positionForOffset(next), (h, buf, at) => {
        if (h.baseOffset + h.count <= next) return true;
        if (h.baseOffset >= limit) return false;
        if (h.attributes & ATTR_CONTROL || (isolation === 'read_committed' && h.attributes & ATTR_TRANSACTIONAL && this.isAborted(h.producerId, h.baseOffset))) {
          next = h.baseOffset + h.count;
          return true;
        }
        decodeRecords(buf, at, h, this.topic, this.id, next, (r) => {
          records.push(r);
          next = r.offset + 1;
          return records.length < maxRecords;
        });
        return records.length < maxRecords && next < limit;
      });
      if (!done) break;
    }
    return { records, nextOffset: next };
  }

  /** The first offset whose record has timestamp >= `ts`, or the log end offset if there is none. */
  offsetForTimestamp(ts: number): number {
    this.checkOpen();
    for (const seg of this.segments) {
      if (seg.maxTimestamp < ts) continue;
      let found = -1;
      this.forEachFrame(seg, seg.positionForTimestamp(ts), (h, buf, at) => {
        if (h.attributes & ATTR_CONTROL || h.maxTimestamp < ts) return true;
        decodeRecords(buf, at, h, this.topic, this.id, h.baseOffset, (r) => {
          if (r.timestamp >= ts) found = r.offset;
          return found < 0;
        });
        return found < 0;
      });
      if (found >= 0) return found;
    }
    return this.logEndOffset;
  }

  private isAborted(pid: number, offset: number): boolean {
    const list = this.aborted.get(pid);
    if (!list) return false;
    for (const [first, last] of list) if (offset >= first && offset <= last) return true;
    return false;
  }

  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Walks whole frames of `seg` from byte `pos` while `fn` returns true; returns false if `fn` stopped it. */
  private forEachFrame(seg: Segment, pos: number, fn: (h: FrameHeader, buf: Buffer, at: number) => boolean): boolean {
    let buf = readScratch;
    while (pos < seg.size) {
      const chunk = seg.read(pos, Math.min(buf.length, seg.size - pos), buf);
      let at = 0;
      while (true) {
        const h = readFrameHeader(chunk, at, chunk.length);
        if (h === undefined) break;
        if (typeof h === 'string') throw new ExternalError(`${seg.logPath} is corrupt at byte ${pos + at}: ${h}`, { origin: `log:${this.topic}`, retriable: false });
        if (at + h.size > chunk.length) {
          if (h.size > buf.length) buf = readScratch = Buffer.allocUnsafe(h.size);
          break;
        }
        if (!fn(h, chunk, at)) return false;
        at += h.size;
      }
      pos += at;
    }
    return true;
  }

  // ---------------------------------------------------------------- retention and close

  /** Deletes whole old segments past the time or size limit; never the active one. Returns how many. */
  applyRetention(now: number): number {
    const { retentionMs, retentionBytes } = this.settings;
    let total = this.sizeBytes;
    let deleted = 0;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const byTime = retentionMs !== undefined && oldest.maxTimestamp < now - retentionMs;
      const bySize = retentionBytes !== undefined && total - oldest.size >= retentionBytes;
      if (!byTime && !bySize) break;
      this.segments.shift();
      total -= oldest.size;
      oldest.delete();
      deleted++;
    }
    if (deleted > 0) {
      const start = this.logStartOffset;
      for (const [pid, list] of this.aborted) {
        const kept = list.filter(([, last]) => last >= start);
        if (kept.length === 0) this.aborted.delete(pid);
        else this.aborted.set(pid, kept);
      }
      if (this.settings.fsync !== 'never') syncDir(this.dir);
    }
    return deleted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => undefined);
    while (this.syncing) await new Promise((r) => setTimeout(r, 1));
    this.closed = true;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    for (const w of this.waiters) w.reject(new ExternalError(`${this.topic}/${this.id} closed before the append was durable`, { origin: `log:${this.topic}` }));
    this.waiters = [];
    for (const s of this.segments) s.close();
    this.listeners.clear();
  }

  private checkOpen(): void {
    if (this.closed) throw new UserError(`partition ${this.topic}/${this.id} is closed`, { origin: `log:${this.topic}`, hint: 'open the log again' });
  }
}
