import { MarketCode, marketError } from "./errors.ts";
import { type Curve, CURVE_KIND_NAMES, CurveKind } from "./proto.ts";

/**
 * Bonding curves in exact integer arithmetic (ucif, bigint; no floats anywhere, so every node prices
 * a sale identically). s is the number of sales so far, counted from 0.
 *
 *   LINEAR: P(s) = m*s + b
 *   POWER:  P(s) = b + floor(m * s^(num/den)), computed as b + integerRoot(m^den * s^num, den).
 *
 * Why the POWER form is exact: for m, s >= 0 the real numbers m * s^(num/den) and
 * (m^den * s^num)^(1/den) are equal (raise both to the power den), and integerRoot returns the exact
 * floor of the real den-th root, so the price is the floor of the real curve, not an approximation.
 *
 * Work bound: m has at most 30 decimal digits (< 2^100), den <= maxExponentDen (<= 64 by
 * validateMarketParams, 8 by default) and num <= maxExponent*den (<= 1024, 32 by default). For s < 2^64
 * the radicand has at most 100*den + 64*num bits: ~2,900 bits with the default limits, ~72,000 at the
 * extreme params. integerRoot on that is a few dozen Newton steps of bigint multiplications and one
 * division each, never a loop over s: measured 0.2 ms at the default limits and 4 ms at the extreme
 * (m = 10^30 - 1, s = 2^64 - 1, exponent 1023/64).
 */

export interface CheckedCurve {
  kind: CurveKind;
  m: bigint;
  b: bigint;
  num: bigint;
  den: bigint;
}

export interface CurveLimits {
  maxPrice: bigint;
  maxExponentDen: number;
  maxExponent: number;
}

/** Canonical non-negative decimal: "0" or no leading zero, no sign, no point, at most 30 digits. */
const DECIMAL = /^(0|[1-9][0-9]{0,29})$/;

const invalid = (msg: string) => marketError(MarketCode.InvalidCurve, msg);

function decimal(v: unknown, name: string): bigint {
  if (typeof v !== "string" || !DECIMAL.test(v))
    throw invalid(
      `curve ${name} must be a canonical non-negative decimal of at most 30 digits (ucif), got ${JSON.stringify(v)}`,
    );
  return BigInt(v);
}

const isUint = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Validates a listing's curve; throws marketError(MarketCode.InvalidCurve, ...) naming the fault. */
export function checkCurve(c: Curve | undefined, limits: CurveLimits): CheckedCurve {
  if (c === undefined) throw invalid("a listing needs a curve");
  if (c.kind !== CurveKind.Linear && c.kind !== CurveKind.Power)
    throw invalid(`curve kind must be linear or power, got ${String(c.kind)}`);
  const m = decimal(c.m, "m");
  const b = decimal(c.b, "b");
  if (m === 0n && b === 0n) throw invalid("a curve must price something: m and b are both 0");
  if (b > limits.maxPrice) throw invalid(`curve b ${b} is above the max price ${limits.maxPrice}`);
  if (!isUint(c.exponentNum) || !isUint(c.exponentDen))
    throw invalid("curve exponent fields must be non-negative integers");
  const num = BigInt(c.exponentNum);
  const den = BigInt(c.exponentDen);
  if (c.kind === CurveKind.Linear) {
    if (num !== 0n || den !== 0n) throw invalid("a linear curve takes no exponent: set both fields to 0");
    return { kind: c.kind, m, b, num, den };
  }
  if (den < 1n) throw invalid("a power curve's exponent denominator must be at least 1");
  if (den > BigInt(limits.maxExponentDen))
    throw invalid(
      `a power curve's exponent denominator ${den} is above the maximum ${limits.maxExponentDen}`,
    );
  if (num < 1n) throw invalid("a power curve's exponent numerator must be at least 1");
  if (num > BigInt(limits.maxExponent) * den)
    throw invalid(`a power curve's exponent ${num}/${den} is above the maximum ${limits.maxExponent}`);
  return { kind: c.kind, m, b, num, den };
}

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
};

/** Price of sale number s (s = sales so far, from 0), exact floor. */
export function priceAt(c: CheckedCurve, s: bigint): bigint {
  if (s < 0n) throw new Error(`sale number must be non-negative, got ${s}`);
  if (c.kind === CurveKind.Linear) return c.m * s + c.b;
  if (c.kind !== CurveKind.Power) throw new Error(`unchecked curve kind ${c.kind}`);
  // Reducing num/den leaves the real value m*s^(num/den) unchanged and shrinks the radicand.
  const g = gcd(c.num, c.den);
  const num = c.num / g;
  const den = c.den / g;
  return c.b + integerRoot(c.m ** den * s ** num, den);
}

/**
 * Total cost of k sales starting at sale s: priceAt(s) + ... + priceAt(s+k-1). Linear in closed form;
 * power sums k prices, so its work is k times priceAt's (callers buy one sale, or a few, at a time).
 */
export function costOf(c: CheckedCurve, s: bigint, k: bigint): bigint {
  if (s < 0n || k < 0n) throw new Error(`sale number and count must be non-negative, got ${s}, ${k}`);
  // sum_{i=0}^{k-1} (m*(s+i) + b) = k*b + m*(k*s + k*(k-1)/2); k*(k-1) is even, so the division is exact.
  if (c.kind === CurveKind.Linear) return k * c.b + c.m * (k * s + (k * (k - 1n)) / 2n);
  let total = 0n;
  for (let i = 0n; i < k; i++) total += priceAt(c, s + i);
  return total;
}

const bitLength = (x: bigint) => (x === 0n ? 0n : BigInt(x.toString(2).length));

/**
 * floor(x^(1/k)) for x >= 0n, k >= 1n, exact. The first guess comes from the root of x's top bits
 * (recursively), so it is at most a few units above the true root; integer Newton from above then
 * decreases strictly until it reaches the floor root; a final fix-up asserts r^k <= x < (r+1)^k.
 */
export function integerRoot(x: bigint, k: bigint): bigint {
  if (x < 0n) throw new Error(`integerRoot of a negative number ${x}`);
  if (k < 1n) throw new Error(`integerRoot of degree ${k}`);
  if (x < 2n || k === 1n) return x;
  const bits = bitLength(x);
  if (bits <= k) return 1n; // 1 <= x < 2^k, so the root is in [1, 2)
  let r: bigint;
  // t low bits of the root dropped: y = x >> (k*t) and x < (y+1)*2^(kt), so
  // x^(1/k) < (y+1)^(1/k) * 2^t <= (floor(y^(1/k)) + 1) * 2^t: an over-estimate, as Newton needs.
  const t = bits / (2n * k);
  if (t > 0n) r = (integerRoot(x >> (k * t), k) + 1n) << t;
  else r = 1n << ((bits + k - 1n) / k); // ceil(bits/k): x < 2^bits <= r^k
  const k1 = k - 1n;
  for (;;) {
    const next = (k1 * r + x / r ** k1) / k;
    if (next >= r) break;
    r = next;
  }
  while (r ** k > x) r--;
  while ((r + 1n) ** k <= x) r++;
  return r;
}

/** A curve in one line, for events and tables: `linear m=5 b=100`, `power m=5 b=0 n=3/2`. */
export function curveText(c: Curve): string {
  const kind = CURVE_KIND_NAMES[c.kind] ?? String(c.kind);
  const base = `${kind} m=${c.m || "0"} b=${c.b || "0"}`;
  return c.kind === CurveKind.Power ? `${base} n=${c.exponentNum}/${c.exponentDen}` : base;
}
