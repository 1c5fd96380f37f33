import assert from "node:assert/strict";
import { test } from "node:test";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { Tier } from "../../modules/reputation/proto.ts";
import { isSupermajority, tally } from "../../modules/fl/agreement.ts";
import { eligibleValidators, sampleCommittee, type ValidatorInfo } from "../../modules/fl/committee.ts";
import { roundBudget, splitRound } from "../../modules/fl/rewards.ts";
import { SeededRng, seedOf, splitSubgroups } from "../../modules/fl/sampling.ts";

// Committee sampling and subgroup splitting are pure functions of a block-hash seed: the same on
// every node, different from seed to seed, weighted by stake x reputation, never drawing a validator
// that is not active or is Unreliable.

const WEIGHTS = { trustedWeightPercent: 150n, normalWeightPercent: 100n };
const R = 500_000n;

const v = (operator: string, over: Partial<ValidatorInfo> = {}): ValidatorInfo => ({
  operator,
  bonded: true,
  jailed: false,
  power: 100n,
  tier: Tier.Normal,
  reputation: R,
  ...over,
});

const VALIDATORS: ValidatorInfo[] = [
  v("val-h", { tier: Tier.Trusted, reputation: 900_000n }),
  v("val-a"),
  v("val-b", { power: 300n }),
  v("val-c", { tier: Tier.Initial }),
  v("val-unbonded", { bonded: false }),
  v("val-jailed", { jailed: true }),
  v("val-new", { tier: Tier.New }),
  v("val-unreliable", { tier: Tier.Unreliable, reputation: 200_000n }),
  v("val-no-record", { tier: undefined }),
  v("val-no-power", { power: 0n }),
  v("val-zero-r", { reputation: 0n }),
];
const BAD = new Set(
  VALIDATORS.filter((x) => !["val-a", "val-b", "val-c", "val-h"].includes(x.operator)).map((x) => x.operator),
);

const seed = (i: number) => seedOf(sha256(utf8(`block ${i}`)), 7n, 1, 1, 0, "committee");

test("eligibility: bonded, not jailed, with power and a tier other than New or Unreliable; weight = power x R x tier %", () => {
  const e = eligibleValidators(VALIDATORS, WEIGHTS);
  assert.deepEqual(
    e.map((x) => [x.id, x.weight, x.power]),
    [
      ["val-a", 100n * R, 100n],
      ["val-b", 300n * R, 300n],
      ["val-c", 100n * R, 100n],
      ["val-h", (100n * 900_000n * 150n) / 100n, 100n],
    ],
  );
});

test("sampling is deterministic for a seed, differs across seeds, and never picks an ineligible validator", () => {
  const e = eligibleValidators(VALIDATORS, WEIGHTS);
  const a = sampleCommittee(e, 2, new SeededRng(seed(1)));
  const b = sampleCommittee(e, 2, new SeededRng(seed(1)));
  assert.deepEqual(a, b);
  assert.equal(a.length, 2);
  assert.deepEqual(
    a.map((m) => m.validator),
    [...a.map((m) => m.validator)].sort(),
    "members sorted by operator",
  );
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const c = sampleCommittee(e, 2, new SeededRng(seed(i)));
    assert.equal(new Set(c.map((m) => m.validator)).size, 2, "no member twice");
    for (const m of c) {
      assert.ok(!BAD.has(m.validator), m.validator);
      seen.add(c.map((x) => x.validator).join(","));
    }
  }
  assert.ok(seen.size >= 5, `different seeds give different committees (${seen.size} seen)`);
  // Sampling from the raw list (as if eligibility were skipped) would have produced them.
  assert.ok(VALIDATORS.length > e.length);
});

test("committees follow the weights (statistically, over many seeds)", () => {
  const e = eligibleValidators([v("a"), v("b", { power: 300n }), v("t", { tier: Tier.Trusted })], WEIGHTS);
  // Weights 100 : 300 : 150 (Trusted 150%) of 550.
  const count = new Map<string, number>();
  const N = 3000;
  for (let i = 0; i < N; i++) {
    const [m] = sampleCommittee(e, 1, new SeededRng(seed(i)));
    count.set(m!.validator, (count.get(m!.validator) ?? 0) + 1);
  }
  const share = (id: string) => (count.get(id) ?? 0) / N;
  assert.ok(Math.abs(share("a") - 100 / 550) < 0.03, `a: ${share("a")}`);
  assert.ok(Math.abs(share("b") - 300 / 550) < 0.03, `b: ${share("b")}`);
  assert.ok(Math.abs(share("t") - 150 / 550) < 0.03, `t: ${share("t")}`);
});

