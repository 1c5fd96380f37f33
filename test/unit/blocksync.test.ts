import assert from "node:assert/strict";
import { test } from "node:test";
import { Block as BlockCodec } from "cosmjs-types/tendermint/types/block";
import { Commit as CommitCodec } from "cosmjs-types/tendermint/types/types";
import { BlockSyncDecodeError, decodeBlockSync, encodeBlockSync } from "../../chain/blocksync/messages.ts";
import { SyncedBlockError, verifySyncedBlock } from "../../chain/blocksync/verify.ts";
import { buildBlock } from "../../chain/consensus/block-builder.ts";
import { ed25519Address, generateEd25519, signEd25519 } from "../../chain/crypto/ed25519.ts";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { DEFAULT_CONSENSUS_PARAMS } from "../../chain/genesis/genesis-doc.ts";
import type { ChainState } from "../../chain/state/chain-state.ts";
import { genesisChainState } from "../../chain/state/transition.ts";
import { BlockIDFlag, blockId } from "../../chain/types/block.ts";
import { SignedMsgType, voteSignBytes } from "../../chain/types/vote.ts";

const keys = [generateEd25519(), generateEd25519(), generateEd25519()];
const validators = keys.map((k) => ({
  address: ed25519Address(k.pubkey),
  pubKey: k.pubkey,
  votingPower: 1n,
}));
const time = { seconds: 1_767_225_600n, nanos: 0 };
const state: ChainState = genesisChainState({
  chainId: "cifer-test-1",
  initialHeight: 1n,
  genesisTime: time,
  appHash: sha256(utf8("genesis state")),
  validators,
  consensusParams: DEFAULT_CONSENSUS_PARAMS,
});

function signedBlock(signers: number[], mutate?: (b: ReturnType<typeof buildBlock>) => void) {
  const block = buildBlock({
    state,
    height: 1n,
    time,
    txs: [utf8("tx-a"), utf8("tx-b")],
    lastCommit: undefined,
    proposerAddress: validators[0]!.address,
  });
  mutate?.(block);
  const bytes = BlockCodec.encode(block).finish();
  const id = blockId(block.header, bytes);
  const signatures = keys.map((k, i) =>
    signers.includes(i)
      ? {
          blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
          validatorAddress: validators[i]!.address,
          timestamp: time,
          signature: signEd25519(k, voteSignBytes(state.chainId, SignedMsgType.Precommit, 1n, 0, id, time)),
        }
      : {
          blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
          validatorAddress: new Uint8Array(),
          timestamp: time,
          signature: new Uint8Array(),
        },
  );
  return { bytes, commit: CommitCodec.encode({ height: 1n, round: 0, blockId: id, signatures }).finish() };
}

test("a block finalised by > 2/3 of our validators, extending our state, is accepted", () => {
  const { bytes, commit } = signedBlock([0, 1, 2]);
  const res = verifySyncedBlock(state, bytes, commit);
  assert.equal(res.block.header.height, 1n);
});

test("blocks that do not fit our state or lack a valid commit are refused", () => {
  const cases: Array<[string, ReturnType<typeof signedBlock>, RegExp]> = [
    ["two of three signers", signedBlock([0, 1]), /insufficient voting power/],
    [
      "wrong app hash",
      signedBlock([0, 1, 2], (b) => (b.header.appHash = sha256(utf8("forged")))),
      /app hash/,
    ],
    ["wrong height", signedBlock([0, 1, 2], (b) => (b.header.height = 2n)), /expected height 1/],
    [
      "txs not matching the data hash",
      signedBlock([0, 1, 2], (b) => b.data.txs.push(utf8("smuggled"))),
      /data hash/,
    ],
    ["other chain", signedBlock([0, 1, 2], (b) => (b.header.chainId = "evil-1")), /chain id/],
  ];
  for (const [name, { bytes, commit }, msg] of cases)
    assert.throws(() => verifySyncedBlock(state, bytes, commit), msg, name);
  assert.throws(() => verifySyncedBlock(state, utf8("garbage"), utf8("garbage")), SyncedBlockError);
});

test("block sync messages round-trip and garbage is refused", () => {
  const msgs = [
    { type: "block_request", height: 42n },
    { type: "no_block_response", height: 7n },
    { type: "block_response", block: utf8("b"), commit: utf8("c") },
    { type: "status_request" },
    { type: "status_response", height: 100n, base: 1n },
  ] as const;
  for (const m of msgs) assert.deepEqual(decodeBlockSync(encodeBlockSync(m)), m);
  for (const bad of [new Uint8Array([0xff]), new Uint8Array([0x32, 0x00]), new Uint8Array([0x0a, 0x05, 1])]) {
    assert.throws(() => decodeBlockSync(bad), BlockSyncDecodeError);
  }
});
