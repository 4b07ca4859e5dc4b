/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of every batch frame in the log.
 * Slicing-by-8: eight 256-entry tables let the loop consume 8 bytes per step, which matters because
 * the checksum is on the append hot path (a byte-wise loop was most of the append time).
 */
// Int32Array, not Uint32Array: loads stay small integers in V8 instead of boxed doubles (about 10x faster).
const TABLES: Int32Array = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[s * 256 + n] = c;
    }
  }
  return t;
})();

/**
 * CRC-32 of `buf[start, end)`, as an unsigned 32-bit number.
 *
 * @example
 * crc32(Buffer.from('123456789')) === 0xcbf43926
 */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  const t = TABLES;
  let c = ~0;
  let i = start;
  for (const stop = end - 8; i <= stop; i += 8) {
    const lo = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c = t[1792 + (lo & 0xff)]! ^ t[1536 + ((lo >>> 8) & 0xff)]! ^ t[1280 + ((lo >>> 16) & 0xff)]! ^ t[1024 + (lo >>> 24)]! ^
      t[768 + buf[i + 4]!]! ^ t[512 + buf[i + 5]!]! ^ t[256 + buf[i + 6]!]! ^ t[buf[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
