import { crc32 } from './crc32.js';

/**
 * On-disk batch frame. Every append writes one frame holding one or more records, so a batch is
 * atomic on recovery: a torn write loses the whole batch or nothing, never half of it.
 *
 * ```
 *  0 u32 length of the frame after this field
 *  4 u32 crc32 of bytes [8, end)
 *  8 u8  magic (1)
 *  9 u8  attributes (1 transactional, 2 control)
 * 10 u16 reserved
 * 12 f64 base offset
 * 20 u32 record count
 * 24 f64 first timestamp
 * 32 f64 max timestamp
 * 40 i32 producer id (-1: none)
 * 44 i32 base sequence (-1: none)
 * 48 records: u8 flags, f64 timestamp, i32 key length (-1: null), key, u32 value length, value,
 *    u16 header count, then per header u16 name length, name, u32 value length, value
 * ```
 * Offsets and timestamps are stored as doubles: exact for integers up to 2^53.
 */
export const FRAME_HEADER_BYTES = 48;
export const MAGIC = 1;
export const ATTR_TRANSACTIONAL = 1;
export const ATTR_CONTROL = 2;
/** Frames larger than this are treated as corruption when scanning. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

const FLAG_STRING_VALUE = 1;

/** Control record types, written as the single byte value of a control batch. */
export const CONTROL_ABORT = 0;
export const CONTROL_COMMIT = 1;

/** A record as given to an append. */
export interface RecordInput {
  key?: string | null;
  value: Buffer | string;
  headers?: Record<string, string>;
  /** Milliseconds since the epoch; defaults to the time of the append. */
  timestamp?: number;
}

/** A record as read back from the log. */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  /** A string if it was appended as a string, else a Buffer. */
  value: Buffer | string;
  headers: Record<string, string>;
}

/** The fixed part of a frame, enough to place it in the log without decoding its records. */
export interface FrameHeader {
  /** Bytes of the whole frame, length prefix included. */
  size: number;
  crc: number;
  attributes: number;
  baseOffset: number;
  count: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  baseSequence: number;
}

export interface FrameMeta {
  baseOffset: number;
  attributes: number;
  producerId: number;
  baseSequence: number;
}

const EMPTY: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Encodes records into one frame. `now` stands in for missing timestamps. */
export function encodeFrame(records: readonly RecordInput[], meta: FrameMeta, now: number): Buffer {
  let size = FRAME_HEADER_BYTES;
  const keyLens: number[] = new Array(records.length);
  const valueLens: number[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const k = r.key == null ? 0 : Buffer.byteLength(r.key);
    const v = typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.length;
    keyLens[i] = k;
    valueLens[i] = v;
    size += 1 + 8 + 4 + k + 4 + v + 2;
    if (r.headers) {
      for (const name in r.headers) size += 2 + Buffer.byteLength(name) + 4 + Buffer.byteLength(r.headers[name]!);
    }
  }
  const buf = Buffer.allocUnsafe(size);
  let first = Infinity;
  let max = -Infinity;
  let p = FRAME_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const ts = r.timestamp ?? now;
    if (ts < first) first = ts;
    if (ts > max) max = ts;
    buf[p] = typeof r.value === 'string' ? FLAG_STRING_VALUE : 0;
    buf.writeDoubleLE(ts, p + 1);
    p += 9;
    if (r.key == null) {
      buf.writeInt32LE(-1, p);
      p += 4;
    } else {
      buf.writeInt32LE(keyLens[i]!, p);
      p += 4;
      p += buf.write(r.key, p, 'utf8');
    }
    buf.writeUInt32LE(valueLens[i]!, p);
    p += 4;
    if (typeof r.value === 'string') p += buf.write(r.value, p, 'utf8');
    else p += r.value.copy(buf, p);
    const headers = r.headers;
    let count = 0;
    const countAt = p;
    p += 2;
    if (headers) {
      for (const name in headers) {
        const nl = buf.write(name, p + 2, 'utf8');
        buf.writeUInt16LE(nl, p);
        p += 2 + nl;
        const vl = buf.write(headers[name]!, p + 4, 'utf8');
        buf.writeUInt32LE(vl, p);
        p += 4 + vl;
        count++;
      }
    }
    buf.writeUInt16LE(count, countAt);
  }
  buf.writeUInt32LE(size - 8, 0);
  buf[8] = MAGIC;
  buf[9] = meta.attributes;
  buf.writeUInt16LE(0, 10);
  buf.writeDoubleLE(meta.baseOffset, 12);
  buf.writeUInt32LE(records.length, 20);
  buf.writeDoubleLE(records.length === 0 ? now : first, 24);
  buf.writeDoubleLE(records.length === 0 ? now : max, 32);
  buf.writeInt32LE(meta.producerId, 40);
  buf.writeInt32LE(meta.baseSequence, 44);
  buf.writeUInt32LE(crc32(buf, 8, size), 4);
  return buf;
}

