import { verifyEd25519 } from "../crypto/ed25519.ts";
import { bytesEqual, toHexUpper } from "../crypto/hash.ts";
import { type BlockID, BlockIDFlag, type Commit, type Validator } from "../types/block.ts";
import { SignedMsgType, voteSignBytes } from "../types/vote.ts";

export class InvalidCommitError extends Error {}

/**
 * Checks that `commit` finalises `blockId` at `height` for `validators` (CometBFT's
 * ValidatorSet.VerifyCommit): one CommitSig per validator in set order, every signature present is
 * a valid ed25519 precommit over the canonical vote, and the validators that committed this block
 * hold more than 2/3 of the voting power. Throws InvalidCommitError saying what is wrong.
 */
export function verifyCommit(
  chainId: string,
  validators: readonly Validator[],
  blockId: BlockID,
  height: bigint,
  commit: Commit,
): void {
  if (commit.height !== height)
    throw new InvalidCommitError(`commit is for height ${commit.height}, expected ${height}`);
  if (!bytesEqual(commit.blockId.hash, blockId.hash)) {
    throw new InvalidCommitError(
      `commit is for block ${toHexUpper(commit.blockId.hash)}, expected ${toHexUpper(blockId.hash)}`,
    );
  }
  if (commit.signatures.length !== validators.length) {
    throw new InvalidCommitError(
      `commit has ${commit.signatures.length} signatures for ${validators.length} validators`,
    );
  }
  let total = 0n;
  for (const v of validators) total += v.votingPower;
  let committed = 0n;
  for (let i = 0; i < validators.length; i++) {
    const sig = commit.signatures[i]!;
    const val = validators[i]!;
    if (sig.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_ABSENT) continue;
    if (
      sig.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_COMMIT &&
      sig.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_NIL
    ) {
      throw new InvalidCommitError(`signature ${i} has an unknown block id flag ${sig.blockIdFlag}`);
    }
    if (!bytesEqual(sig.validatorAddress, val.address)) {
      throw new InvalidCommitError(
        `signature ${i} is from ${toHexUpper(sig.validatorAddress)}, expected ${toHexUpper(val.address)}`,
      );
    }
    const forBlock = sig.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT;
    const bytes = voteSignBytes(
      chainId,
      SignedMsgType.Precommit,
      height,
      commit.round,
      forBlock ? blockId : null,
      sig.timestamp,
    );
    if (!verifyEd25519(val.pubKey, bytes, sig.signature)) {
      throw new InvalidCommitError(
        `invalid signature from validator ${toHexUpper(val.address)} (index ${i})`,
      );
    }
    if (forBlock) committed += val.votingPower;
  }
  if (committed * 3n <= total * 2n) {
    throw new InvalidCommitError(
      `insufficient voting power: got ${committed}, needed more than 2/3 of ${total}`,
    );
  }
}
