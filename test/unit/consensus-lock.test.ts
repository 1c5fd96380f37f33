import assert from "node:assert/strict";
import { test } from "node:test";
import { RoundStep } from "../../chain/consensus/engine/types.ts";
import {
  EngineHarness,
  isNil,
  sameId,
  SignedMsgType,
  sentVotes,
  type TestBlock,
  TimeoutStep,
} from "../sim/engine-harness.ts";

// Hand-built scenarios for the locking rules of Algorithm 1. Validator 0 (power 1) runs the engine;
// validators 1, 2, 3 have power 3 each: a quorum (> 2/3 of 10) is 7, f + 1 (> 1/3) is 4.
// Proposers by round: 1, 3, 2, 0 (us), 1, 3, 2, ...

const PV = SignedMsgType.Prevote;
const PC = SignedMsgType.Precommit;

function harness() {
  const h = new EngineHarness([1n, 3n, 3n, 3n], 0);
  assert.deepEqual(
    [0, 1, 2, 3].map((r) => h.proposerAt(r)),
    [1, 3, 2, 0],
  );
  h.start();
  return h;
}

/** Round 0: proposal v, polka for v: we lock on v. */
function lockOnV(h: EngineHarness): TestBlock {
  const v = h.block("v");
  h.send(h.proposal(0, -1, v));
  h.send(h.votes([1, 2, 3], PV, 0, v));
  assert.equal(h.engine.lockedRound, 0);
  return v;
}

/** Nil precommits from validators 1 and 2 (power 6 > 1/3) in `round`: the f + 1 rule moves us there. */
function skipTo(h: EngineHarness, round: number) {
  h.send(h.votes([1, 2], PC, round, null));
  assert.equal(h.engine.round, round);
}

test("L22-27: an unlocked validator prevotes a valid proposal, and nil for an invalid one", () => {
  let h = harness();
  const v = h.block("v");
  const effects = h.send(h.proposal(0, -1, v));
  const [vote] = sentVotes(effects);
  assert.ok(vote && vote.type === PV && sameId(vote.blockId, v.id));
  assert.equal(h.engine.step, RoundStep.Prevote);

  h = harness();
  const bad = h.block("bad");
  h.invalidate(bad);
  const [nil] = sentVotes(h.send(h.proposal(0, -1, bad)));
  assert.ok(nil && isNil(nil), "valid(v) is false: prevote nil");
});

test("L36-43: a polka for the proposal locks it, precommits it and makes it the valid value", () => {
  const h = harness();
  const v = h.block("v");
  h.send(h.proposal(0, -1, v));
  const effects = h.send(h.votes([1, 2, 3], PV, 0, v));
  const [precommit] = sentVotes(effects);
  assert.ok(precommit && precommit.type === PC && sameId(precommit.blockId, v.id));
  assert.equal(h.engine.step, RoundStep.Precommit);
  assert.deepEqual([h.engine.lockedRound, h.engine.validRound], [0, 0]);
  assert.ok(sameId(h.engine.lockedBlockId!, v.id) && sameId(h.engine.validBlockId!, v.id));
});

test("L44-46: a nil polka precommits nil and leaves the lock alone", () => {
  const h = harness();
  h.send(h.proposal(0, -1, h.block("v")));
  const [precommit] = sentVotes(h.send(h.votes([1, 2, 3], PV, 0, null)));
  assert.ok(precommit && precommit.type === PC && isNil(precommit));
  assert.equal(h.engine.lockedRound, -1);
});

test("L23: once locked, a new block proposed without a proof-of-lock gets a nil prevote; the locked one gets ours", () => {
  const h = harness();
  const v = lockOnV(h);
  skipTo(h, 1);
  const w = h.block("w");
  const [nil] = sentVotes(h.send(h.proposal(1, -1, w)));
  assert.ok(nil && isNil(nil), "locked on v: nil for w");
  skipTo(h, 2);
  const [forV] = sentVotes(h.send(h.proposal(2, -1, v)));
  assert.ok(forV && sameId(forV.blockId, v.id), "lockedValue = v: prevote v");
});