/** A control frame (commit or abort marker) for one producer's transaction. */
export function encodeControlFrame(type: number, baseOffset: number, producerId: number, now: number): Buffer {
  return encodeFrame([{ key: null, value: Buffer.from([type]), timestamp: now }], {
    baseOffset, producerId, baseSequence: -1, attributes: ATTR_CONTROL | ATTR_TRANSACTIONAL,
  }, now);
}

/**
 * Reads the fixed header of the frame at `buf[pos]`. Returns undefined if fewer than
 * FRAME_HEADER_BYTES bytes are there, or a string naming what is wrong with it.
 */
export function readFrameHeader(buf: Buffer, pos: number, available: number): FrameHeader | string | undefined {
  if (available - pos < FRAME_HEADER_BYTES) return undefined;
  const length = buf.readUInt32LE(pos);
  if (length < FRAME_HEADER_BYTES - 8 || length > MAX_FRAME_BYTES) return `bad frame length ${length}`;
  if (buf[pos + 8] !== MAGIC) return `bad magic byte ${buf[pos + 8]}`;
  return {
    size: length + 8,
    crc: buf.readUInt32LE(pos + 4),
    attributes: buf[pos + 9]!,
    baseOffset: buf.readDoubleLE(pos + 12),
    count: buf.readUInt32LE(pos + 20),
    firstTimestamp: buf.readDoubleLE(pos + 24),
    maxTimestamp: buf.readDoubleLE(pos + 32),
    producerId: buf.readInt32LE(pos + 40),
    baseSequence: buf.readInt32LE(pos + 44),
  };
}

/** True if the frame at `buf[pos]` (header already read) has a matching checksum. */
export function frameCrcOk(buf: Buffer, pos: number, header: FrameHeader): boolean {
  return crc32(buf, pos + 8, pos + header.size) === header.crc;
}

/**
 * Decodes the records of the frame at `buf[pos]`, calling `emit` for those with offset >= `fromOffset`
 * until it returns false. Returns how many were emitted.
 */
export function decodeRecords(
  buf: Buffer, pos: number, header: FrameHeader, topic: string, partition: number,
  fromOffset: number, emit: (r: LogRecord) => boolean,
): number {
  let p = pos + FRAME_HEADER_BYTES;
  let emitted = 0;
  for (let i = 0; i < header.count; i++) {
    const flags = buf[p]!;
    const timestamp = buf.readDoubleLE(p + 1);
    p += 9;
    const kl = buf.readInt32LE(p);
    p += 4;
    let key: string | null = null;
    if (kl >= 0) {
      key = buf.toString('utf8', p, p + kl);
      p += kl;
    }
    const vl = buf.readUInt32LE(p);
    p += 4;
    const offset = header.baseOffset + i;
    const wanted = offset >= fromOffset;
    let value: Buffer | string = '';
    if (wanted) value = flags & FLAG_STRING_VALUE ? buf.toString('utf8', p, p + vl) : Buffer.from(buf.subarray(p, p + vl));
    p += vl;
    const hc = buf.readUInt16LE(p);
    p += 2;
    let headers = EMPTY;
    if (hc > 0) headers = {};
    for (let h = 0; h < hc; h++) {
      const nl = buf.readUInt16LE(p);
      const name = buf.toString('utf8', p + 2, p + 2 + nl);
      p += 2 + nl;
      const hl = buf.readUInt32LE(p);
      if (wanted) headers[name] = buf.toString('utf8', p + 4, p + 4 + hl);
      p += 4 + hl;
    }
    if (!wanted) continue;
    emitted++;
    if (!emit({ topic, partition, offset, timestamp, key, value, headers: hc > 0 ? headers : {} })) break;
  }
  return emitted;
}

/** The control type (CONTROL_COMMIT or CONTROL_ABORT) of a control frame. */
export function controlType(buf: Buffer, pos: number): number {
  // flags(1) + ts(8) + key len(4, always -1) + value len(4) then the one value byte.
  return buf[pos + FRAME_HEADER_BYTES + 17]!;
}
