import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { DuplicateVoteEvidence } from "cosmjs-types/tendermint/types/evidence";
import type { Vote } from "cosmjs-types/tendermint/types/types";
import { compareBytes } from "../../crypto/hash.ts";
import { blockIdKeyBytes } from "./ids.ts";

/**
 * CometBFT's NewDuplicateVoteEvidence: the two votes ordered by their BlockID.Key() (so the same
 * equivocation always yields the same evidence), with the validator's and the set's power.
 */
export function duplicateVoteEvidence(
  vote1: Vote,
  vote2: Vote,
  validatorPower: bigint,
  totalVotingPower: bigint,
  timestamp: Timestamp,
): DuplicateVoteEvidence {
  const first = compareBytes(blockIdKeyBytes(vote1.blockId), blockIdKeyBytes(vote2.blockId)) < 0;
  return {
    voteA: first ? vote1 : vote2,
    voteB: first ? vote2 : vote1,
    totalVotingPower,
    validatorPower,
    timestamp,
  };
}
