import type { Vote } from "cosmjs-types/tendermint/types/types";
import type { Validator } from "../../types/block.ts";
import { SignedMsgType } from "../../types/vote.ts";
import type { SignatureVerifier } from "./types.ts";
import { type AddVoteResult, VoteSet } from "./vote-set.ts";

/**
 * A validator may have votes in at most this many rounds beyond round_p + 1 (CometBFT's
 * peerCatchupRounds): bounds the memory a faulty validator can make us spend on far rounds.
 */
export const MAX_FUTURE_ROUNDS_PER_VALIDATOR = 2;

interface RoundVotes {
  prevotes: VoteSet;
  precommits: VoteSet;
}

export type HeightAddResult = AddVoteResult | { status: "ignored"; reason: string };

/** All prevotes and precommits of one height, by round (CometBFT's HeightVoteSet). */
export class HeightVotes {
  private readonly rounds = new Map<number, RoundVotes>();

  constructor(
    readonly chainId: string,
    readonly height: bigint,
    readonly validators: readonly Validator[],
    readonly totalPower: bigint,
    /** Blocks whose quorums matter even through an equivocator's second vote (see VoteSet). */
    private readonly wanted?: (key: string) => boolean,
    private readonly verify?: SignatureVerifier,
  ) {}

  prevotes(round: number): VoteSet | undefined {
    return this.rounds.get(round)?.prevotes;
  }

  precommits(round: number): VoteSet | undefined {
    return this.rounds.get(round)?.precommits;
  }

  /** Rounds holding votes, ascending (the order every scan uses). */
  roundNumbers(): number[] {
    return [...this.rounds.keys()].sort((a, b) => a - b);
  }

  /** Adds a vote of this height; `currentRound` is round_p (-1 before round 0 starts). */
  add(vote: Vote, currentRound: number): HeightAddResult {
    const r = vote.round;
    if (r > currentRound + 1) {
      const rv = this.rounds.get(r);
      if (!rv || !this.hasAny(rv, vote.validatorIndex)) {
        let far = 0;
        for (const [round, other] of this.rounds)
          if (round > currentRound + 1 && this.hasAny(other, vote.validatorIndex)) far++;
        if (far >= MAX_FUTURE_ROUNDS_PER_VALIDATOR)
          return { status: "ignored", reason: "too many future rounds from this validator" };
      }
    }
    const set =
      (vote.type as number) === SignedMsgType.Prevote ? this.ensure(r).prevotes : this.ensure(r).precommits;
    const res = set.add(vote, this.wanted);
    if (res.status !== "added") this.dropIfEmpty(r);
    return res;
  }

  /**
   * Line 55 of Algorithm 1 ("f + 1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p"): the highest round
   * above `currentRound` in which validators holding more than 1/3 of the power sent a vote.
   */
  highestRoundWithOneThird(currentRound: number): number | undefined {
    const rounds = this.roundNumbers().filter((r) => r > currentRound);
    for (let i = rounds.length - 1; i >= 0; i--) {
      const rv = this.rounds.get(rounds[i]!)!;
      let power = 0n;
      for (let idx = 0; idx < this.validators.length; idx++)
        if (this.hasAny(rv, idx)) power += this.validators[idx]!.votingPower;
      if (power * 3n > this.totalPower) return rounds[i];
    }
    return undefined;
  }

  private hasAny(rv: RoundVotes, index: number): boolean {
    return rv.prevotes.hasVoteFrom(index) || rv.precommits.hasVoteFrom(index);
  }

  private ensure(round: number): RoundVotes {
    let rv = this.rounds.get(round);
    if (!rv) {
      const mk = (t: SignedMsgType) =>
        new VoteSet(this.chainId, this.height, round, t, this.validators, this.totalPower, this.verify);
      rv = { prevotes: mk(SignedMsgType.Prevote), precommits: mk(SignedMsgType.Precommit) };
      this.rounds.set(round, rv);
    }
    return rv;
  }

  private dropIfEmpty(round: number): void {
    const rv = this.rounds.get(round);
    if (rv && rv.prevotes.all().length === 0 && rv.precommits.all().length === 0) this.rounds.delete(round);
  }
}
