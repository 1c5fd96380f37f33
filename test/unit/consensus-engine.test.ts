import assert from "node:assert/strict";
import { test } from "node:test";
import { EngineErrorCode } from "../../chain/consensus/engine/errors.ts";
import { type Effect, RoundStep } from "../../chain/consensus/engine/types.ts";
import { verifyCommit } from "../../chain/consensus/verify-commit.ts";
import { verifyDuplicateVote } from "../../chain/evidence/verify.ts";
import { BlockIDFlag } from "../../chain/types/block.ts";
import {
  EngineHarness,
  isNil,
  sameId,
  SignedMsgType,
  sentVotes,
  TimeoutStep,
} from "../sim/engine-harness.ts";
import { SIM_CHAIN_ID } from "../sim/sim-chain.ts";

// The engine's behaviour around the locking rules: timeouts, rounds, decisions, evidence, refusals.
// Validator 0 (power 1) runs the engine; 1, 2, 3 have power 3: quorum 7, f + 1 = 4.

const PV = SignedMsgType.Prevote;
const PC = SignedMsgType.Precommit;

function harness(timeouts = {}) {
  const h = new EngineHarness([1n, 3n, 3n, 3n], 0, { timeouts });
  return { h, started: h.start() };
}

const schedules = (effects: Effect[]) =>
  effects.flatMap((e) => (e.kind === "schedule" ? [[e.step, e.round, e.ms] as const] : []));

test("timeouts grow with the round and drive propose -> prevote -> precommit -> next round", () => {
  const { h, started } = harness();
  assert.deepEqual(schedules(started), [[TimeoutStep.Propose, 0, 1000]]);
  // L57-60: no proposal in time: prevote nil.
  const [pv] = sentVotes(h.timeout(TimeoutStep.Propose, 0));
  assert.ok(pv && pv.type === PV && isNil(pv));
  // L34-35: +2/3 of any prevotes (nil 1 + v 3 + v 3) schedules the prevote timeout.
  const v = h.block("v");
  const wait = h.send(h.votes([1, 2], PV, 0, v));
  assert.deepEqual(schedules(wait), [[TimeoutStep.Prevote, 0, 500]]);
  // L61-64: precommit nil when it fires.
  const [pc] = sentVotes(h.timeout(TimeoutStep.Prevote, 0));
  assert.ok(pc && pc.type === PC && isNil(pc));
  // L47-48 then L65-67: +2/3 of any precommits, the timeout, round 1 with longer timeouts.
  assert.deepEqual(schedules(h.send(h.votes([1, 2], PC, 0, null))), [[TimeoutStep.Precommit, 0, 700]]);
  const next = h.timeout(TimeoutStep.Precommit, 0);
  assert.equal(h.engine.round, 1);
  assert.deepEqual(schedules(next), [[TimeoutStep.Propose, 1, 1100]]);
  // Stale timeouts change nothing.
  assert.deepEqual(h.timeout(TimeoutStep.Prevote, 0), []);
  assert.deepEqual(h.timeout(TimeoutStep.Propose, 0, 7n), []);
  h.timeout(TimeoutStep.Propose, 1);
  h.send(h.votes([1, 2, 3], PV, 1, null));
  h.send(h.votes([1, 2], PC, 1, null));
  h.timeout(TimeoutStep.Precommit, 1);
  assert.equal(h.engine.round, 2);
});

test("L55: votes from more than 1/3 of the power in a later round move us there", () => {
  const { h } = harness();
  h.send(h.vote(1, PV, 5, null));
  assert.equal(h.engine.round, 0, "3 of 10 is not more than 1/3");
  const effects = h.send(h.vote(2, PC, 5, null));
  assert.equal(h.engine.round, 5);
  assert.equal(h.engine.step, RoundStep.Propose);
  assert.deepEqual(schedules(effects), [[TimeoutStep.Propose, 5, 1500]]);
});

test("L49: +2/3 precommits for a block decide it, in any round, with a commit in validator order", () => {
  const { h } = harness();
  const v = h.block("v");
  h.send(h.proposal(0, -1, v));
  // Precommits of round 0 arrive while we are already in round 2.
  h.send(h.votes([1, 2], PC, 2, null));
  assert.equal(h.engine.round, 2);
  assert.equal(sentVotes(h.send(h.vote(1, PC, 0, v))).length, 0);
  assert.equal(h.send(h.vote(2, PC, 0, v)).filter((e) => e.kind === "commit").length, 0, "6 of 10");
  const effects = h.send(h.vote(3, PC, 0, v));
  const commits = effects.filter((e) => e.kind === "commit");
  assert.equal(commits.length, 1);
  const c = commits[0]!;
  if (c.kind !== "commit") return;
  assert.equal(c.round, 0);
  assert.ok(sameId(c.blockId, v.id));
  assert.deepEqual(
    c.commit.signatures.map((s) => s.blockIdFlag),
    [
      BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
      BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
      BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
      BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
    ],
  );
  verifyCommit(SIM_CHAIN_ID, h.validators, c.blockId, 1n, c.commit);
  assert.equal(h.engine.step, RoundStep.Commit);
  assert.deepEqual(sentVotes(h.timeout(TimeoutStep.Precommit, 2)), [], "decided: the round machine stops");

  // L52-54 once the host applied it: height 2, round 0, the WAL starts the new height.
  h.chain.apply({ block: c.block, bytes: c.blockBytes, blockId: c.blockId, commit: c.commit });
  const next = h.engine.handle({ kind: "applied", height: 1n });
  assert.deepEqual(next[0], { kind: "wal", entry: { kind: "height", height: 2n }, sync: true });
  assert.deepEqual([h.engine.height, h.engine.round, h.engine.lockedRound], [2n, 0, -1]);
});