test("committee size is capped by the eligible validators; a dispute avoids the original committee while it can", () => {
  const e = eligibleValidators(VALIDATORS, WEIGHTS);
  assert.equal(sampleCommittee(e, 10, new SeededRng(seed(3))).length, 4);
  assert.equal(sampleCommittee(e, 0, new SeededRng(seed(3))).length, 0);
  assert.equal(sampleCommittee([], 3, new SeededRng(seed(3))).length, 0);
  for (let i = 0; i < 50; i++) {
    const avoid = new Set(["val-a", "val-b"]);
    const two = sampleCommittee(e, 2, new SeededRng(seed(i)), avoid);
    assert.deepEqual(two.map((m) => m.validator).sort(), ["val-c", "val-h"]);
    const three = sampleCommittee(e, 3, new SeededRng(seed(i)), avoid);
    assert.equal(three.filter((m) => avoid.has(m.validator)).length, 1, "filled from the avoided ones");
  }
});

test("seeds: one per block hash, task, round, attempt, subgroup and purpose", () => {
  const hash = sha256(utf8("block"));
  const base = seedOf(hash, 1n, 1, 1, 0, "committee");
  const variants = [
    seedOf(sha256(utf8("other block")), 1n, 1, 1, 0, "committee"),
    seedOf(hash, 2n, 1, 1, 0, "committee"),
    seedOf(hash, 1n, 2, 1, 0, "committee"),
    seedOf(hash, 1n, 1, 2, 0, "committee"),
    seedOf(hash, 1n, 1, 1, 1, "committee"),
    seedOf(hash, 1n, 1, 1, 0, "dispute"),
    seedOf(hash, 1n, 1, 1, 0, "split"),
  ];
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  assert.equal(new Set([base, ...variants].map(hex)).size, 8);
  assert.equal(hex(seedOf(hash, 1n, 1, 1, 0, "committee")), hex(base));
});

test("subgroups: deterministic, every updater once, sorted inside, a short last chunk merged", () => {
  const addrs = Array.from({ length: 11 }, (_, i) => `cif1trainer${String(i).padStart(2, "0")}`);
  const rng = () => new SeededRng(seedOf(sha256(utf8("b")), 1n, 1, 0, 0, "split"));
  const g = splitSubgroups(addrs, 4, 3, rng());
  assert.deepEqual(g, splitSubgroups([...addrs].reverse(), 4, 3, rng()), "input order does not matter");
  // 11 = 4 + 4 + 3: the last chunk (3) is not below min 3.
  assert.deepEqual(
    g.map((x) => x.length),
    [4, 4, 3],
  );
  for (const x of g) assert.deepEqual(x, [...x].sort());
  assert.deepEqual(g.flat().sort(), addrs);
  // With min 4 the last 3 join the group before.
  assert.deepEqual(
    splitSubgroups(addrs, 4, 4, rng()).map((x) => x.length),
    [4, 7],
  );
  assert.deepEqual(splitSubgroups(addrs, 0, 1, rng()), [addrs], "size 0: one group");
  assert.deepEqual(splitSubgroups(addrs, 11, 1, rng()), [addrs], "size >= n: one group");
  const other = splitSubgroups(addrs, 4, 3, new SeededRng(seedOf(sha256(utf8("c")), 1n, 1, 0, 0, "split")));
  assert.notDeepEqual(other, g, "another seed, another split");
});

test("agreement: > 2/3 of the committee size on one (hash, excluded)", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 7].map((n) => Array.from({ length: n + 1 }, (_, c) => c).find((c) => isSupermajority(c, n))),
    [1, 2, 3, 3, 5],
  );
  const rep = (validator: string, hash: string, excluded: string[] = []) => ({
    validator,
    cid: "",
    hash,
    excluded,
    height: 1n,
  });
  assert.equal(tally([rep("a", "x"), rep("b", "x")], 4).final, false);
  const t = tally([rep("d", "y"), rep("a", "x"), rep("b", "x"), rep("c", "x")], 4);
  assert.equal(t.final, true);
  assert.deepEqual(t.agreed, ["a", "b", "c"]);
  assert.equal(t.winner?.hash, "x");
  // The same hash with another excluded set is another result.
  assert.equal(tally([rep("a", "x"), rep("b", "x", ["p"]), rep("c", "x")], 3).final, false);
});

test("rewards: budgets add up to the pool; fee and trainer shares round down", () => {
  const pool = 1_000_003n;
  assert.equal(
    [1, 2, 3].reduce((s, r) => s + roundBudget(pool, 3, r), 0n),
    pool,
  );
  assert.equal(roundBudget(pool, 3, 3), 333_335n);
  const p = splitRound(
    333_334n,
    100_000,
    ["v2", "v1", "v2"],
    [
      { address: "t1", weight: 1n },
      { address: "t2", weight: 2n },
    ],
  );
  assert.equal(p.fee, 33_333n);
  assert.deepEqual(p.committee, [
    { address: "v1", amount: 11_111n },
    { address: "v2", amount: 22_222n },
  ]);
  assert.deepEqual(p.trainers, [
    { address: "t1", amount: 100_000n },
    { address: "t2", amount: 200_000n },
  ]);
  assert.ok(p.total <= 333_334n);
});
