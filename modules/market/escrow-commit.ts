import { sha256 } from "../../chain/crypto/hash.ts";
import { encode, type EscrowScoreCommitment, EscrowScoreCommitmentCodec } from "./proto.ts";

// Commit-reveal of an escrow committee member's accuracy (as fl's score-commit.ts for stages): the
// commitment binds the accuracy to one escrow and one member, so a member can neither copy another's
// commitment nor reuse its own, and hides the accuracy behind a 32-byte secret salt until the
// reveal. The node and the validators' service build it with this one function.

const DOMAIN = new TextEncoder().encode("cifer-market-escrow/v1\n");

export const ESCROW_SALT_BYTES = 32;

/** sha256("cifer-market-escrow/v1\n" || canonical proto3 bytes of the EscrowScoreCommitment). */
export function escrowCommitment(c: EscrowScoreCommitment): Uint8Array {
  return sha256(DOMAIN, encode(EscrowScoreCommitmentCodec, c));
}
