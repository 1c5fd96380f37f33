import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vote } from "cosmjs-types/tendermint/types/types";
import { ed25519Address, generateEd25519, signEd25519 } from "../../chain/crypto/ed25519.ts";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { evidenceKey, verifyDuplicateVote } from "../../chain/evidence/verify.ts";
import type { BlockID } from "../../chain/types/block.ts";
import { SignedMsgType, voteSignBytes } from "../../chain/types/vote.ts";

const CHAIN = "cifer-test-1";
const keys = [generateEd25519(), generateEd25519()];
const validators = keys.map((k) => ({
  address: ed25519Address(k.pubkey),
  pubKey: k.pubkey,
  votingPower: 5n,
}));
const time = { seconds: 1_767_225_600n, nanos: 0 };
const id = (s: string): BlockID => ({
  hash: sha256(utf8(s)),
  partSetHeader: { total: 1, hash: sha256(utf8(`${s} parts`)) },
});

function vote(i: number, block: BlockID, round = 0): Vote {
  const signature = signEd25519(
    keys[i]!,
    voteSignBytes(CHAIN, SignedMsgType.Prevote, 9n, round, block, time),
  );
  return {
    type: SignedMsgType.Prevote as number,
    height: 9n,
    round,
    blockId: block,
    timestamp: time,
    validatorAddress: validators[i]!.address,
    validatorIndex: i,
    signature,
    extension: new Uint8Array(),
    extensionSignature: new Uint8Array(),
  };
}
const evidence = (a: Vote, b: Vote) => ({
  voteA: a,
  voteB: b,
  totalVotingPower: 10n,
  validatorPower: 5n,
  timestamp: time,
});

test("two signed votes for different blocks at one height/round/step are evidence", () => {
  const ev = evidence(vote(1, id("A")), vote(1, id("B")));
  verifyDuplicateVote(CHAIN, ev, validators);
  assert.equal(evidenceKey(ev), evidenceKey(evidence(ev.voteB!, ev.voteA!)));
});

test("non-equivocations and forged evidence are refused", () => {
  const forged = vote(1, id("B"));
  forged.signature = Uint8Array.from(forged.signature, (b, i) => (i === 0 ? b ^ 1 : b));
  const cases: Array<[ReturnType<typeof evidence>, RegExp]> = [
    [evidence(vote(1, id("A")), vote(1, id("A"))), /same block/],
    [evidence(vote(1, id("A")), vote(1, id("B"), 1)), /same height, round and step/],
    [evidence(vote(0, id("A")), vote(1, id("B"))), /different validators/],
    [evidence(vote(1, id("A")), forged), /signature is invalid/],
    [{ ...evidence(vote(1, id("A")), vote(1, id("B"))), validatorPower: 99n }, /powers do not match/],
  ];
  for (const [ev, msg] of cases) assert.throws(() => verifyDuplicateVote(CHAIN, ev, validators), msg);
});
