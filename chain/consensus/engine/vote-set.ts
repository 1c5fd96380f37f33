import type { Vote } from "cosmjs-types/tendermint/types/types";
import { verifyEd25519 } from "../../crypto/ed25519.ts";
import { bytesEqual } from "../../crypto/hash.ts";
import type { BlockID, Validator } from "../../types/block.ts";
import type { SignatureVerifier } from "./types.ts";
import { type SignedMsgType, voteSignBytes } from "../../types/vote.ts";
import { EngineErrorCode } from "./errors.ts";
import { blockKey, isNilBlockId, NIL_KEY, sameBlockId, sameTimestamp } from "./ids.ts";

export type AddVoteResult =
  | { status: "added" }
  /** Already held (byte-identical, or the same block again): nothing changes. */
  | { status: "duplicate" }
  /**
   * A validly signed vote for another block than the one held: an equivocation. `counted`: the vote
   * was for a block we want to see quorums for (one we hold a proposal of), and now counts for it.
   */
  | { status: "conflict"; existing: Vote; counted: boolean }
  | { status: "invalid"; code: EngineErrorCode; reason: string };

/** The majority of a vote set: a block id, or "nil" when +2/3 voted nil. */
export type Majority = { key: string; blockId: BlockID | null };

/**
 * The votes of one height, round and type (CometBFT's VoteSet). A validator's first validly signed
 * vote counts; a conflicting one is evidence, and also counts for its own block when that block is
 * one we want quorums for (we hold its proposal) - the role of CometBFT's peer maj23 claims, so a
 * proof-of-lock that includes an equivocator's vote is still recognised. Power sums are bigint.
 */
export class VoteSet {
  private readonly votes: (Vote | undefined)[];
  /** Conflicting votes counted for their block, by block key. */
  private readonly extra = new Map<string, Vote[]>();
  private readonly powerByKey = new Map<string, bigint>();
  private sum = 0n;
  private maj: Majority | undefined;

  constructor(
    readonly chainId: string,
    readonly height: bigint,
    readonly round: number,
    readonly type: SignedMsgType,
    readonly validators: readonly Validator[],
    readonly totalPower: bigint,
    private readonly verify: SignatureVerifier = verifyEd25519,
  ) {
    this.votes = new Array(validators.length).fill(undefined);
  }

  /**
   * Adds a vote after checking who signed it and the signature (CometBFT's VoteSet.AddVote). Every
   * new vote is verified; only a byte-identical copy of a vote already verified is skipped.
   */
  add(vote: Vote, wanted?: (key: string) => boolean): AddVoteResult {
    if (vote.height !== this.height || vote.round !== this.round || (vote.type as number) !== this.type)
      return { status: "invalid", code: EngineErrorCode.MalformedMessage, reason: "vote for another set" };
    const val = this.validators[vote.validatorIndex];
    if (!val || !bytesEqual(val.address, vote.validatorAddress))
      return {
        status: "invalid",
        code: EngineErrorCode.NotValidator,
        reason: `no validator with this address at index ${vote.validatorIndex}`,
      };
    const existing = this.votes[vote.validatorIndex];
    if (existing && sameVote(existing, vote)) return { status: "duplicate" };
    const key = blockKey(vote.blockId);
    const extra = this.extra.get(key)?.find((v) => v.validatorIndex === vote.validatorIndex);
    if (extra && sameVote(extra, vote)) return { status: "duplicate" };
    const nil = isNilBlockId(vote.blockId);
    const bytes = voteSignBytes(
      this.chainId,
      this.type,
      this.height,
      this.round,
      nil ? null : vote.blockId,
      vote.timestamp,
    );
    if (!this.verify(val.pubKey, bytes, vote.signature))
      return { status: "invalid", code: EngineErrorCode.InvalidSignature, reason: "invalid vote signature" };
    if (existing) {
      if (blockKey(existing.blockId) === key || extra) return { status: "duplicate" };
      const counted = key !== NIL_KEY && wanted !== undefined && wanted(key);
      if (counted) {
        const list = this.extra.get(key);
        if (list) list.push(vote);
        else this.extra.set(key, [vote]);
        this.count(key, vote, val.votingPower);
      }
      return { status: "conflict", existing, counted };
    }
    this.votes[vote.validatorIndex] = vote;
    this.sum += val.votingPower;
    this.count(key, vote, val.votingPower);
    return { status: "added" };
  }

  private count(key: string, vote: Vote, power: bigint): void {
    const total = (this.powerByKey.get(key) ?? 0n) + power;
    this.powerByKey.set(key, total);
    if (!this.maj && total * 3n > this.totalPower * 2n)
      this.maj = { key, blockId: key === NIL_KEY ? null : vote.blockId };
  }

  get(index: number): Vote | undefined {
    return this.votes[index];
  }

  /** The first vote of each validator, in validator-set order. */
  all(): Vote[] {
    return this.votes.filter((v): v is Vote => v !== undefined);
  }

  /** Every vote counted for the block `key` (conflicting ones included), in validator-set order. */
  votesFor(key: string): Vote[] {
    const out = this.all().filter((v) => blockKey(v.blockId) === key);
    out.push(...(this.extra.get(key) ?? []));
    return out.sort((a, b) => a.validatorIndex - b.validatorIndex);
  }

  /** Voting power that voted for the block named by `key` (NIL_KEY: for nil). */
  powerFor(key: string): bigint {
    return this.powerByKey.get(key) ?? 0n;
  }

  /** The block (or nil) with more than 2/3 of the voting power, if any. */
  majority(): Majority | undefined {
    return this.maj;
  }

  /** More than 2/3 of the voting power voted, for anything. */
  hasTwoThirdsAny(): boolean {
    return this.sum * 3n > this.totalPower * 2n;
  }

  hasVoteFrom(index: number): boolean {
    return this.votes[index] !== undefined;
  }
}

function sameVote(a: Vote, b: Vote): boolean {
  return (
    sameBlockId(a.blockId, b.blockId) &&
    sameTimestamp(a.timestamp, b.timestamp) &&
    bytesEqual(a.signature, b.signature) &&
    a.validatorIndex === b.validatorIndex &&
    bytesEqual(a.validatorAddress, b.validatorAddress)
  );
}
