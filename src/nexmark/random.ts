/**
 * The random numbers of the Nexmark generator. Each event draws from its own stream, keyed by
 * `(seed, eventNumber)`, so any event can be generated without generating the ones before it; that is
 * what lets parallel readers split the stream by event number without talking to each other.
 */

/** The MurmurHash3 finaliser: a bijection on 32-bit integers in which every input bit flips every output bit with probability about 1/2. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;
const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;
/** Up to this bound `u32 * bound` is exact in a double, so the multiply-shift draw is exact. */
export const SMALL_BOUND = 1 << 21;

/**
 * A counter-keyed random stream: `reset(n)` starts the stream of event `n`; draws use sfc32 (Chris
 * Doty-Humphrey's small fast chaotic generator), which needs only 32-bit integer operations that V8 keeps
 * unboxed.
 */
export class EventRandom {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private readonly k0: number;
  private readonly k1: number;
  private readonly k2: number;
  private readonly k3: number;

  /**
   * @param seed any safe integer.
   * @param salt separates independent streams of the same seed (e.g. event contents vs. lookup tables).
   */
  constructor(seed: number, salt = 0) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    // Signed 32-bit for the same reason as the state words in `reset`.
    this.k0 = mix32(lo ^ 0x243f6a88 ^ Math.imul(salt, 0x9e3779b9)) | 0;
    this.k1 = mix32((hi + this.k0) ^ 0x85a308d3) | 0;
    this.k2 = mix32((this.k1 + lo) ^ 0x13198a2e) | 0;
    this.k3 = mix32((this.k2 + hi) ^ 0x03707344) | 0;
    this.reset(0);
  }

  /** Starts the stream of event `n` (a non-negative safe integer). */
  reset(n: number): void {
    const lo = n >>> 0;
    const hi = (n / TWO_POW_32) >>> 0;
    // `a` is a bijection of the low word, so events below 2^32 never share a starting state; `b` and `c`
    // are further full-avalanche hashes, so no warm-up rounds are needed before the first draw.
    const a = mix32(lo ^ this.k0);
    const b = mix32((hi ^ this.k1) + a);
    // Stored as signed 32-bit (`| 0`): V8 keeps such fields as small integers, while an unsigned value
    // above 2^31 would turn the field into a boxed double and make every draw several times slower.
    this.a = a | 0;
    this.b = b | 0;
    this.c = mix32((b + this.k2) ^ (a >>> 7)) | 0;
    this.d = (hi ^ this.k3) | 0;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const t = (((a + b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /**
   * A uniform integer in `[0, bound)` for `1 <= bound <= 2^21` (`SMALL_BOUND`); {@link nextLong} takes any
   * bound. Kept branch-free and tiny so V8 inlines it at every call site of the generator's hot loop.
   */
  nextInt(bound: number): number {
    // Multiply-shift instead of modulo: no division, and the bias (< bound / 2^32) is far below what any test sees.
    return ((this.nextU32() * bound) * INV_TWO_POW_32) >>> 0;
  }

  /** A uniform integer in `[0, bound)` for any positive safe integer `bound`. */
  nextLong(bound: number): number {
    if (bound <= SMALL_BOUND) return this.nextInt(bound);
    return Math.min(bound - 1, Math.floor(this.nextDouble() * bound));
  }

  /** A uniform double in `[0, 1)` with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * TWO_POW_26 + lo) / TWO_POW_53;
  }
}