test("L28-29: a proof-of-lock from a round at or after our lock round unlocks; an older one does not", () => {
  // Locked on v in round 0; w has a polka in round 1 (we missed it); round 2 re-proposes w with vr = 1.
  let h = harness();
  lockOnV(h);
  const w = h.block("w");
  const pol = h.votes([1, 2, 3], PV, 1, w);
  skipTo(h, 2);
  h.send(pol);
  const [forW] = sentVotes(h.send(h.proposal(2, 1, w)));
  assert.ok(forW && sameId(forW.blockId, w.id), "lockedRound 0 <= vr 1: prevote w");

  // The proposal alone, before the polka of vr arrives, waits (L28 needs both).
  h = harness();
  lockOnV(h);
  skipTo(h, 2);
  assert.deepEqual(sentVotes(h.send(h.proposal(2, 1, w))), []);
  assert.equal(h.engine.step, RoundStep.Propose);
  const [late] = sentVotes(h.send(h.votes([1, 2, 3], PV, 1, w)));
  assert.ok(late && sameId(late.blockId, w.id));

  // Locked on v in round 1; w's proof-of-lock is from round 0: older than the lock, prevote nil.
  h = harness();
  const v = h.block("v");
  skipTo(h, 1);
  h.send(h.proposal(1, -1, v));
  h.send(h.votes([1, 2, 3], PV, 1, v));
  assert.equal(h.engine.lockedRound, 1);
  h.send(h.votes([1, 2, 3], PV, 0, w));
  skipTo(h, 2);
  const [nil] = sentVotes(h.send(h.proposal(2, 0, w)));
  assert.ok(nil && isNil(nil), "lockedRound 1 > vr 0 and w != v: nil");
});

test("the lock moves only with a newer polka seen in the prevote step (L36-41)", () => {
  const h = harness();
  const v = lockOnV(h);
  skipTo(h, 1);
  const w = h.block("w");
  h.send(h.proposal(1, -1, w)); // we prevote nil: locked on v
  assert.ok(sameId(h.engine.lockedBlockId!, v.id));
  const [pc] = sentVotes(h.send(h.votes([1, 2, 3], PV, 1, w)));
  assert.ok(pc && pc.type === PC && sameId(pc.blockId, w.id), "polka for w in round 1: precommit w");
  assert.deepEqual([h.engine.lockedRound, h.engine.validRound], [1, 1]);
  assert.ok(sameId(h.engine.lockedBlockId!, w.id));
});

test("L36 in the precommit step updates the valid value only", () => {
  const h = harness();
  const v = h.block("v");
  h.send(h.proposal(0, -1, v));
  h.timeout(TimeoutStep.Propose, 0); // ignored: we already prevoted
  h.send(h.votes([1, 2], PV, 0, null)); // 6 + our 1 = 7: +2/3 of any prevotes
  h.timeout(TimeoutStep.Prevote, 0); // precommit nil
  assert.equal(h.engine.step, RoundStep.Precommit);
  h.send(h.vote(3, PV, 0, v)); // now 3 + 1 = 4 for v: no polka yet
  h.send(h.vote(2, PV, 0, v, { tsOffset: 1 })); // an equivocation by 2, counted for v (we hold its proposal)
  assert.deepEqual([h.engine.lockedRound, h.engine.validRound], [-1, 0]);
  assert.ok(sameId(h.engine.validBlockId!, v.id));
});

test("L15-19: a proposer with a valid value re-proposes it with its round and sends the proof-of-lock", () => {
  const h = harness();
  const v = lockOnV(h);
  const effects = h.send(h.votes([1, 2], PV, 3, null)); // skip to round 3, where we propose
  assert.equal(h.engine.round, 3);
  const sent = effects.filter((e) => e.kind === "broadcast");
  const proposal = sent[0]?.kind === "broadcast" ? sent[0].message : undefined;
  assert.ok(proposal?.kind === "proposal");
  assert.equal(proposal.proposal.polRound, 0);
  assert.ok(sameId(proposal.proposal.blockId, v.id));
  const pol = sentVotes(sent.slice(1)).filter((x) => x.round === 0);
  assert.deepEqual(
    pol.map((x) => x.validatorIndex),
    [0, 1, 2, 3],
    "the prevotes of round 0 for v follow the proposal",
  );
});
