/**
 * A fixed-size latency histogram with logarithmic buckets (HDR-like): 32 sub-buckets per power of two
 * of microseconds, so any recorded value is off by at most ~3% and recording never allocates.
 * The counts may live in a `SharedArrayBuffer` so sink subtasks on worker threads each fill their own
 * slice and the main thread reads them all.
 */

/** Sub-buckets per power of two: 2^5 = 32, so a bucket is at most 1/32 (~3%) wide. */
const SUB_BITS = 5;
const SUB_COUNT = 1 << SUB_BITS;
/** Values up to 2^36 µs (~19 hours) get their own bucket; larger ones land in the last. */
const MAX_EXPONENT = 36;
/** Buckets of one histogram. */
export const HISTOGRAM_BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB_COUNT;

/** Wall-clock time in fractional epoch milliseconds, comparable across worker threads of one process. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

function bucketOf(micros: number): number {
  if (!(micros >= 1)) return 0;
  if (micros < SUB_COUNT) return Math.floor(micros);
  if (micros < 2 ** 31) {
    // The common case in integer arithmetic: Math.log2 per record showed up in sink profiles.
    const v = micros | 0;
    const shift = 31 - Math.clz32(v) - SUB_BITS;
    return (shift + 1) * SUB_COUNT + ((v >>> shift) - SUB_COUNT);
  }
  const exp = Math.floor(Math.log2(micros));
  if (exp > MAX_EXPONENT) return HISTOGRAM_BUCKETS - 1;
  const shift = exp - SUB_BITS;
  // Values with this exponent hold SUB_COUNT sub-buckets of width 2^shift.
  const sub = Math.floor(micros / 2 ** shift) - SUB_COUNT;
  return (shift + 1) * SUB_COUNT + Math.min(sub, SUB_COUNT - 1);
}

/** The smallest value (µs) of a bucket. */
function bucketLow(index: number): number {
  if (index < SUB_COUNT) return index;
  const shift = Math.floor(index / SUB_COUNT) - 1;
  const sub = index % SUB_COUNT;
  return (SUB_COUNT + sub) * 2 ** shift;
}

function bucketWidth(index: number): number {
  return index < SUB_COUNT ? 1 : 2 ** (Math.floor(index / SUB_COUNT) - 1);
}

/**
 * Counts of latencies (recorded in milliseconds, kept in microsecond buckets).
 *
 * @example
 * const h = new LatencyHistogram();
 * h.recordMs(wallClockMs() - emittedAt);
 * h.percentileMs(99);
 */
export class LatencyHistogram {
  /** One count per bucket. */
  readonly counts: Float64Array;
  private maxMicros = 0;

  /** Without arguments the histogram owns its memory; with a buffer it uses the `slice`-th block of it. */
  constructor(buffer?: SharedArrayBuffer | ArrayBuffer, slice = 0) {
    this.counts = buffer
      ? new Float64Array(buffer, slice * HISTOGRAM_BUCKETS * Float64Array.BYTES_PER_ELEMENT, HISTOGRAM_BUCKETS)
      : new Float64Array(HISTOGRAM_BUCKETS);
  }

  /** A shared buffer with room for `slices` histograms, one per sink subtask. */
  static sharedBuffer(slices: number): SharedArrayBuffer {
    return new SharedArrayBuffer(slices * HISTOGRAM_BUCKETS * Float64Array.BYTES_PER_ELEMENT);
  }

  /** Sums every slice of a shared buffer into one histogram. */
  static mergeSlices(buffer: SharedArrayBuffer | ArrayBuffer): LatencyHistogram {
    const slices = buffer.byteLength / (HISTOGRAM_BUCKETS * Float64Array.BYTES_PER_ELEMENT);
    const out = new LatencyHistogram();
    for (let s = 0; s < slices; s++) out.add(new LatencyHistogram(buffer, s));
    return out;
  }

  recordMs(ms: number): void {
    const micros = ms * 1000;
    this.counts[bucketOf(micros)]! += 1;
    if (micros > this.maxMicros) this.maxMicros = micros;
  }

  /** Adds the counts of another histogram. */
  add(other: LatencyHistogram): void {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.maxMicros = Math.max(this.maxMicros, other.maxMicros);
  }

  /** The largest value recorded through this object (not through other views of a shared buffer), ms. */
  maxMs(): number {
    return this.maxMicros / 1000;
  }

  /** Values recorded (counted from the buckets, so it also covers slices filled by other threads). */
  count(): number {
    let n = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) n += this.counts[i]!;
    return n;
  }

  /**
   * The value (ms) below which `p` percent of the recorded values lie: the midpoint of the bucket that
   * holds that rank. `NaN` when nothing was recorded.
   */
  percentileMs(p: number): number {
    const n = this.count();
    if (n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * n));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return (bucketLow(i) + bucketWidth(i) / 2) / 1000;
    }
    return Number.NaN;
  }
}
