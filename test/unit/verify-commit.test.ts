import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidCommitError, verifyCommit } from "../../chain/consensus/verify-commit.ts";
import { ed25519Address, generateEd25519, signEd25519 } from "../../chain/crypto/ed25519.ts";
import { sha256, utf8 } from "../../chain/crypto/hash.ts";
import { type BlockID, BlockIDFlag, type Commit, type Validator } from "../../chain/types/block.ts";
import { SignedMsgType, voteSignBytes } from "../../chain/types/vote.ts";

const CHAIN = "cifer-test-1";
const keys = [0, 1, 2, 3].map(() => generateEd25519());
const validators: Validator[] = keys.map((k) => ({
  address: ed25519Address(k.pubkey),
  pubKey: k.pubkey,
  votingPower: 10n,
}));
const blockId: BlockID = {
  hash: sha256(utf8("block 7")),
  partSetHeader: { total: 1, hash: sha256(utf8("parts")) },
};
const time = { seconds: 1_767_225_600n, nanos: 0 };

function commitBy(signers: number[], opts: { tamper?: number; nil?: number[] } = {}): Commit {
  return {
    height: 7n,
    round: 1,
    blockId,
    signatures: keys.map((k, i) => {
      if (!signers.includes(i))
        return {
          blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
          validatorAddress: new Uint8Array(),
          timestamp: time,
          signature: new Uint8Array(),
        };
      const nil = opts.nil?.includes(i) ?? false;
      const sig = signEd25519(
        k,
        voteSignBytes(CHAIN, SignedMsgType.Precommit, 7n, 1, nil ? null : blockId, time),
      );
      if (opts.tamper === i) sig[0]! ^= 1;
      return {
        blockIdFlag: nil ? BlockIDFlag.BLOCK_ID_FLAG_NIL : BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
        validatorAddress: validators[i]!.address,
        timestamp: time,
        signature: sig,
      };
    }),
  };
}

test("a commit with more than 2/3 of the power verifies; 2/3 exactly does not", () => {
  verifyCommit(CHAIN, validators, blockId, 7n, commitBy([0, 1, 2]));
  verifyCommit(CHAIN, validators, blockId, 7n, commitBy([0, 1, 2, 3], { nil: [3] }));
  assert.throws(
    () => verifyCommit(CHAIN, validators, blockId, 7n, commitBy([0, 1])),
    /insufficient voting power/,
  );
  assert.throws(
    () => verifyCommit(CHAIN, validators, blockId, 7n, commitBy([0, 1, 2, 3], { nil: [2, 3] })),
    /insufficient voting power/,
  );
});

test("tampered signatures, wrong block, height, chain or validator order are refused", () => {
  assert.throws(
    () => verifyCommit(CHAIN, validators, blockId, 7n, commitBy([0, 1, 2], { tamper: 1 })),
    InvalidCommitError,
  );
  assert.throws(() => verifyCommit(CHAIN, validators, blockId, 8n, commitBy([0, 1, 2])), /height/);
  assert.throws(
    () => verifyCommit("other-chain", validators, blockId, 7n, commitBy([0, 1, 2])),
    /invalid signature/,
  );
  const other = { ...blockId, hash: sha256(utf8("another block")) };
  assert.throws(() => verifyCommit(CHAIN, validators, other, 7n, commitBy([0, 1, 2])), /commit is for block/);
  assert.throws(
    () => verifyCommit(CHAIN, [...validators].reverse(), blockId, 7n, commitBy([0, 1, 2])),
    /expected/,
  );
  assert.throws(
    () => verifyCommit(CHAIN, validators.slice(0, 3), blockId, 7n, commitBy([0, 1, 2])),
    /4 signatures for 3 validators/,
  );
});
