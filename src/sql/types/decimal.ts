/**
 * An exact decimal number: `unscaled * 10^-scale`, immutable. Arithmetic follows Java's BigDecimal
 * (which Flink's DecimalData wraps): results are rounded HALF_UP when brought to a target scale, and
 * `toString()` prints every digit of the scale (`1.50`), never an exponent.
 *
 * @example
 * Decimal.parse('1.25').add(Decimal.parse('0.5')).toString() // '1.75'
 * Decimal.parse('2.345').setScale(2).toString()               // '2.35'
 */
export class Decimal {
  readonly unscaled: bigint;
  readonly scale: number;

  constructor(unscaled: bigint, scale: number) {
    this.unscaled = unscaled;
    this.scale = scale;
  }

  static readonly ZERO = new Decimal(0n, 0);

  /** Parses `-12.5`, `+3`, `1e3`, `.5`; returns `undefined` when the text is not a number. */
  static tryParse(text: string): Decimal | undefined {
    const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return undefined;
    const frac = m[3] ?? '';
    let scale = frac.length;
    let unscaled = BigInt((m[2] || '0') + frac);
    if (m[4] !== undefined) {
      scale -= Number(m[4]);
      if (scale < 0) {
        unscaled *= 10n ** BigInt(-scale);
        scale = 0;
      }
    }
    return new Decimal(m[1] === '-' ? -unscaled : unscaled, scale);
  }

  /** Like `tryParse` but throws a `RangeError` on bad input. */
  static parse(text: string): Decimal {
    const d = Decimal.tryParse(text);
    if (d === undefined) throw new RangeError(`'${text}' is not a decimal number`);
    return d;
  }

  /** An integer as a DECIMAL with scale 0. */
  static fromInteger(n: number | bigint): Decimal {
    return new Decimal(typeof n === 'bigint' ? n : BigInt(Math.trunc(n)), 0);
  }

  /**
   * A double as Java's `BigDecimal.valueOf(d)` sees it (its shortest decimal text), so `0.1` is exactly 0.1.
   * Throws a `RangeError` for NaN and infinities.
   */
  static fromNumber(n: number): Decimal {
    if (!Number.isFinite(n)) throw new RangeError(`${n} cannot be represented as a DECIMAL`);
    if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return new Decimal(BigInt(n), 0);
    return Decimal.parse(String(n));
  }

  /** The value rounded HALF_UP (ties away from zero) to `scale` digits after the point. */
  setScale(scale: number): Decimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Decimal(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
    return new Decimal(divHalfUp(this.unscaled, 10n ** BigInt(this.scale - scale)), scale);
  }

  /** The value truncated toward zero to `scale` digits (ROUND_DOWN). */
  truncate(scale: number): Decimal {
    if (scale >= this.scale) return this.setScale(scale);
    return new Decimal(this.unscaled / 10n ** BigInt(this.scale - scale), scale);
  }

  /** Rounds toward negative infinity to `scale` digits. */
  floor(scale = 0): Decimal {
    if (scale >= this.scale) return this.setScale(scale);
    const f = 10n ** BigInt(this.scale - scale);
    let q = this.unscaled / f;
    if (this.unscaled < 0n && q * f !== this.unscaled) q -= 1n;
    return new Decimal(q, scale);
  }

  /** Rounds toward positive infinity to `scale` digits. */
  ceil(scale = 0): Decimal {
    return this.negate().floor(scale).negate();
  }

  add(o: Decimal): Decimal {
    if (this.scale === o.scale) return new Decimal(this.unscaled + o.unscaled, this.scale);
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.setScale(s).unscaled + o.setScale(s).unscaled, s);
  }

  subtract(o: Decimal): Decimal {
    if (this.scale === o.scale) return new Decimal(this.unscaled - o.unscaled, this.scale);
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.setScale(s).unscaled - o.setScale(s).unscaled, s);
  }

  multiply(o: Decimal): Decimal {
    return new Decimal(this.unscaled * o.unscaled, this.scale + o.scale);
  }

  /** `this / o` rounded HALF_UP to `scale` digits. Throws a `RangeError` on division by zero. */
  divide(o: Decimal, scale: number): Decimal {
    if (o.unscaled === 0n) throw new RangeError('Division by zero');
    // this/o = (u1/10^s1)/(u2/10^s2); scaled to `scale`: u1 * 10^(scale - s1 + s2) / u2.
    const shift = scale - this.scale + o.scale;
    let num = this.unscaled;
    let den = o.unscaled;
    if (shift >= 0) num *= 10n ** BigInt(shift);
    else den *= 10n ** BigInt(-shift);
    return new Decimal(divHalfUp(num, den), scale);
  }

  /** Remainder with the sign of the dividend, like Java's `BigDecimal.remainder`. */
  remainder(o: Decimal): Decimal {
    if (o.unscaled === 0n) throw new RangeError('Division by zero');
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.setScale(s).unscaled % o.setScale(s).unscaled, s);
  }

  negate(): Decimal {
    return new Decimal(-this.unscaled, this.scale);
  }

  abs(): Decimal {
    return this.unscaled < 0n ? this.negate() : this;
  }

  signum(): number {
    return this.unscaled > 0n ? 1 : this.unscaled < 0n ? -1 : 0;
  }

  /** -1, 0 or 1 by value, ignoring scale (`1.0` equals `1.00`). */
  compareTo(o: Decimal): number {
    if (this.scale === o.scale) return this.unscaled < o.unscaled ? -1 : this.unscaled > o.unscaled ? 1 : 0;
    const s = Math.max(this.scale, o.scale);
    const a = this.setScale(s).unscaled;
    const b = o.setScale(s).unscaled;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Equality by value (`1.0` equals `1.00`), as SQL `=` compares DECIMALs. */
  equals(o: Decimal): boolean {
    return this.compareTo(o) === 0;
  }

  /** Number of significant integer plus fraction digits, as BigDecimal's `precision()`. */
  precision(): number {
    return (this.unscaled < 0n ? -this.unscaled : this.unscaled).toString().length;
  }

  /** Whether the value fits DECIMAL(precision, scale) once rounded to `scale`. */
  fits(precision: number, scale: number): boolean {
    const u = this.setScale(scale).unscaled;
    return (u < 0n ? -u : u) < 10n ** BigInt(precision);
  }

  /** The nearest double. */
  toNumber(): number {
    return Number(this.toString());
  }

  /** The integer part (truncated toward zero) as a bigint. */
  toBigInt(): bigint {
    return this.scale === 0 ? this.unscaled : this.truncate(0).unscaled;
  }

  /** Plain notation with exactly `scale` fraction digits (`-0.50`), as BigDecimal's `toPlainString`. */
  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return (neg ? '-' : '') + digits + '0'.repeat(-this.scale);
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const cut = digits.length - this.scale;
    return `${neg ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Integer division rounding half away from zero. */
function divHalfUp(num: bigint, den: bigint): bigint {
  const neg = (num < 0n) !== (den < 0n);
  const n = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  let q = n / d;
  if ((n % d) * 2n >= d) q += 1n;
  return neg ? -q : q;
}

/** Whether `v` is a `Decimal`. */
export function isDecimal(v: unknown): v is Decimal {
  return v instanceof Decimal;
}
