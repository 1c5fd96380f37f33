import assert from "node:assert/strict";
import { test } from "node:test";
import { BinaryWriter } from "cosmjs-types/binary";
import { Vote as VoteCodec } from "cosmjs-types/tendermint/types/types";
import { EngineError, EngineErrorCode } from "../../chain/consensus/engine/errors.ts";
import {
  decodeConsensusMessage,
  encodeConsensusMessage,
  MAX_VOTE_MESSAGE_BYTES,
  PROPOSAL_OVERHEAD_BYTES,
} from "../../chain/consensus/engine/messages.ts";
import { utf8 } from "../../chain/crypto/hash.ts";
import {
  decodeVoteSignBytes,
  proposalSignBytes,
  SignedMsgType,
  voteSignBytes,
} from "../../chain/types/vote.ts";
import { EngineHarness } from "../sim/engine-harness.ts";

const h = new EngineHarness([1n, 1n, 1n, 1n], 0);
const v = h.block("v");
const MAX = 65_536;

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof EngineError, String(e));
    return e.code;
  }
  assert.fail("expected an EngineError");
};

test("proposal sign bytes equal the tendermint-rs CanonicalProposal vector", () => {
  const bytes = proposalSignBytes("test_chain_id", 12345n, 1, -1, null, { seconds: 1696413600n, nanos: 0 });
  const expected = [
    0x36,
    0x08,
    0x20,
    0x11,
    0x39,
    0x30,
    0,
    0,
    0,
    0,
    0,
    0,
    0x19,
    0x01,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x20,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0x01,
    0x32,
    0x06,
    0x08,
    0xa0,
    0xef,
    0xf4,
    0xa8,
    0x06,
    0x3a,
    0x0d,
    ...utf8("test_chain_id"),
  ];
  assert.deepEqual([...bytes], expected);
});

test("vote sign bytes read back into the vote they describe", () => {
  const ts = { seconds: 1696413600n, nanos: 42 };
  for (const id of [null, v.id]) {
    const d = decodeVoteSignBytes(voteSignBytes("cifer-1", SignedMsgType.Precommit, 7n, 3, id, ts));
    assert.deepEqual(d, {
      type: SignedMsgType.Precommit,
      height: 7n,
      round: 3,
      blockId: id,
      timestamp: ts,
      chainId: "cifer-1",
    });
  }
  assert.equal(
    decodeVoteSignBytes(proposalSignBytes("c", 1n, 0, -1, v.id, ts)),
    null,
    "a proposal is not a vote",
  );
  assert.equal(decodeVoteSignBytes(new Uint8Array([5, 1, 2])), null);
});

test("proposals and votes survive encoding", () => {
  const p = h.proposal(0, -1, v);
  assert.deepEqual(decodeConsensusMessage(encodeConsensusMessage(p), MAX), p);
  for (const m of [h.vote(1, SignedMsgType.Prevote, 2, v), h.vote(2, SignedMsgType.Precommit, 0, null)])
    assert.deepEqual(decodeConsensusMessage(encodeConsensusMessage(m), MAX), m);
});

test("size limits are checked before parsing", () => {
  const p = h.proposal(0, -1, v);
  assert.equal(
    code(() => decodeConsensusMessage(encodeConsensusMessage(p), v.bytes.length - 1)),
    EngineErrorCode.MessageTooLarge,
  );
  const huge = new Uint8Array(MAX + PROPOSAL_OVERHEAD_BYTES + 1);
  assert.equal(
    code(() => decodeConsensusMessage(huge, MAX)),
    EngineErrorCode.MessageTooLarge,
  );
  const vote = h.vote(1, SignedMsgType.Prevote, 0, v);
  const fat = { ...vote, vote: { ...vote.vote, extension: new Uint8Array(MAX_VOTE_MESSAGE_BYTES) } };
  assert.equal(
    code(() => decodeConsensusMessage(encodeConsensusMessage(fat), MAX)),
    EngineErrorCode.MessageTooLarge,
  );
});

test("malformed messages are refused as CometBFT's ValidateBasic refuses them", () => {
  const bad = (m: Parameters<typeof encodeConsensusMessage>[0]) =>
    code(() => decodeConsensusMessage(encodeConsensusMessage(m), MAX));
  const vote = h.vote(1, SignedMsgType.Prevote, 0, v);
  const p = h.proposal(1, -1, v);
  const cases: [string, Parameters<typeof encodeConsensusMessage>[0]][] = [
    ["proposal type", { ...vote, vote: { ...vote.vote, type: SignedMsgType.Proposal as number } }],
    ["zero height", { ...vote, vote: { ...vote.vote, height: 0n } }],
    ["negative round", { ...vote, vote: { ...vote.vote, round: -1 } }],
    ["short address", { ...vote, vote: { ...vote.vote, validatorAddress: new Uint8Array(19) } }],
    ["no signature", { ...vote, vote: { ...vote.vote, signature: new Uint8Array() } }],
    ["extension", { ...vote, vote: { ...vote.vote, extension: utf8("x") } }],
    [
      "half a block id",
      {
        ...vote,
        vote: { ...vote.vote, blockId: { ...v.id, partSetHeader: { total: 0, hash: new Uint8Array() } } },
      },
    ],
    ["bad nanos", { ...vote, vote: { ...vote.vote, timestamp: { seconds: 1n, nanos: 1_000_000_000 } } }],
    ["POL round not below the round", { ...p, proposal: { ...p.proposal, polRound: 1 } }],
    ["POL round below -1", { ...p, proposal: { ...p.proposal, polRound: -2 } }],
    [
      "nil proposal",
      {
        ...p,
        proposal: {
          ...p.proposal,
          blockId: { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } },
        },
      },
    ],
  ];
  for (const [what, m] of cases) assert.equal(bad(m), EngineErrorCode.MalformedMessage, what);

  const raw = (build: (w: BinaryWriter) => void) => {
    const w = BinaryWriter.create();
    build(w);
    return w.finish();
  };
  const voteBytes = VoteCodec.encode(vote.vote).finish();
  const malformed = [
    new Uint8Array(),
    new Uint8Array([0x12, 0x05, 1]),
    raw((w) => w.uint32(26).bytes(voteBytes)),
    raw((w) => w.uint32(18).bytes(voteBytes).uint32(18).bytes(voteBytes)),
    raw((w) => w.uint32(10).bytes(raw((x) => x.uint32(18).bytes(v.bytes)))),
  ];
  for (const m of malformed)
    assert.equal(
      code(() => decodeConsensusMessage(m, MAX)),
      EngineErrorCode.MalformedMessage,
    );
});
