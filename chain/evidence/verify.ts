import type { DuplicateVoteEvidence } from "cosmjs-types/tendermint/types/evidence";
import type { Vote } from "cosmjs-types/tendermint/types/types";
import { verifyEd25519 } from "../crypto/ed25519.ts";
import { bytesEqual, toHexUpper } from "../crypto/hash.ts";
import type { Validator } from "../types/block.ts";
import { type SignedMsgType, voteSignBytes } from "../types/vote.ts";

export class InvalidEvidenceError extends Error {}

const isNilBlock = (v: Vote) => v.blockId.hash.length === 0;

/** The identity of one equivocation: the same evidence twice (in either vote order) has one key. */
export function evidenceKey(ev: DuplicateVoteEvidence): string {
  const a = ev.voteA!;
  return `${toHexUpper(a.validatorAddress)}/${a.height}/${a.round}/${a.type}`;
}

/**
 * Checks DuplicateVoteEvidence as CometBFT's VerifyDuplicateVote does: two votes of one validator
 * for the same height, round and type, for different blocks, both validly signed, from a validator
 * of the set at that height whose power (and the set's total) match what the evidence claims.
 */
export function verifyDuplicateVote(
  chainId: string,
  ev: DuplicateVoteEvidence,
  validators: readonly Validator[],
): void {
  const a = ev.voteA;
  const b = ev.voteB;
  if (!a || !b) throw new InvalidEvidenceError("evidence must carry two votes");
  if (a.height !== b.height || a.round !== b.round || a.type !== b.type) {
    throw new InvalidEvidenceError("votes are not for the same height, round and step");
  }
  if (!bytesEqual(a.validatorAddress, b.validatorAddress) || a.validatorIndex !== b.validatorIndex) {
    throw new InvalidEvidenceError("votes are from different validators");
  }
  if (bytesEqual(a.blockId.hash, b.blockId.hash) && isNilBlock(a) === isNilBlock(b)) {
    throw new InvalidEvidenceError("votes are for the same block: no equivocation");
  }
  const val = validators[a.validatorIndex];
  if (!val || !bytesEqual(val.address, a.validatorAddress)) {
    throw new InvalidEvidenceError(
      `validator ${toHexUpper(a.validatorAddress)} is not at index ${a.validatorIndex} of the set`,
    );
  }
  let total = 0n;
  for (const v of validators) total += v.votingPower;
  if (ev.validatorPower !== val.votingPower || ev.totalVotingPower !== total) {
    throw new InvalidEvidenceError("evidence powers do not match the validator set");
  }
  for (const v of [a, b]) {
    const bytes = voteSignBytes(
      chainId,
      v.type as number as SignedMsgType,
      v.height,
      v.round,
      isNilBlock(v) ? null : v.blockId,
      v.timestamp,
    );
    if (!verifyEd25519(val.pubKey, bytes, v.signature))
      throw new InvalidEvidenceError("a vote's signature is invalid");
  }
}
