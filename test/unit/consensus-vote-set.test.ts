import assert from "node:assert/strict";
import { test } from "node:test";
import { buildCommit } from "../../chain/consensus/engine/commit.ts";
import { EngineErrorCode } from "../../chain/consensus/engine/errors.ts";
import { duplicateVoteEvidence } from "../../chain/consensus/engine/evidence.ts";
import { blockKey, NIL_KEY } from "../../chain/consensus/engine/ids.ts";
import { VoteSet } from "../../chain/consensus/engine/vote-set.ts";
import { verifyCommit } from "../../chain/consensus/verify-commit.ts";
import { verifyEd25519 } from "../../chain/crypto/ed25519.ts";
import { verifyDuplicateVote } from "../../chain/evidence/verify.ts";
import { BlockIDFlag } from "../../chain/types/block.ts";
import { SignedMsgType } from "../../chain/types/vote.ts";
import { EngineHarness } from "../sim/engine-harness.ts";
import { SIM_CHAIN_ID } from "../sim/sim-chain.ts";

const PV = SignedMsgType.Prevote;
const PC = SignedMsgType.Precommit;

function setup(powers: bigint[], type: SignedMsgType = PV) {
  const h = new EngineHarness(powers, 0);
  const total = powers.reduce((a, b) => a + b, 0n);
  const set = new VoteSet(SIM_CHAIN_ID, 1n, 0, type, h.validators, total);
  return { h, set, v: h.block("v"), w: h.block("w") };
}

test("a majority is more than 2/3 of the voting power, not of the validators", () => {
  // Powers 10, 1, 1, 1: the first validator alone holds 10/13 > 2/3.
  let { h, set, v } = setup([10n, 1n, 1n, 1n]);
  for (const i of [1, 2, 3]) assert.equal(set.add(h.vote(i, PV, 0, v).vote).status, "added");
  assert.equal(set.majority(), undefined, "three of four validators, 3/13 of the power");
  assert.equal(set.hasTwoThirdsAny(), false);
  set.add(h.vote(0, PV, 0, v).vote);
  assert.equal(set.majority()?.key, blockKey(v.id));

  // Powers 5, 5, 5, 1 (16): 5 + 5 = 10 is not > 32/3; 5 + 5 + 1 = 11 is.
  ({ h, set, v } = setup([5n, 5n, 5n, 1n]));
  set.add(h.vote(0, PV, 0, v).vote);
  set.add(h.vote(1, PV, 0, v).vote);
  assert.equal(set.majority(), undefined);
  set.add(h.vote(3, PV, 0, v).vote);
  assert.equal(set.majority()?.key, blockKey(v.id));
});

test("exactly 2/3 is not a quorum; +2/3 of any votes is tracked apart from a block majority", () => {
  const { h, set, v } = setup([1n, 1n, 1n]);
  set.add(h.vote(0, PV, 0, v).vote);
  set.add(h.vote(1, PV, 0, null).vote);
  assert.equal(set.hasTwoThirdsAny(), false, "2 of 3 is exactly 2/3");
  set.add(h.vote(2, PV, 0, null).vote);
  assert.equal(set.hasTwoThirdsAny(), true);
  assert.equal(set.majority(), undefined, "1 for v, 2 for nil: no +2/3 for anything");
  assert.equal(set.powerFor(NIL_KEY), 2n);
});

test("nil majorities are reported as such", () => {
  const { h, set } = setup([1n, 1n, 1n, 1n]);
  for (const i of [0, 1, 2]) set.add(h.vote(i, PV, 0, null).vote);
  assert.deepEqual(set.majority(), { key: NIL_KEY, blockId: null });
});

test("invalid signatures, other chains and non-validators are refused with a reason", () => {
  const { h, set, v } = setup([1n, 1n, 1n, 1n]);
  const forged = h.vote(1, PV, 0, v, { key: h.keys[2] });
  assert.deepEqual(set.add(forged.vote), {
    status: "invalid",
    code: EngineErrorCode.InvalidSignature,
    reason: "invalid vote signature",
  });
  const otherChain = h.vote(1, PV, 0, v, { chainId: "another-chain" });
  assert.equal((set.add(otherChain.vote) as { code: string }).code, EngineErrorCode.InvalidSignature);
  const wrongIndex = h.vote(1, PV, 0, v);
  wrongIndex.vote.validatorIndex = 2;
  assert.equal((set.add(wrongIndex.vote) as { code: string }).code, EngineErrorCode.NotValidator);
  const outOfRange = h.vote(1, PV, 0, v);
  outOfRange.vote.validatorIndex = 9;
  assert.equal((set.add(outOfRange.vote) as { code: string }).code, EngineErrorCode.NotValidator);
  assert.equal(set.all().length, 0, "nothing was counted");
  assert.equal(set.add(h.vote(1, PV, 0, v).vote).status, "added", "the genuine vote still counts");
});

