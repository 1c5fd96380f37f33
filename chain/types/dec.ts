/**
 * The Cosmos SDK's LegacyDec: a signed fixed-point number with 18 decimals, held as its integer
 * "atomics" (value x 10^18). Every operation rounds exactly as the SDK's math/dec.go does (banker's
 * rounding for Mul/Quo, truncation for the *Truncate variants), so shares, rates and rewards agree
 * to the last atomic with any Cosmos chain and client. On the protobuf wire a Dec is its atomics as
 * a decimal string; in JSON it is "1.500000000000000000".
 */
export const DEC_PRECISION = 18;
const ONE_ATOMICS = 10n ** 18n;
const HALF_ATOMICS = ONE_ATOMICS / 2n;
/** The SDK refuses decimals wider than 256 bits of integer part plus the 18 decimals (maxDecBitLen). */
const MAX_ATOMICS_BITS = 256n + 60n;

export class DecError extends Error {}

/** Removes the 18 decimals: banker's rounding (the SDK's chopPrecisionAndRound). */
function chopRound(x: bigint): bigint {
  if (x < 0n) return -chopRound(-x);
  const q = x / ONE_ATOMICS;
  const r = x % ONE_ATOMICS;
  if (r < HALF_ATOMICS) return q;
  if (r > HALF_ATOMICS) return q + 1n;
  return q % 2n === 0n ? q : q + 1n;
}

/** chopPrecisionAndRoundUp: away from zero for positives, truncation for negatives (as the SDK). */
function chopRoundUp(x: bigint): bigint {
  if (x < 0n) return x / ONE_ATOMICS;
  const q = x / ONE_ATOMICS;
  return x % ONE_ATOMICS === 0n ? q : q + 1n;
}

export class Dec {
  private constructor(readonly atomics: bigint) {
    if (atomics >= 1n << MAX_ATOMICS_BITS || atomics <= -(1n << MAX_ATOMICS_BITS))
      throw new DecError("decimal out of range");
  }

  static readonly ZERO = new Dec(0n);
  static readonly ONE = new Dec(ONE_ATOMICS);

  static fromAtomics(atomics: bigint): Dec {
    return new Dec(atomics);
  }

  static fromInt(n: bigint): Dec {
    return new Dec(n * ONE_ATOMICS);
  }

  /** LegacyNewDecWithPrec: n x 10^-prec, e.g. (5, 2) = 0.05. */
  static withPrec(n: bigint, prec: number): Dec {
    if (!Number.isInteger(prec) || prec < 0 || prec > DEC_PRECISION)
      throw new DecError(`invalid precision ${prec}`);
    return new Dec(n * 10n ** BigInt(DEC_PRECISION - prec));
  }

  /** Parses "1", "-0.5", "0.050000000000000000" (LegacyNewDecFromStr): at most 18 decimals. */
  static parse(s: string): Dec {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
    if (!m) throw new DecError(`invalid decimal "${s}"`);
    const frac = m[3] ?? "";
    if (frac.length > DEC_PRECISION)
      throw new DecError(`decimal "${s}" has more than ${DEC_PRECISION} decimals`);
    const atomics = BigInt(m[2]!) * ONE_ATOMICS + BigInt(frac.padEnd(DEC_PRECISION, "0") || "0");
    return new Dec(m[1] ? -atomics : atomics);
  }

  /** The protobuf wire form (gogoproto customtype): the atomics as an integer string; "" is zero. */
  static fromProto(s: string): Dec {
    if (s === "") return Dec.ZERO;
    if (!/^-?\d+$/.test(s)) throw new DecError(`invalid decimal atomics "${s}"`);
    return new Dec(BigInt(s));
  }

  toProto(): string {
    return this.atomics.toString();
  }

  /** "1.500000000000000000", as the SDK prints and JSON carries it. */
  toString(): string {
    const neg = this.atomics < 0n;
    const abs = neg ? -this.atomics : this.atomics;
    const int = abs / ONE_ATOMICS;
    const frac = (abs % ONE_ATOMICS).toString().padStart(DEC_PRECISION, "0");
    return `${neg ? "-" : ""}${int}.${frac}`;
  }

  add(o: Dec): Dec {
    return new Dec(this.atomics + o.atomics);
  }

  sub(o: Dec): Dec {
    return new Dec(this.atomics - o.atomics);
  }

  neg(): Dec {
    return new Dec(-this.atomics);
  }

  mul(o: Dec): Dec {
    return new Dec(chopRound(this.atomics * o.atomics));
  }

  mulTruncate(o: Dec): Dec {
    return new Dec((this.atomics * o.atomics) / ONE_ATOMICS);
  }

  mulRoundUp(o: Dec): Dec {
    return new Dec(chopRoundUp(this.atomics * o.atomics));
  }

  mulInt(n: bigint): Dec {
    return new Dec(this.atomics * n);
  }

  quo(o: Dec): Dec {
    if (o.atomics === 0n) throw new DecError("division by zero");
    return new Dec(chopRound((this.atomics * ONE_ATOMICS * ONE_ATOMICS) / o.atomics));
  }

  quoTruncate(o: Dec): Dec {
    if (o.atomics === 0n) throw new DecError("division by zero");
    return new Dec((this.atomics * ONE_ATOMICS) / o.atomics);
  }

  quoRoundUp(o: Dec): Dec {
    if (o.atomics === 0n) throw new DecError("division by zero");
    const n = this.atomics * ONE_ATOMICS;
    const q = n / o.atomics;
    return new Dec(n % o.atomics > 0n ? q + 1n : q);
  }

  /** QuoInt64 / QuoInt: truncating division by an integer. */
  quoInt(n: bigint): Dec {
    if (n === 0n) throw new DecError("division by zero");
    return new Dec(this.atomics / n);
  }

  /** TruncateInt: drops the decimals toward zero. */
  truncateInt(): bigint {
    return this.atomics / ONE_ATOMICS;
  }

  /** RoundInt: banker's rounding to an integer. */
  roundInt(): bigint {
    return chopRound(this.atomics);
  }

  /** Ceil, as a Dec. */
  ceil(): Dec {
    const q = this.atomics / ONE_ATOMICS;
    const r = this.atomics % ONE_ATOMICS;
    return Dec.fromInt(r > 0n ? q + 1n : q);
  }

  truncate(): Dec {
    return Dec.fromInt(this.truncateInt());
  }

  cmp(o: Dec): -1 | 0 | 1 {
    return this.atomics < o.atomics ? -1 : this.atomics > o.atomics ? 1 : 0;
  }

  eq(o: Dec): boolean {
    return this.atomics === o.atomics;
  }
  lt(o: Dec): boolean {
    return this.atomics < o.atomics;
  }
  lte(o: Dec): boolean {
    return this.atomics <= o.atomics;
  }
  gt(o: Dec): boolean {
    return this.atomics > o.atomics;
  }
  gte(o: Dec): boolean {
    return this.atomics >= o.atomics;
  }
  isZero(): boolean {
    return this.atomics === 0n;
  }
  isNegative(): boolean {
    return this.atomics < 0n;
  }
  isPositive(): boolean {
    return this.atomics > 0n;
  }

  static min(a: Dec, b: Dec): Dec {
    return a.lte(b) ? a : b;
  }
  static max(a: Dec, b: Dec): Dec {
    return a.gte(b) ? a : b;
  }
}
