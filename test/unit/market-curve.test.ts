import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChainError } from "../../chain/app/errors.ts";
import { type CheckedCurve, checkCurve, costOf, integerRoot, priceAt } from "../../modules/market/curve.ts";
import { MARKET_CODESPACE, MarketCode } from "../../modules/market/errors.ts";
import { type Curve, CurveKind } from "../../modules/market/proto.ts";

// Bonding curve prices against values computed by hand (the arithmetic is in the comments), the
// exactness of integerRoot, and every refusal of checkCurve with its message.

const LIMITS = { maxPrice: 1_000_000_000n, maxExponentDen: 8, maxExponent: 4 };

const curve = (over: Partial<Curve>): Curve => ({
  kind: CurveKind.Linear,
  m: "0",
  b: "0",
  exponentNum: 0,
  exponentDen: 0,
  ...over,
});
const linear = (m: string, b: string) => checkCurve(curve({ m, b }), LIMITS);
const power = (m: string, b: string, exponentNum: number, exponentDen: number) =>
  checkCurve(curve({ kind: CurveKind.Power, m, b, exponentNum, exponentDen }), LIMITS);

/** A tiny deterministic PRNG (xorshift64*), so the random cases are the same on every run. */
function prng(seed: bigint) {
  let s = seed;
  const M = (1n << 64n) - 1n;
  return (bits: number): bigint => {
    let out = 0n;
    for (let have = 0; have < bits; have += 32) {
      s ^= s >> 12n;
      s ^= (s << 25n) & M;
      s ^= s >> 27n;
      out = (out << 32n) | (((s * 0x2545f4914f6cdd1dn) & M) >> 32n);
    }
    return out >> BigInt(((bits + 31) >> 5) * 32 - bits);
  };
}

describe("linear curve", () => {
  const c = linear("5", "100");
  it("prices m*s + b", () => {
    // s=0: 5*0+100 = 100; s=1: 105; s=2: 110; s=10: 5*10+100 = 150
    assert.deepEqual(
      [0n, 1n, 2n, 10n].map((s) => priceAt(c, s)),
      [100n, 105n, 110n, 150n],
    );
  });
  it("costs the sum of its prices", () => {
    // s=2, k=3: 110 + 115 + 120 = 345
    assert.equal(costOf(c, 2n, 3n), 345n);
    assert.equal(costOf(c, 7n, 0n), 0n);
    // s=0, k=11: 11*100 + 5*(0+1+...+10) = 1100 + 5*55 = 1375
    assert.equal(costOf(c, 0n, 11n), 1375n);
  });
  it("a flat price (m = 0) and a pure slope (b = 0)", () => {
    assert.equal(priceAt(linear("0", "42"), 1_000_000n), 42n);
    assert.equal(priceAt(linear("3", "0"), 0n), 0n);
    assert.equal(priceAt(linear("3", "0"), 7n), 21n);
  });
});

