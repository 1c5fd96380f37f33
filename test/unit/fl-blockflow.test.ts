import assert from "node:assert/strict";
import { test } from "node:test";
import { blockflow } from "../../modules/fl/scoring/blockflow.ts";
import { medianBig, medianInt } from "../../modules/fl/scoring/median.ts";

// BlockFlow contribution scoring in fixed point (DESIGN 8.5), against examples computed by hand in
// the comments (millionths, every division floored).

const run = (evaluators: string[], trainers: string[], scores: number[][], same?: Array<[string, string]>) =>
  blockflow({ evaluators, trainers, scores, evaluatorAsTrainer: same ? new Map(same) : undefined });

test("3 evaluators x 3 trainers", () => {
  // m = [900000, 600000, 300000]; m' = m / 900000 = [1000000, 666666, 333333].
  // E1: t = [0, 0, 0], t' = 1000000 each, d = 1000000.
  // E2: t = [100000, 0, 100000], t' = 400000 / 600000 = 666666, d = 666666; E3 likewise.
  // d' = d / 1000000. Nobody both trains and evaluates: p = m'.
  const r = run(
    ["E1", "E2", "E3"],
    ["T0", "T1", "T2"],
    [
      [900_000, 600_000, 300_000],
      [800_000, 600_000, 200_000],
      [1_000_000, 500_000, 300_000],
    ],
  );
  assert.deepEqual(r.median, [900_000, 600_000, 300_000]);
  assert.deepEqual(r.medianNorm, [1_000_000, 666_666, 333_333]);
  assert.deepEqual(r.agreement, [1_000_000, 666_666, 666_666]);
  assert.deepEqual(r.agreementNorm, [1_000_000, 666_666, 666_666]);
  assert.deepEqual(r.contribution, [1_000_000, 666_666, 333_333]);
});

test("1 of 4 evaluators reports 1.0 for the attacker and 0 for the honest: the attacker gets 0", () => {
  // H1: 0, 800000, 800000, 800000 -> (800000 + 800000) / 2 = 800000; H2 the same;
  // A: 0, 0, 0, 1000000 -> 0. m' = [1000000, 1000000, 0] = p.
  // Honest evaluators: t = 0 everywhere, d = 1000000. The liar: t = [800000, 800000, 1000000], all
  // >= 0.5, t' = 0, d = 0. d' = [1000000, 1000000, 1000000, 0].
  const honest = [800_000, 800_000, 0];
  const r = run(["E1", "E2", "E3", "L"], ["H1", "H2", "A"], [honest, honest, honest, [0, 0, 1_000_000]]);
  assert.deepEqual(r.median, [800_000, 800_000, 0]);
  assert.deepEqual(r.contribution, [1_000_000, 1_000_000, 0]);
  assert.deepEqual(r.agreementNorm, [1_000_000, 1_000_000, 1_000_000, 0]);
});

test("2 of 7 evaluators lie: medians hold, the attacker stays near zero, the liars' agreement is 0", () => {
  // H1: 0, 0, 700000 x5 -> the 4th of 7 = 700000; H2 -> 900000; A: 50000 x5, 1000000 x2 -> 50000.
  // m' = [700000e6 / 900000 = 777777, 1000000, 50000e6 / 900000 = 55555].
  // Liars: t on H1 = 700000 >= 0.5 -> d = 0. Honest: t = 0 -> d = 1000000.
  const honest = [700_000, 900_000, 50_000];
  const liar = [0, 0, 1_000_000];
  const r = run(
    ["E1", "E2", "E3", "E4", "E5", "L1", "L2"],
    ["H1", "H2", "A"],
    [honest, honest, honest, honest, honest, liar, liar],
  );
  assert.deepEqual(r.median, [700_000, 900_000, 50_000]);
  assert.deepEqual(r.contribution, [777_777, 1_000_000, 55_555]);
  assert.deepEqual(r.agreementNorm, [1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000, 0, 0]);
});

