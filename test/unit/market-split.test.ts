import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Payee, type Seller, splitSale } from "../../modules/market/split.ts";

// The payment split of one sale, against a hand-computed example, and the invariant that the payees
// always add up to the price to the last ucif.

const POOL = "community";
const sum = (ps: Payee[]) => ps.reduce((a, p) => a + p.amount, 0n);

/** A tiny deterministic PRNG (xorshift32), so the property cases are the same on every run. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

describe("splitSale", () => {
  it("a portfolio sale, computed by hand", () => {
    // price 1_000_003, fee 25_000 ppm:
    //   fee = floor(1_000_003 * 25_000 / 1e6) = floor(25_000.075) = 25_000; rest = 975_003
    // curator share 100_000 ppm: floor(975_003 * 0.1) = floor(97_500.3) = 97_500; pool = 877_503
    // owners by weight, pool * w = floor * 1e6 + remainder:
    //   a (333_333): 877_503 * 333_333 = 292_500_707_499 -> 292_500, remainder 707_499
    //   b (333_333): same                                  -> 292_500, remainder 707_499
    //   c (333_334): 292_500_707_499 + 877_503 = 292_501_585_002 -> 292_501, remainder 585_002
    //   floors sum to 877_501, dust = 2: one ucif each to the two largest remainders (a, b; tie by order)
    //   -> a 292_501, b 292_501, c 292_501
    // total: 25_000 + 97_500 + 3 * 292_501 = 1_000_003
    const seller: Seller = {
      kind: "portfolio",
      curator: "cur",
      curatorSharePpm: 100_000,
      owners: [
        { address: "a", weightPpm: 333_333 },
        { address: "b", weightPpm: 333_333 },
        { address: "c", weightPpm: 333_334 },
      ],
    };
    const out = splitSale(1_000_003n, 25_000, seller, POOL);
    assert.deepEqual(out, [
      { address: POOL, role: "protocol", amount: 25_000n },
      { address: "cur", role: "curator", amount: 97_500n },
      { address: "a", role: "owner", amount: 292_501n },
      { address: "b", role: "owner", amount: 292_501n },
      { address: "c", role: "owner", amount: 292_501n },
    ]);
    assert.equal(sum(out), 1_000_003n);
  });

  it("dust goes to the largest remainders, ties to the earlier item", () => {
    // price 10, no fee, no curator share: pool = 10
    //   x (500_000): 10 * 0.5 = 5, remainder 0
    //   y (250_001): 10 * 250_001 = 2_500_010 -> 2, remainder 500_010
    //   z (249_999): 10 * 249_999 = 2_499_990 -> 2, remainder 499_990
    //   floors 9, dust 1 -> y (largest remainder): x 5, y 3, z 2
    const out = splitSale(
      10n,
      0,
      {
        kind: "portfolio",
        curator: "cur",
        curatorSharePpm: 0,
        owners: [
          { address: "x", weightPpm: 500_000 },
          { address: "y", weightPpm: 250_001 },
          { address: "z", weightPpm: 249_999 },
        ],
      },
      POOL,
    );
    // fee 0 and curator cut 0 are left out
    assert.deepEqual(out, [
      { address: "x", role: "owner", amount: 5n },
      { address: "y", role: "owner", amount: 3n },
      { address: "z", role: "owner", amount: 2n },
    ]);
    // price 2 among four equal weights: each floor(2 * 0.25) = 0, remainder 500_000; dust 2 -> the
    // first two items by order; the two zero payees are left out
    const tie = splitSale(
      2n,
      0,
      {
        kind: "portfolio",
        curator: "cur",
        curatorSharePpm: 0,
        owners: ["p", "q", "r", "s"].map((address) => ({ address, weightPpm: 250_000 })),
      },
      POOL,
    );
    assert.deepEqual(tie, [
      { address: "p", role: "owner", amount: 1n },
      { address: "q", role: "owner", amount: 1n },
    ]);
  });

  it("merges an owner of several items into one payee at its first place", () => {
    // price 1_000, fee 10_000 ppm: fee = 10, rest = 990; curator 200_000 ppm: 198; pool = 792
    //   a (400_000): 792 * 0.4 = 316.8 -> 316, remainder 800_000
    //   b (350_000): 792 * 0.35 = 277.2 -> 277, remainder 200_000
    //   a (250_000): 792 * 0.25 = 198   -> 198, remainder 0
    //   floors 791, dust 1 -> first a: 317; a = 317 + 198 = 515, b = 277
    // total: 10 + 198 + 515 + 277 = 1_000
    const out = splitSale(
      1_000n,
      10_000,
      {
        kind: "portfolio",
        curator: "cur",
        curatorSharePpm: 200_000,
        owners: [
          { address: "a", weightPpm: 400_000 },
          { address: "b", weightPpm: 350_000 },
          { address: "a", weightPpm: 250_000 },
        ],
      },
      POOL,
    );
    assert.deepEqual(out, [
      { address: POOL, role: "protocol", amount: 10n },
      { address: "cur", role: "curator", amount: 198n },
      { address: "a", role: "owner", amount: 515n },
      { address: "b", role: "owner", amount: 277n },
    ]);
  });

  it("a single seller gets everything but the fee", () => {
    // price 1_234_567, fee 25_000 ppm: floor(30_864.175) = 30_864; owner 1_234_567 - 30_864 = 1_203_703
    assert.deepEqual(splitSale(1_234_567n, 25_000, { kind: "single", owner: "o" }, POOL), [
      { address: POOL, role: "protocol", amount: 30_864n },
      { address: "o", role: "owner", amount: 1_203_703n },
    ]);
    // price 39, fee 25_000 ppm: floor(0.975) = 0 -> no protocol payee
    assert.deepEqual(splitSale(39n, 25_000, { kind: "single", owner: "o" }, POOL), [
      { address: "o", role: "owner", amount: 39n },
    ]);
  });

  it("a price of 0 pays no one", () => {
    assert.deepEqual(splitSale(0n, 25_000, { kind: "single", owner: "o" }, POOL), []);
    assert.deepEqual(
      splitSale(
        0n,
        25_000,
        {
          kind: "portfolio",
          curator: "c",
          curatorSharePpm: 100_000,
          owners: [{ address: "a", weightPpm: 1e6 }],
        },
        POOL,
      ),
      [],
    );
  });

  it("refuses caller bugs: weights not summing to 1e6, no owners, bad rates, negative price", () => {
    const port = (owners: Array<{ address: string; weightPpm: number }>, curatorSharePpm = 0): Seller => ({
      kind: "portfolio",
      curator: "c",
      curatorSharePpm,
      owners,
    });
    assert.throws(
      () => splitSale(100n, 0, port([{ address: "a", weightPpm: 999_999 }]), POOL),
      /weights must sum to 1000000, got 999999/,
    );
    assert.throws(
      () =>
        splitSale(
          100n,
          0,
          port([
            { address: "a", weightPpm: 600_000 },
            { address: "b", weightPpm: 400_001 },
          ]),
          POOL,
        ),
      /weights must sum to 1000000, got 1000001/,
    );
    assert.throws(() => splitSale(100n, 0, port([]), POOL), /at least one owner/);
    assert.throws(() => splitSale(100n, 1_000_001, { kind: "single", owner: "o" }, POOL), /protocol fee/);
    assert.throws(() => splitSale(100n, -1, { kind: "single", owner: "o" }, POOL), /protocol fee/);
    assert.throws(
      () => splitSale(100n, 0, port([{ address: "a", weightPpm: 1e6 }], 1.5), POOL),
      /curator share/,
    );
    assert.throws(() => splitSale(-1n, 0, { kind: "single", owner: "o" }, POOL), /non-negative/);
  });

  it("always adds up to the price (seeded random cases)", () => {
    const rnd = prng(0xc1fe7);
    for (let i = 0; i < 2000; i++) {
      const price = BigInt(rnd(1_000_000)) * BigInt(rnd(1_000_000)) + BigInt(rnd(1000));
      const fee = rnd(3) === 0 ? 0 : rnd(1_000_001);
      let seller: Seller;
      if (rnd(4) === 0) seller = { kind: "single", owner: "o" };
      else {
        // n weights summing to 1e6: n-1 random cuts of [0, 1e6]
        const n = 1 + rnd(64);
        const cuts = [0, 1_000_000, ...Array.from({ length: n - 1 }, () => rnd(1_000_001))].sort(
          (a, b) => a - b,
        );
        const owners = Array.from({ length: n }, (_, j) => ({
          address: `o${rnd(Math.max(1, n >> 1))}`, // some owners repeat
          weightPpm: cuts[j + 1]! - cuts[j]!,
        }));
        seller = { kind: "portfolio", curator: "cur", curatorSharePpm: rnd(1_000_001 - fee), owners };
      }
      const out = splitSale(price, fee, seller, POOL);
      assert.equal(sum(out), price, `case ${i}`);
      assert.ok(
        out.every((p) => p.amount > 0n),
        `case ${i}: a zero payee`,
      );
      const owners = out.filter((p) => p.role === "owner").map((p) => p.address);
      assert.equal(new Set(owners).size, owners.length, `case ${i}: an owner paid twice`);
    }
  });
});