describe("power curve", () => {
  it("n = 2: b + m*s^2", () => {
    const c = power("3", "7", 2, 1);
    // s=0: 7; s=1: 7+3 = 10; s=5: 7+3*25 = 82; s=10: 7+3*100 = 307
    assert.deepEqual(
      [0n, 1n, 5n, 10n].map((s) => priceAt(c, s)),
      [7n, 10n, 82n, 307n],
    );
  });
  it("n = 3/2: floor(m*s^1.5) through integerRoot(m^2 * s^3, 2)", () => {
    const c = power("1000", "0", 3, 2);
    // s=4: 1000*4^1.5 = 1000*8 = 8000 (integerRoot(10^6*64 = 64_000_000, 2) = 8000 exactly)
    assert.equal(priceAt(c, 4n), 8000n);
    // s=2: 1000*2^1.5 = 2828.427.. -> integerRoot(10^6*8 = 8_000_000, 2) = 2828
    //      (2828^2 = 7_997_584 <= 8_000_000 < 2829^2 = 8_003_241)
    assert.equal(priceAt(c, 2n), 2828n);
    // s=3: 1000*3^1.5 = 5196.15.. -> integerRoot(10^6*27 = 27_000_000, 2) = 5196
    //      (5196^2 = 26_998_416 <= 27_000_000 < 5197^2 = 27_008_809)
    assert.equal(priceAt(c, 3n), 5196n);
    // the same exponent written 6/4 prices the same
    assert.equal(priceAt(power("1000", "0", 6, 4), 3n), 5196n);
  });
  it("n = 1/2: b + floor(m*sqrt(s))", () => {
    const c = power("10", "1", 1, 2);
    // s=2: 10*1.41421.. = 14.14.. -> integerRoot(100*2 = 200, 2) = 14 (14^2 = 196 <= 200 < 225); +1 = 15
    assert.equal(priceAt(c, 2n), 15n);
    // s=99: 10*9.9498.. = 99.498.. -> integerRoot(9900, 2) = 99 (9801 <= 9900 < 10000); +1 = 100
    assert.equal(priceAt(c, 99n), 100n);
    // s=100: 10*10 = 100; +1 = 101
    assert.equal(priceAt(c, 100n), 101n);
    // s=0: b only
    assert.equal(priceAt(c, 0n), 1n);
  });
  it("costs the sum of its prices", () => {
    const c = power("1000", "0", 3, 2);
    // s=2, k=3: 2828 + 5196 + 8000 = 16024
    assert.equal(costOf(c, 2n, 3n), 16_024n);
    for (const [s, k] of [
      [0n, 10n],
      [5n, 7n],
      [100n, 1n],
    ] as const) {
      let sum = 0n;
      for (let i = 0n; i < k; i++) sum += priceAt(c, s + i);
      assert.equal(costOf(c, s, k), sum);
    }
  });
  it("is the exact floor of the real curve: r <= m*s^(n/d) < r+1 checked as integer powers", () => {
    const rnd = prng(0x5eedn);
    for (let i = 0; i < 300; i++) {
      const den = (rnd(3) % 8n) + 1n; // 1..8
      const num = (rnd(5) % (4n * den)) + 1n; // 1..4*den
      const m = rnd(60) + 1n;
      const s = rnd(40);
      const c: CheckedCurve = { kind: CurveKind.Power, m, b: 0n, num, den };
      const r = priceAt(c, s);
      // r <= m*s^(num/den) < r+1  <=>  r^den <= m^den * s^num < (r+1)^den
      assert.ok(r ** den <= m ** den * s ** num, `${m} ${s} ${num}/${den}`);
      assert.ok((r + 1n) ** den > m ** den * s ** num, `${m} ${s} ${num}/${den}`);
    }
  });
  it("stays cheap up to s = 2^64 at the largest m and exponent", () => {
    const c = power("9".repeat(30), "0", 32, 8); // exponent 4, den 8
    const s = (1n << 64n) - 1n;
    const r = priceAt(c, s);
    // floor(m * s^4): the exponent 32/8 reduces to 4/1, an exact integer
    assert.equal(r, BigInt("9".repeat(30)) * s ** 4n);
    const odd = power("9".repeat(30), "0", 31, 8);
    const q = priceAt(odd, s);
    const m = BigInt("9".repeat(30));
    assert.ok(q ** 8n <= m ** 8n * s ** 31n && (q + 1n) ** 8n > m ** 8n * s ** 31n);
  });
});

describe("priceAt is monotonic in s", () => {
  for (const [name, c] of [
    ["linear", linear("7", "3")],
    ["flat", linear("0", "9")],
    ["power 1/2", power("1000", "5", 1, 2)],
    ["power 3/2", power("13", "0", 3, 2)],
    ["power 7/8", power("999", "1", 7, 8)],
    ["power 4", power("2", "1", 4, 1)],
  ] as const)
    it(name, () => {
      let prev = priceAt(c, 0n);
      for (let s = 1n; s <= 2000n; s++) {
        const p = priceAt(c, s);
        assert.ok(p >= prev, `${name}: P(${s}) = ${p} < P(${s - 1n}) = ${prev}`);
        prev = p;
      }
    });
});

describe("integerRoot", () => {
  const exact = (x: bigint, k: bigint) => {
    const r = integerRoot(x, k);
    assert.ok(r >= 0n && r ** k <= x && (r + 1n) ** k > x, `root ${k} of ${x}: got ${r}`);
    return r;
  };
  it("small values by hand", () => {
    assert.equal(integerRoot(0n, 3n), 0n);
    assert.equal(integerRoot(1n, 5n), 1n);
    assert.equal(integerRoot(2n, 2n), 1n);
    assert.equal(integerRoot(3n, 2n), 1n);
    assert.equal(integerRoot(4n, 2n), 2n);
    assert.equal(integerRoot(26n, 3n), 2n); // 2^3 = 8 <= 26 < 27 = 3^3
    assert.equal(integerRoot(27n, 3n), 3n);
    assert.equal(integerRoot(12345n, 1n), 12345n);
    assert.equal(integerRoot(1023n, 10n), 1n); // 1023 < 2^10
    assert.equal(integerRoot(1024n, 10n), 2n);
  });
  it("perfect powers and their neighbours", () => {
    for (const k of [1n, 2n, 3n, 4n, 5n, 7n, 8n, 13n, 64n])
      for (const r of [1n, 2n, 3n, 10n, 255n, 256n, 1000n, 123_456_789n, (1n << 100n) + 7n]) {
        const p = r ** k;
        assert.equal(exact(p, k), r);
        // (r-1)^k <= r^k - 1 < r^k; and for k >= 2, (r+1)^k >= r^k + k*r^(k-1) + 1 > r^k + 1
        assert.equal(exact(p - 1n, k), r - 1n);
        assert.equal(exact(p + 1n, k), k === 1n ? r + 1n : r);
      }
  });
  it("huge values: 2^4000 and its neighbours", () => {
    const x = 1n << 4000n;
    assert.equal(exact(x, 2n), 1n << 2000n);
    assert.equal(exact(x, 8n), 1n << 500n);
    assert.equal(exact(x - 1n, 8n), (1n << 500n) - 1n);
    assert.equal(exact(x + 1n, 8n), 1n << 500n);
    exact(x, 3n);
    exact(x - 1n, 7n);
    exact(x * 3n + 12345n, 64n);
  });
  it("many seeded random values and degrees", () => {
    const rnd = prng(0xc1fe7n);
    for (let i = 0; i < 500; i++) {
      const x = rnd(Number(rnd(12) % 3000n) + 1);
      const k = (rnd(7) % 70n) + 1n;
      exact(x, k);
    }
  });
  it("refuses a negative radicand or a degree below 1", () => {
    assert.throws(() => integerRoot(-1n, 2n), /negative/);
    assert.throws(() => integerRoot(4n, 0n), /degree/);
  });
});

