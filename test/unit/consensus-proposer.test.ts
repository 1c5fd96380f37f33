import assert from "node:assert/strict";
import { test } from "node:test";
import { RoundProposers, ValidatorSet } from "../../chain/consensus/engine/proposer.ts";
import { utf8 } from "../../chain/crypto/hash.ts";
import type { Validator } from "../../chain/types/block.ts";

const val = (name: string, power: bigint): Validator => ({
  address: utf8(name),
  pubKey: new Uint8Array(32),
  votingPower: power,
  name,
});
const addr = (b: number) => ({ address: new Uint8Array(20).fill(0).map((_, i) => (i === 19 ? b : 0)) });

test("proposer sequence equals CometBFT's TestProposerSelection1", () => {
  const set = ValidatorSet.fromGenesis([val("foo", 1000n), val("bar", 300n), val("baz", 330n)]);
  const seen: string[] = [];
  for (let i = 0; i < 99; i++) {
    seen.push(set.proposer.name!);
    set.incrementProposerPriority(1);
  }
  const expected =
    "foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar" +
    " foo foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar" +
    " foo baz foo foo bar foo baz foo foo bar foo baz foo foo foo baz bar foo foo foo baz" +
    " foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo" +
    " foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo";
  assert.equal(seen.join(" "), expected);
});

test("hand-computed priorities for powers 1, 2, 3: C B A C B C, then again", () => {
  // Start 0,0,0. Each step: everyone += power, the highest (ties: lower address) -= total (6).
  //   +1,2,3 -> C: [1, 2, -3]   +2,4,0 -> B: [2, -2, 0]   +3,0,3 -> A (tie, lower address): [-3, 0, 3]
  //   +(-2,2,6) -> C: [-2, 2, 0]   +(-1,4,3) -> B: [-1, -2, 3]   +(0,0,6) -> C: [0, 0, 0]
  const set = ValidatorSet.fromGenesis([
    { ...addr(1), pubKey: new Uint8Array(32), votingPower: 1n, name: "A" },
    { ...addr(2), pubKey: new Uint8Array(32), votingPower: 2n, name: "B" },
    { ...addr(3), pubKey: new Uint8Array(32), votingPower: 3n, name: "C" },
  ]);
  const expected: [string, bigint[]][] = [
    ["C", [1n, 2n, -3n]],
    ["B", [2n, -2n, 0n]],
    ["A", [-3n, 0n, 3n]],
    ["C", [-2n, 2n, 0n]],
    ["B", [-1n, -2n, 3n]],
    ["C", [0n, 0n, 0n]],
    ["C", [1n, 2n, -3n]],
  ];
  for (const [name, priorities] of expected) {
    assert.equal(set.proposer.name, name);
    assert.deepEqual(set.priorities, priorities);
    set.incrementProposerPriority(1);
  }
});

test("priorities are rescaled to 2 x total power and centred (floor average, truncating division)", () => {
  const two = (a: bigint, b: bigint) =>
    ValidatorSet.withPriorities(
      [
        { ...addr(1), pubKey: new Uint8Array(32), votingPower: 1n },
        { ...addr(2), pubKey: new Uint8Array(32), votingPower: 1n },
      ],
      [a, b],
    );
  // diff 200 > diffMax 4: ratio ceil(200/4) = 50 -> [2, -2]; average 0; +1 each -> [3, -1]; A pays 2.
  let s = two(100n, -100n);
  s.incrementProposerPriority(1);
  assert.deepEqual([s.priorities, s.proposerIndex], [[1n, -1n], 0]);
  // diff 6 > 4: ratio 2 -> [3, 0]; average floor(3/2) = 1 -> [2, -1]; +1 -> [3, 0]; A pays 2.
  s = two(7n, 1n);
  s.incrementProposerPriority(1);
  assert.deepEqual([s.priorities, s.proposerIndex], [[1n, 0n], 0]);
  // no rescale; average floor(-3/2) = -2 (Go's big.Int Div) -> [-1, 2]; +1 -> [0, 3]; B pays 2.
  s = two(-3n, 0n);
  s.incrementProposerPriority(1);
  assert.deepEqual([s.priorities, s.proposerIndex], [[0n, 1n], 1]);
  // diff 12 > 4: ratio 3, -7/3 truncates to -2 -> [-2, 1]; average floor(-1/2) = -1 -> [-1, 2]; +1 -> [0, 3].
  s = two(-7n, 5n);
  s.incrementProposerPriority(1);
  assert.deepEqual([s.priorities, s.proposerIndex], [[0n, 1n], 1]);
});

test("equal powers go round robin by address; rounds continue the rotation within a height", () => {
  const vals = [3, 1, 4, 2].map((b) => ({ ...addr(b), pubKey: new Uint8Array(32), votingPower: 10n }));
  const set = ValidatorSet.fromGenesis(vals);
  const rounds = new RoundProposers(set);
  // Addresses 1,2,3,4 sit at indexes 1,3,0,2.
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((r) => rounds.indexAt(r)),
    [1, 3, 0, 2, 1, 3],
  );
  // The next height starts one step further, whatever rounds this height went through.
  assert.equal(set.next().proposerIndex, 3);
  assert.equal(set.next().next().proposerIndex, 0);
  // Round r of a height is the height's set incremented r times.
  const c = set.copy();
  for (let r = 1; r <= 5; r++) {
    c.incrementProposerPriority(1);
    assert.equal(rounds.indexAt(r), c.proposerIndex);
  }
});

test("a validator with most of the power proposes in proportion to it", () => {
  const set = ValidatorSet.fromGenesis([
    { ...addr(1), pubKey: new Uint8Array(32), votingPower: 4n },
    { ...addr(2), pubKey: new Uint8Array(32), votingPower: 5n },
    { ...addr(3), pubKey: new Uint8Array(32), votingPower: 3n },
  ]);
  const counts = [0, 0, 0];
  for (let i = 0; i < 120; i++) {
    counts[set.proposerIndex]!++;
    set.incrementProposerPriority(1);
  }
  assert.deepEqual(counts, [40, 50, 30]); // CometBFT's TestProposerSelection2
});

test("invalid sets are refused", () => {
  assert.throws(() => ValidatorSet.fromGenesis([]));
  assert.throws(() => ValidatorSet.fromGenesis([val("a", 0n)]));
  assert.throws(() => ValidatorSet.fromGenesis([val("a", 1n << 61n)]));
  assert.throws(() => ValidatorSet.fromGenesis([val("a", 1n)]).incrementProposerPriority(0));
});
