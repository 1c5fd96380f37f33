import { compareBytes } from "../../crypto/hash.ts";
import type { Validator } from "../../types/block.ts";

// Weighted round-robin proposer selection, exactly as CometBFT's types/validator_set.go does it
// (IncrementProposerPriority, RescalePriorities, shiftByAvgProposerPriority, incrementProposerPriority,
// CompareProposerPriority). All arithmetic is int64 on bigints, clipped as Go's safeAddClip does.

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
/** CometBFT's MaxTotalVotingPower: int64 max / 8. */
export const MAX_TOTAL_VOTING_POWER = INT64_MAX / 8n;
/** CometBFT's PriorityWindowSizeFactor. */
export const PRIORITY_WINDOW_SIZE_FACTOR = 2n;

const clip = (x: bigint) => (x > INT64_MAX ? INT64_MAX : x < INT64_MIN ? INT64_MIN : x);

/** Floor division, as Go's big.Int Div (Euclidean) does for a positive divisor. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * A validator set with its proposer priorities (CometBFT's ValidatorSet). Validators keep the
 * order they are given in (the order of commit signatures); selection does not depend on it.
 */
export class ValidatorSet {
  readonly totalVotingPower: bigint;
  private proposerIdx: number | undefined;

  private constructor(
    readonly validators: readonly Validator[],
    readonly priorities: bigint[],
    proposerIndex: number | undefined,
  ) {
    if (validators.length === 0) throw new Error("empty validator set");
    if (priorities.length !== validators.length) throw new Error("one priority per validator");
    let total = 0n;
    for (const v of validators) {
      if (v.votingPower <= 0n) throw new Error("voting power must be positive");
      total += v.votingPower;
    }
    if (total > MAX_TOTAL_VOTING_POWER) throw new Error(`total voting power ${total} exceeds the maximum`);
    this.totalVotingPower = total;
    this.proposerIdx = proposerIndex;
  }

  /**
   * CometBFT's NewValidatorSet: every validator new (equal priorities, centred to 0), then one
   * IncrementProposerPriority(1). This is the set of the chain's initial height.
   */
  static fromGenesis(validators: readonly Validator[]): ValidatorSet {
    const set = new ValidatorSet(
      validators,
      validators.map(() => 0n),
      undefined,
    );
    set.incrementProposerPriority(1);
    return set;
  }

  /** A set with known priorities (restored from storage); proposerIndex if it was recorded. */
  static withPriorities(
    validators: readonly Validator[],
    priorities: readonly bigint[],
    proposerIndex?: number,
  ): ValidatorSet {
    return new ValidatorSet(validators, [...priorities], proposerIndex);
  }

  /**
   * The set deciding `height` of a chain whose validators never changed since `initialHeight`:
   * the genesis set incremented once per block (CometBFT's state update does
   * NextValidators.CopyIncrementProposerPriority(1) after every block).
   */
  static forStaticHeight(
    validators: readonly Validator[],
    initialHeight: bigint,
    height: bigint,
  ): ValidatorSet {
    const set = ValidatorSet.fromGenesis(validators);
    for (let h = initialHeight; h < height; h++) set.incrementProposerPriority(1);
    return set;
  }

  copy(): ValidatorSet {
    return new ValidatorSet(this.validators, [...this.priorities], this.proposerIdx);
  }

  /** The next height's set: a copy incremented once. */
  next(): ValidatorSet {
    const c = this.copy();
    c.incrementProposerPriority(1);
    return c;
  }

  /** GetProposer: the validator chosen by the last increment (or the highest priority if none). */
  get proposerIndex(): number {
    if (this.proposerIdx === undefined) this.proposerIdx = this.mostPriority();
    return this.proposerIdx;
  }

  get proposer(): Validator {
    return this.validators[this.proposerIndex]!;
  }

  indexOf(address: Uint8Array): number {
    return this.validators.findIndex((v) => compareBytes(v.address, address) === 0);
  }

  /** IncrementProposerPriority(times): rescale, centre, then `times` single increments. */
  incrementProposerPriority(times: number): void {
    if (!Number.isInteger(times) || times <= 0)
      throw new Error("IncrementProposerPriority needs a positive number of times");
    this.rescalePriorities(PRIORITY_WINDOW_SIZE_FACTOR * this.totalVotingPower);
    this.shiftByAvgProposerPriority();
    let proposer = 0;
    for (let i = 0; i < times; i++) proposer = this.incrementOnce();
    this.proposerIdx = proposer;
  }

  /** RescalePriorities: divide every priority by ceil(diff / diffMax) when diff > diffMax. */
  private rescalePriorities(diffMax: bigint): void {
    if (diffMax <= 0n) return;
    let max = INT64_MIN;
    let min = INT64_MAX;
    for (const p of this.priorities) {
      if (p < min) min = p;
      if (p > max) max = p;
    }
    let diff = max - min;
    if (diff < 0n) diff = -diff;
    const ratio = (diff + diffMax - 1n) / diffMax;
    if (diff > diffMax) {
      // Go's int64 division truncates toward zero, as bigint division does.
      for (let i = 0; i < this.priorities.length; i++) this.priorities[i] = this.priorities[i]! / ratio;
    }
  }

  private shiftByAvgProposerPriority(): void {
    let sum = 0n;
    for (const p of this.priorities) sum += p;
    const avg = floorDiv(sum, BigInt(this.priorities.length));
    for (let i = 0; i < this.priorities.length; i++) this.priorities[i] = clip(this.priorities[i]! - avg);
  }

  /** incrementProposerPriority: everyone gains its power, the most prioritised pays the total. */
  private incrementOnce(): number {
    for (let i = 0; i < this.priorities.length; i++)
      this.priorities[i] = clip(this.priorities[i]! + this.validators[i]!.votingPower);
    const most = this.mostPriority();
    this.priorities[most] = clip(this.priorities[most]! - this.totalVotingPower);
    return most;
  }

  /** getValWithMostPriority: highest priority, ties to the lower address (CompareProposerPriority). */
  private mostPriority(): number {
    let best = 0;
    for (let i = 1; i < this.validators.length; i++) {
      const p = this.priorities[i]!;
      const b = this.priorities[best]!;
      if (p > b || (p === b && compareBytes(this.validators[i]!.address, this.validators[best]!.address) < 0))
        best = i;
    }
    return best;
  }
}

/**
 * Proposers of one height round by round: round r's proposer is the height's set incremented r more
 * times, one round at a time (CometBFT's enterNewRound for a node going through every round).
 */
export class RoundProposers {
  private readonly work: ValidatorSet;
  private readonly byRound: number[];

  constructor(heightSet: ValidatorSet) {
    this.work = heightSet.copy();
    this.byRound = [heightSet.proposerIndex];
  }

  indexAt(round: number): number {
    if (!Number.isInteger(round) || round < 0) throw new Error(`invalid round ${round}`);
    while (this.byRound.length <= round) {
      this.work.incrementProposerPriority(1);
      this.byRound.push(this.work.proposerIndex);
    }
    return this.byRound[round]!;
  }
}