describe("checkCurve", () => {
  it("accepts valid curves and converts them", () => {
    assert.deepEqual(linear("5", "100"), { kind: CurveKind.Linear, m: 5n, b: 100n, num: 0n, den: 0n });
    assert.deepEqual(power("1000", "0", 3, 2), { kind: CurveKind.Power, m: 1000n, b: 0n, num: 3n, den: 2n });
    // the limits themselves are allowed
    assert.equal(linear("9".repeat(30), "1000000000").b, 1_000_000_000n);
    assert.equal(power("1", "0", 32, 8).num, 32n);
  });

  const refused: Array<[string, Curve | undefined, RegExp]> = [
    ["no curve", undefined, /needs a curve/],
    ["unspecified kind", curve({ kind: CurveKind.Unspecified, b: "1" }), /kind must be linear or power/],
    ["unknown kind", curve({ kind: 7 as CurveKind, b: "1" }), /kind must be linear or power/],
    ["m with a leading zero", curve({ m: "01", b: "1" }), /curve m must be a canonical/],
    ["negative m", curve({ m: "-1", b: "1" }), /curve m must be a canonical/],
    ["fractional m", curve({ m: "1.5", b: "1" }), /curve m must be a canonical/],
    ["empty m", curve({ m: "", b: "1" }), /curve m must be a canonical/],
    ["m with a plus sign", curve({ m: "+1", b: "1" }), /curve m must be a canonical/],
    ["m with spaces", curve({ m: " 1", b: "1" }), /curve m must be a canonical/],
    ["m too long (31 digits)", curve({ m: "1".repeat(31), b: "1" }), /at most 30 digits/],
    ["b with a leading zero", curve({ m: "1", b: "00" }), /curve b must be a canonical/],
    ["b in exponent notation", curve({ m: "1", b: "1e3" }), /curve b must be a canonical/],
    ["m = b = 0", curve({ m: "0", b: "0" }), /must price something/],
    [
      "b above the max price",
      curve({ b: "1000000001" }),
      /curve b 1000000001 is above the max price 1000000000/,
    ],
    [
      "linear with an exponent numerator",
      curve({ m: "1", exponentNum: 1 }),
      /linear curve takes no exponent/,
    ],
    [
      "linear with an exponent denominator",
      curve({ m: "1", exponentDen: 1 }),
      /linear curve takes no exponent/,
    ],
    [
      "power with denominator 0",
      curve({ kind: CurveKind.Power, m: "1", exponentNum: 1, exponentDen: 0 }),
      /denominator must be at least 1/,
    ],
    [
      "power with denominator above the max",
      curve({ kind: CurveKind.Power, m: "1", exponentNum: 1, exponentDen: 9 }),
      /denominator 9 is above the maximum 8/,
    ],
    [
      "power with numerator 0",
      curve({ kind: CurveKind.Power, m: "1", exponentNum: 0, exponentDen: 1 }),
      /numerator must be at least 1/,
    ],
    [
      "power with an exponent above the max",
      curve({ kind: CurveKind.Power, m: "1", exponentNum: 33, exponentDen: 8 }),
      /exponent 33\/8 is above the maximum 4/,
    ],
    [
      "power with a fractional exponent field",
      curve({ kind: CurveKind.Power, m: "1", exponentNum: 1.5, exponentDen: 1 }),
      /non-negative integers/,
    ],
  ];
  for (const [name, c, message] of refused)
    it(`refuses ${name}`, () => {
      assert.throws(
        () => checkCurve(c, LIMITS),
        (e: unknown) => {
          assert.ok(e instanceof ChainError, String(e));
          assert.equal(e.codespace, MARKET_CODESPACE);
          assert.equal(e.code, MarketCode.InvalidCurve);
          assert.match(e.message, message);
          return true;
        },
      );
    });
});
