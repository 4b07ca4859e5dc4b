import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExternalError } from '../core/errors.js';
import { FrameHeader, frameCrcOk, readFrameHeader } from './format.js';

/** Zero-padded file stem of a segment, so that a directory listing sorts by offset. */
export function segmentStem(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

const SCAN_CHUNK = 1 << 20;

/** What a scan found: how many leading bytes hold whole, valid frames, and why it stopped early. */
export interface ScanResult {
  validBytes: number;
  fileBytes: number;
  /** Set when the scan stopped before the end of the file. */
  problem?: string;
  /** Offset of the first frame that was not valid (or the end offset). */
  stopOffset: number;
}

/**
 * One segment of a partition: `<base>.log` holding frames, plus a sparse index kept in memory and
 * persisted as `<base>.index` (offset → byte position) and `<base>.timeindex` (max timestamp seen
 * before an entry → offset) once the segment is sealed. Both indexes sample the same frames: one
 * entry every `indexIntervalBytes` of log data.
 *
 * All I/O here is synchronous on purpose: appends land in the page cache in microseconds, and doing
 * them in one tick is what lets a partition assign offsets without locks. Only fsync is async.
 */
export class Segment {
  readonly baseOffset: number;
  readonly logPath: string;
  fd: number;
  size = 0;
  endOffset: number;
  maxTimestamp = -Infinity;
  /** Sampled frames: base offset, byte position, and the max timestamp of all records before it. */
  idxOffsets: number[] = [];
  idxPositions: number[] = [];
  idxMaxTsBefore: number[] = [];
  private bytesSinceIndex = 0;

  private constructor(readonly dir: string, baseOffset: number, fd: number, private readonly indexInterval: number) {
    this.baseOffset = baseOffset;
    this.endOffset = baseOffset;
    this.logPath = path.join(dir, `${segmentStem(baseOffset)}.log`);
    this.fd = fd;
  }

  /** Creates a new, empty segment file (or reuses an empty leftover of a crashed roll). */
  static create(dir: string, baseOffset: number, indexInterval: number): Segment {
    const file = path.join(dir, `${segmentStem(baseOffset)}.log`);
    const fd = openOrFail(file, 'w+');
    return new Segment(dir, baseOffset, fd, indexInterval);
  }

  /** Opens an existing segment; its state is filled in by `loadIndexFiles` or a scan. */
  static open(dir: string, baseOffset: number, indexInterval: number): Segment {
    const fd = openOrFail(path.join(dir, `${segmentStem(baseOffset)}.log`), 'r+');
    return new Segment(dir, baseOffset, fd, indexInterval);
  }

  fileSize(): number {
    return fs.fstatSync(this.fd).size;
  }

  /** Records a frame at byte `pos` in the in-memory state and the sparse index. */
  noteFrame(pos: number, h: FrameHeader): void {
    if (this.idxOffsets.length === 0 || this.bytesSinceIndex >= this.indexInterval) {
      this.idxOffsets.push(h.baseOffset);
      this.idxPositions.push(pos);
      this.idxMaxTsBefore.push(this.maxTimestamp);
      this.bytesSinceIndex = 0;
    }
    this.bytesSinceIndex += h.size;
    if (h.maxTimestamp > this.maxTimestamp) this.maxTimestamp = h.maxTimestamp;
    this.endOffset = h.baseOffset + h.count;
    this.size = pos + h.size;
  }

  /** Appends a whole encoded frame at the end of the file. */
  append(frame: Buffer, h: FrameHeader): void {
    const pos = this.size;
    let done = 0;
    try {
      while (done < frame.length) done += fs.writeSync(this.fd, frame, done, frame.length - done, pos + done);
    } catch (err) {
      // Cut off whatever part landed, so the next append does not follow a torn frame.
      try { fs.ftruncateSync(this.fd, pos); } catch { /* the next open truncates it */ }
      throw new ExternalError(`cannot write to ${this.logPath}: ${(err as Error).message}`, { cause: err, origin: 'log' });
    }
    this.noteFrame(pos, h);
  }

  read(position: number, length: number, into?: Buffer): Buffer {
    const buf = into && into.length >= length ? into : Buffer.allocUnsafe(length);
    let n = 0;
    while (n < length) {
      const r = fs.readSync(this.fd, buf, n, length - n, position + n);
      if (r === 0) break;
      n += r;
    }
    return n === buf.length ? buf : buf.subarray(0, n);
  }

  /** Byte position from which to scan for `offset`. */
  positionForOffset(offset: number): number {
    const i = lastAtMost(this.idxOffsets, offset);
    return i < 0 ? 0 : this.idxPositions[i]!;
  }

  /** Byte position from which to scan for the first record with timestamp >= `ts`. */
  positionForTimestamp(ts: number): number {
    // idxMaxTsBefore only grows; every record before an entry with maxTsBefore < ts is older than ts.
    let lo = 0;
    let hi = this.idxMaxTsBefore.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.idxMaxTsBefore[mid]! < ts) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.idxPositions[found]!;
  }

  /**
   * Reads the file from the start and calls `onFrame` for each whole frame, stopping at the first
   * partial, malformed, out-of-sequence or (with `verifyCrc`) corrupt one.
   */
  scan(verifyCrc: boolean, onFrame: (h: FrameHeader, buf: Buffer, at: number, pos: number) => void): ScanResult {
    const fileBytes = this.fileSize();
    let buf = Buffer.allocUnsafe(Math.min(SCAN_CHUNK, Math.max(fileBytes, 64)));
    let pos = 0;
    let expected = this.baseOffset;
    let problem: string | undefined;
    let good = 0;
    outer: while (pos < fileBytes) {
      const n = this.read(pos, Math.min(buf.length, fileBytes - pos), buf).length;
      let at = 0;
      while (true) {
        const h = readFrameHeader(buf, at, n);
        if (h === undefined) {
          if (pos + n >= fileBytes) {
            if (at < n) problem = `partial frame header (${n - at} bytes)`;
            break outer;
          }
          break;
        }
        if (typeof h === 'string') {
          problem = h;
          break outer;
        }
        if (at + h.size > n) {
          if (pos + at + h.size > fileBytes) {
            problem = `partial frame (${fileBytes - pos - at} of ${h.size} bytes present)`;
            break outer;
          }
          if (h.size > buf.length) buf = Buffer.allocUnsafe(h.size);
          break;
        }
        if (h.baseOffset !== expected) {
          problem = `frame has offset ${h.baseOffset}, expected ${expected}`;
          break outer;
        }
        if (verifyCrc && !frameCrcOk(buf, at, h)) {
          problem = 'checksum mismatch';
          break outer;
        }
        onFrame(h, buf, at, pos + at);
        at += h.size;
        good = pos + at;
        expected = h.baseOffset + h.count;
      }
      pos += at;
    }
    const validBytes = problem === undefined ? fileBytes : good;
    return { validBytes, fileBytes, stopOffset: expected, ...(problem === undefined ? {} : { problem }) };
  }

  truncate(bytes: number): void {
    fs.ftruncateSync(this.fd, bytes);
    this.size = bytes;
  }

  /** Writes `.index` and `.timeindex` for a sealed segment, each ending with a sentinel entry. */
  writeIndexFiles(sync: boolean): void {
    const k = this.idxOffsets.length;
    const idx = Buffer.alloc(8 * (k + 1));
    const tidx = Buffer.alloc(12 * (k + 1));
    for (let i = 0; i < k; i++) {
      idx.writeUInt32LE(this.idxOffsets[i]! - this.baseOffset, 8 * i);
      idx.writeUInt32LE(this.idxPositions[i]!, 8 * i + 4);
      tidx.writeDoubleLE(this.idxMaxTsBefore[i]!, 12 * i);
      tidx.writeUInt32LE(this.idxOffsets[i]! - this.baseOffset, 12 * i + 8);
    }
    idx.writeUInt32LE(this.endOffset - this.baseOffset, 8 * k);
    idx.writeUInt32LE(this.size, 8 * k + 4);
    tidx.writeDoubleLE(this.maxTimestamp, 12 * k);
    tidx.writeUInt32LE(this.endOffset - this.baseOffset, 12 * k + 8);
    const stem = path.join(this.dir, segmentStem(this.baseOffset));
    writeFileDurably(`${stem}.index`, idx, sync);
    writeFileDurably(`${stem}.timeindex`, tidx, sync);
  }

  /** Loads the index files of a sealed segment; false if they are missing or do not match the log file. */
  loadIndexFiles(): boolean {
    const stem = path.join(this.dir, segmentStem(this.baseOffset));
    let idx: Buffer;
    let tidx: Buffer;
    try {
      idx = fs.readFileSync(`${stem}.index`);
      tidx = fs.readFileSync(`${stem}.timeindex`);
    } catch {
      return false;
    }
    if (idx.length < 8 || idx.length % 8 !== 0 || tidx.length !== (idx.length / 8) * 12) return false;
    const k = idx.length / 8 - 1;
    const relEnd = idx.readUInt32LE(8 * k);
    const size = idx.readUInt32LE(8 * k + 4);
    if (size !== this.fileSize() || tidx.readUInt32LE(12 * k + 8) !== relEnd) return false;
    this.idxOffsets = [];
    this.idxPositions = [];
    this.idxMaxTsBefore = [];
    for (let i = 0; i < k; i++) {
      this.idxOffsets.push(this.baseOffset + idx.readUInt32LE(8 * i));
      this.idxPositions.push(idx.readUInt32LE(8 * i + 4));
      this.idxMaxTsBefore.push(tidx.readDoubleLE(12 * i));
    }
    this.size = size;
    this.endOffset = this.baseOffset + relEnd;
    this.maxTimestamp = tidx.readDoubleLE(12 * k);
    return true;
  }

  resetState(): void {
    this.idxOffsets = [];
    this.idxPositions = [];
    this.idxMaxTsBefore = [];
    this.bytesSinceIndex = 0;
    this.size = 0;
    this.endOffset = this.baseOffset;
    this.maxTimestamp = -Infinity;
  }

  sync(): void {
    fs.fsyncSync(this.fd);
  }

  close(): void {
    try { fs.closeSync(this.fd); } catch { /* already closed */ }
  }

  /** Closes and removes the segment's files. */
  delete(): void {
    this.close();
    const stem = path.join(this.dir, segmentStem(this.baseOffset));
    for (const ext of ['.log', '.index', '.timeindex']) fs.rmSync(`${stem}${ext}`, { force: true });
  }
}

function lastAtMost(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function openOrFail(file: string, flags: string): number {
  try {
    return fs.openSync(file, flags);
  } catch (err) {
    throw new ExternalError(`cannot open ${file}: ${(err as Error).message}`, { cause: err, origin: 'log' });
  }
}

/** Writes a whole file through a temp file and a rename, so a reader sees the old or the new file, never half. */
export function writeFileDurably(file: string, data: Buffer | string, sync: boolean): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  if (sync) syncDir(path.dirname(file));
}

/** Makes a created, renamed or removed directory entry durable. */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; nothing more can be done there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