test("every new vote is verified; only a byte-identical copy is skipped", () => {
  const h = new EngineHarness([1n, 1n, 1n, 1n], 0);
  let calls = 0;
  const counting = (p: Uint8Array, m: Uint8Array, s: Uint8Array) => {
    calls++;
    return verifyEd25519(p, m, s);
  };
  const set = new VoteSet(SIM_CHAIN_ID, 1n, 0, PV, h.validators, 4n, counting);
  const v = h.block("v");
  const vote = h.vote(1, PV, 0, v).vote;
  set.add(vote);
  assert.equal(set.add({ ...vote }).status, "duplicate");
  assert.equal(calls, 1);
  // Same block, other timestamp (a re-signed vote): verified, then ignored.
  assert.equal(set.add(h.vote(1, PV, 0, v, { tsOffset: 5 }).vote).status, "duplicate");
  assert.equal(calls, 2);
});

test("two signed votes for different blocks are an equivocation: evidence as CometBFT builds it", () => {
  const { h, set, v, w } = setup([1n, 1n, 1n, 1n]);
  const a = h.vote(2, PV, 0, v).vote;
  const b = h.vote(2, PV, 0, w).vote;
  set.add(a);
  const res = set.add(b);
  assert.equal(res.status, "conflict");
  if (res.status !== "conflict") return;
  assert.equal(res.existing, a);
  assert.equal(res.counted, false, "not counted: we hold no proposal of w");
  assert.equal(set.powerFor(blockKey(w.id)), 0n);
  const ev = duplicateVoteEvidence(res.existing, b, 1n, 4n, h.ts());
  verifyDuplicateVote(SIM_CHAIN_ID, ev, h.validators);
  // Either order of detection gives the same evidence (ordered by BlockID key).
  const again = duplicateVoteEvidence(b, a, 1n, 4n, h.ts());
  assert.deepEqual([again.voteA, again.voteB], [ev.voteA, ev.voteB]);
  // A forged "conflicting" vote is just an invalid signature.
  const forged = h.vote(2, PV, 0, w, { key: h.keys[3] }).vote;
  assert.equal(set.add(forged).status, "invalid");
});

test("an equivocator's second vote counts for a block we want (a proof-of-lock through it)", () => {
  const { h, set, v } = setup([1n, 1n, 1n, 1n]);
  set.add(h.vote(3, PV, 0, null).vote);
  const want = (key: string) => key === blockKey(v.id);
  for (const i of [0, 1]) set.add(h.vote(i, PV, 0, v).vote, want);
  const res = set.add(h.vote(3, PV, 0, v).vote, want);
  assert.equal(res.status === "conflict" && res.counted, true);
  assert.equal(set.majority()?.key, blockKey(v.id));
  assert.deepEqual(
    set.votesFor(blockKey(v.id)).map((x) => x.validatorIndex),
    [0, 1, 3],
  );
  assert.equal(set.powerFor(NIL_KEY), 1n, "its first vote still counts for nil");
  assert.equal(set.all().length, 3, "one first vote per validator");
});

test("a commit lists one signature per validator in set order: commit, nil or absent", () => {
  const { h, v, w } = setup([5n, 3n, 1n, 1n, 1n], PC);
  const set = new VoteSet(SIM_CHAIN_ID, 1n, 0, PC, h.validators, 11n);
  set.add(h.vote(0, PC, 0, v).vote);
  set.add(h.vote(1, PC, 0, v).vote);
  set.add(h.vote(2, PC, 0, null).vote);
  set.add(h.vote(3, PC, 0, w).vote);
  assert.equal(set.majority()?.key, blockKey(v.id), "8 of 11");
  const commit = buildCommit(set, v.id);
  assert.deepEqual(
    commit.signatures.map((s) => s.blockIdFlag),
    [
      BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
      BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
      BlockIDFlag.BLOCK_ID_FLAG_NIL,
      BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
      BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
    ],
  );
  assert.equal(commit.signatures[3]!.validatorAddress.length, 0);
  assert.equal(commit.signatures[3]!.timestamp.seconds, -62135596800n);
  verifyCommit(SIM_CHAIN_ID, h.validators, v.id, 1n, commit);
});