test("no decision without the block: the precommits wait for its proposal", () => {
  const { h } = harness();
  const v = h.block("v");
  assert.equal(h.send(h.votes([1, 2, 3], PC, 0, v)).filter((e) => e.kind === "commit").length, 0);
  assert.equal(h.send(h.proposal(0, -1, v)).filter((e) => e.kind === "commit").length, 1);
});

test("an invalid block is never decided, whatever the precommits say", () => {
  const { h } = harness();
  const v = h.block("v");
  h.invalidate(v);
  h.send(h.proposal(0, -1, v));
  assert.equal(h.send(h.votes([1, 2, 3], PC, 0, v)).filter((e) => e.kind === "commit").length, 0);
});

test("an equivocation is reported once, as verifiable DuplicateVoteEvidence", () => {
  const { h } = harness();
  const v = h.block("v");
  const w = h.block("w");
  h.send(h.vote(2, PV, 0, v));
  const first = h.send(h.vote(2, PV, 0, w)).filter((e) => e.kind === "evidence");
  assert.equal(first.length, 1);
  const ev = first[0]!;
  if (ev.kind !== "evidence") return;
  verifyDuplicateVote(SIM_CHAIN_ID, ev.evidence, h.validators);
  assert.equal(ev.evidence.validatorPower, 3n);
  assert.equal(ev.evidence.totalVotingPower, 10n);
  const more = [
    ...h.send(h.vote(2, PV, 0, null)),
    ...h.send(h.vote(2, PV, 0, w)),
    ...h.send(h.vote(2, PV, 0, v)),
  ];
  assert.equal(more.filter((e) => e.kind === "evidence").length, 0);
  const other = h.send([h.vote(2, PC, 0, v), h.vote(2, PC, 0, w)]).filter((e) => e.kind === "evidence");
  assert.equal(other.length, 1, "a precommit equivocation is another one");
});

test("faulty messages are refused and their sender reported; nothing else changes", () => {
  const { h } = harness();
  const v = h.block("v");
  const blame = (effects: Effect[]) =>
    effects.flatMap((e) => (e.kind === "peer-error" ? [[e.peer, e.code] as const] : []));
  assert.deepEqual(blame(h.send(h.vote(1, PV, 0, v, { key: h.keys[2] }), "p1")), [
    ["p1", EngineErrorCode.InvalidSignature],
  ]);
  assert.deepEqual(blame(h.send(h.vote(1, PV, 0, v, { chainId: "other" }), "p1")), [
    ["p1", EngineErrorCode.InvalidSignature],
  ]);
  const stranger = h.vote(1, PV, 0, v);
  stranger.vote.validatorAddress = new Uint8Array(20).fill(7);
  assert.deepEqual(blame(h.send(stranger, "p2")), [["p2", EngineErrorCode.NotValidator]]);
  assert.deepEqual(blame(h.send(h.proposal(0, -1, v, 2), "p3")), [["p3", EngineErrorCode.InvalidSignature]]);
  const tampered = h.proposal(0, -1, v);
  tampered.block = h.block("other").bytes;
  assert.deepEqual(blame(h.send(tampered, "p4")), [["p4", EngineErrorCode.BlockMismatch]]);
  assert.equal(h.engine.step, RoundStep.Propose, "none of it counted");
  // Old heights are ignored, not punished; our own relayed messages (from = null) are never blamed.
  assert.deepEqual(blame(h.send(h.vote(1, PV, 0, null, { height: 5n }), "p5")), []);
  assert.deepEqual(blame(h.send(h.vote(1, PV, 0, v, { key: h.keys[2] }), null)), []);
});

test("our own message is written to the WAL (fsync) right before it is sent", () => {
  const { h } = harness();
  const effects = h.send(h.proposal(0, -1, h.block("v")));
  const i = effects.findIndex((e) => e.kind === "broadcast");
  const wal = effects[i - 1];
  assert.ok(wal?.kind === "wal" && wal.sync && wal.entry.kind === "message" && wal.entry.own);
  assert.ok(
    effects.slice(0, i - 1).every((e) => e.kind === "wal" && !e.sync),
    "the proposal that led to it is logged first",
  );
});

test("messages for the next height wait for it; a follower without a key decides too", () => {
  const h = new EngineHarness([1n, 3n, 3n, 3n], null);
  h.start();
  const v = h.block("v");
  h.send(h.proposal(0, -1, v));
  const effects = h.send(h.votes([1, 2, 3], PC, 0, v));
  const c = effects.find((e) => e.kind === "commit");
  assert.ok(c?.kind === "commit");
  assert.equal(sentVotes(effects).length, 0, "a follower signs nothing");
  // Votes for height 2 arrive before we applied height 1.
  const early = [1, 2].map((i) => h.vote(i, PV, 3, null, { height: 2n }));
  h.send(early);
  h.chain.apply({ block: c.block, bytes: c.blockBytes, blockId: c.blockId, commit: c.commit });
  h.engine.handle({ kind: "applied", height: 1n });
  assert.deepEqual(
    [h.engine.height, h.engine.round],
    [2n, 3],
    "the buffered votes moved height 2 to round 3",
  );
});
