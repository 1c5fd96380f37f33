import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { type BlockID, BlockIDFlag, type Commit, type CommitSig } from "../../types/block.ts";
import { blockKey, isNilBlockId } from "./ids.ts";
import type { VoteSet } from "./vote-set.ts";

/** Go's zero time.Time, the timestamp of an absent CommitSig. */
const GO_ZERO_TIME: Timestamp = { seconds: -62135596800n, nanos: 0 };

/** The CommitSig of a validator whose precommit for the block is missing. */
export const absentCommitSig = (): CommitSig => ({
  blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
  validatorAddress: new Uint8Array(),
  timestamp: GO_ZERO_TIME,
  signature: new Uint8Array(),
});

/**
 * The Commit for `blockId` from a round's precommits (CometBFT's VoteSet.MakeExtendedCommit):
 * one CommitSig per validator in set order; COMMIT for a precommit of this block (an equivocator's
 * counted one included), NIL for a nil precommit, ABSENT for none or one for another block.
 */
export function buildCommit(precommits: VoteSet, blockId: BlockID): Commit {
  const key = blockKey(blockId);
  const forBlock = new Map(precommits.votesFor(key).map((v) => [v.validatorIndex, v]));
  const signatures = precommits.validators.map((_, i): CommitSig => {
    const v = forBlock.get(i) ?? precommits.get(i);
    if (!v) return absentCommitSig();
    if (isNilBlockId(v.blockId))
      return {
        blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_NIL,
        validatorAddress: v.validatorAddress,
        timestamp: v.timestamp,
        signature: v.signature,
      };
    if (blockKey(v.blockId) !== key) return absentCommitSig();
    return {
      blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
      validatorAddress: v.validatorAddress,
      timestamp: v.timestamp,
      signature: v.signature,
    };
  });
  return { height: precommits.height, round: precommits.round, blockId, signatures };
}
