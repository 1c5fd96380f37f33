import { verifyEd25519 } from "../../chain/crypto/ed25519.ts";
import { bytesEqual, toHexUpper } from "../../chain/crypto/hash.ts";
import { type BlockID, BlockIDFlag, type Commit, type Validator } from "../../chain/types/block.ts";
import { SignedMsgType, voteSignBytes } from "../../chain/types/vote.ts";

/**
 * The simulator's own check of a commit (independent of the engine): one CommitSig per validator
 * in order, every signature present valid, and COMMIT signatures holding > 2/3 of the power.
 * Verified (key, bytes, signature) triples are remembered: a pure function of the bytes.
 */
export class CommitChecker {
  private readonly verified = new Set<string>();

  constructor(private readonly chainId: string) {}

  check(validators: readonly Validator[], blockId: BlockID, height: bigint, commit: Commit): string | null {
    if (commit.height !== height) return `commit is for height ${commit.height}`;
    if (!bytesEqual(commit.blockId.hash, blockId.hash)) return "commit is for another block";
    if (commit.signatures.length !== validators.length) return "one signature per validator expected";
    let total = 0n;
    let power = 0n;
    for (let i = 0; i < validators.length; i++) {
      const v = validators[i]!;
      const s = commit.signatures[i]!;
      total += v.votingPower;
      if (s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_ABSENT) continue;
      if (!bytesEqual(s.validatorAddress, v.address)) return `signature ${i} from the wrong validator`;
      const forBlock = s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT;
      const bytes = voteSignBytes(
        this.chainId,
        SignedMsgType.Precommit,
        height,
        commit.round,
        forBlock ? blockId : null,
        s.timestamp,
      );
      const id = `${toHexUpper(v.pubKey)}/${toHexUpper(bytes)}/${toHexUpper(s.signature)}`;
      if (!this.verified.has(id)) {
        if (!verifyEd25519(v.pubKey, bytes, s.signature)) return `signature ${i} is invalid`;
        this.verified.add(id);
      }
      if (forBlock) power += v.votingPower;
    }
    return power * 3n > total * 2n ? null : `only ${power} of ${total} voting power committed`;
  }
}