test("an agent both trainer and evaluator is held to its worst evaluation", () => {
  // E3 is T2 and scores itself 1.0. m: T1 {600000, 600000, 200000} = 600000; T2 {400000, 400000,
  // 1000000} = 400000. m' = [1000000, 400000e6 / 600000 = 666666]. E3: t = [400000, 600000];
  // t' = [100000e6 / 900000 = 111111, 0]; d = 0. d' = [1000000, 1000000, 0].
  // p[T2] = min(666666, d'[E3] = 0) = 0; p[T1] = 1000000.
  const r = run(
    ["E1", "E2", "E3"],
    ["T1", "T2"],
    [
      [600_000, 400_000],
      [600_000, 400_000],
      [200_000, 1_000_000],
    ],
    [["E3", "T2"]],
  );
  assert.deepEqual(r.medianNorm, [1_000_000, 666_666]);
  assert.deepEqual(r.agreement, [1_000_000, 1_000_000, 0]);
  assert.deepEqual(r.contribution, [1_000_000, 0]);
  // Without the link, T2 keeps its m'.
  assert.deepEqual(
    run(
      ["E1", "E2", "E3"],
      ["T1", "T2"],
      [
        [600_000, 400_000],
        [600_000, 400_000],
        [200_000, 1_000_000],
      ],
    ).contribution,
    [1_000_000, 666_666],
  );
});

test("all scores zero: every contribution 0, every evaluator in agreement", () => {
  const r = run(
    ["E1", "E2"],
    ["T1", "T2"],
    [
      [0, 0],
      [0, 0],
    ],
  );
  assert.deepEqual(r.medianNorm, [0, 0]);
  assert.deepEqual(r.contribution, [0, 0]);
  assert.deepEqual(r.agreementNorm, [1_000_000, 1_000_000]);
});

test("an even count: the median is the floor of the middle two's mean", () => {
  // m = (300000 + 600001) / 2 = 450000 (floored); m' = 1000000. t = 150000 and 150001:
  // t' = 350000e6 / 650000 = 538461 and 349999e6 / 650001 = 538459. d' = [1000000, 538459e6 / 538461 = 999996].
  const r = run(["E1", "E2"], ["T"], [[300_000], [600_001]]);
  assert.deepEqual(r.median, [450_000]);
  assert.deepEqual(r.agreement, [538_461, 538_459]);
  assert.deepEqual(r.agreementNorm, [1_000_000, 999_996]);
  assert.equal(medianInt([4, 1, 3, 2]), 2);
  assert.equal(medianBig([5n, 1n, 4n]), 4n);
  assert.throws(() => medianInt([]));
});

test("the evaluators' order does not matter", () => {
  const evaluators = ["E1", "E2", "E3", "L"];
  const rows = [
    [800_000, 700_000, 0],
    [810_000, 690_000, 10_000],
    [790_000, 720_000, 0],
    [0, 0, 1_000_000],
  ];
  const base = run(evaluators, ["H1", "H2", "A"], rows);
  const perm = [3, 1, 0, 2];
  const other = run(
    perm.map((i) => evaluators[i]!),
    ["H1", "H2", "A"],
    perm.map((i) => rows[i]!),
  );
  assert.deepEqual(other.contribution, base.contribution);
  assert.deepEqual(
    perm.map((_, j) => other.agreementNorm[j]),
    perm.map((i) => base.agreementNorm[i]),
  );
});

test("bad input is refused", () => {
  assert.throws(() => run([], ["T"], []), /no evaluators/);
  assert.throws(() => run(["E", "E"], ["T"], [[1], [1]]), /twice/);
  assert.throws(() => run(["E"], ["T"], [[1_000_001]]), /not in 0\.\.1000000/);
  assert.throws(() => run(["E"], ["T"], [[0.5]]), /not in/);
  assert.throws(() => run(["E"], ["T", "U"], [[1]]), /scores 1 trainers/);
});
