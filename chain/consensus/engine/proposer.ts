import { compareBytes } from "../../crypto/hash.ts";
import { ed25519Address } from "../../crypto/ed25519.ts";
import type { Validator, ValidatorUpdate } from "../../types/block.ts";

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

/** CometBFT's ValidatorsByVotingPower: more power first, then the lower address. */
export function byVotingPower(a: Validator, b: Validator): number {
  if (a.votingPower !== b.votingPower) return a.votingPower > b.votingPower ? -1 : 1;
  return compareBytes(a.address, b.address);
}

export class ValidatorUpdateError extends Error {}

/**
 * A validator set with its proposer priorities (CometBFT's ValidatorSet). Validators keep the
 * order they are given in (the order of commit signatures); selection does not depend on it.
 * Sets built by `withUpdates` are in CometBFT's order (byVotingPower), as genesis sets should be.
 */
export class ValidatorSet {
  readonly totalVotingPower: bigint;
  /** Proposer-selection weights (CometBFT uses the voting powers; reputation tiers change them). */
  private readonly weights: bigint[];
  private readonly totalWeight: bigint;
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
    let weights = validators.map((v) => v.proposerWeight ?? v.votingPower);
    if (weights.some((w) => w < 0n || w > MAX_TOTAL_VOTING_POWER))
      throw new Error("proposer weight out of range");
    // Nobody allowed to propose would stop the chain: then everyone proposes by power.
    if (weights.every((w) => w === 0n)) weights = validators.map((v) => v.votingPower);
    this.weights = weights;
    this.totalWeight = weights.reduce((a, b) => a + b, 0n);
    if (this.totalWeight > MAX_TOTAL_VOTING_POWER)
      throw new Error("total proposer weight exceeds the maximum");
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

  copy(): ValidatorSet {
    return new ValidatorSet(this.validators, [...this.priorities], this.proposerIdx);
  }

  /**
   * CometBFT's UpdateWithChangeSet (v0.38): a new set with the app's validator updates applied, the
   * current set untouched. Power 0 removes a validator; a new validator starts at priority
   * -1.125 x the total power (so unbonding and bonding again cannot reset a negative priority);
   * an updated one keeps its priority; then the priorities are rescaled and centred and the
   * validators sorted by power. Throws ValidatorUpdateError, leaving nothing changed, when the
   * updates are malformed, remove an unknown validator, empty the set or overflow the total power.
   */
  withUpdates(changes: readonly ValidatorUpdate[]): ValidatorSet {
    if (changes.length === 0) return this.copy();
    // processChanges: sorted by address, no duplicates, powers in range, zero means removal.
    const sorted = changes
      .map((c) => {
        if (c.pubKey.length !== 32)
          throw new ValidatorUpdateError(`validator update with a ${c.pubKey.length}-byte ed25519 key`);
        return {
          address: ed25519Address(c.pubKey),
          pubKey: c.pubKey,
          power: c.power,
          proposerWeight: c.proposerWeight,
        };
      })
      .sort((a, b) => compareBytes(a.address, b.address));
    for (let i = 0; i < sorted.length; i++) {
      const c = sorted[i]!;
      const hex = Buffer.from(c.address).toString("hex").toUpperCase();
      if (i > 0 && compareBytes(sorted[i - 1]!.address, c.address) === 0)
        throw new ValidatorUpdateError(`duplicate validator update for ${hex}`);
      if (c.power < 0n)
        throw new ValidatorUpdateError(`validator ${hex} update with negative power ${c.power}`);
      if (c.power > MAX_TOTAL_VOTING_POWER)
        throw new ValidatorUpdateError(`validator ${hex} update power ${c.power} exceeds the maximum`);
      if (
        c.proposerWeight !== undefined &&
        (c.proposerWeight < 0n || c.proposerWeight > MAX_TOTAL_VOTING_POWER)
      )
        throw new ValidatorUpdateError(`validator ${hex} proposer weight ${c.proposerWeight} out of range`);
    }
    const updates = sorted.filter((c) => c.power > 0n);
    const deletes = sorted.filter((c) => c.power === 0n);
    const existing = new Map(this.validators.map((v, i) => [Buffer.from(v.address).toString("hex"), i]));
    const indexOf = (a: Uint8Array) => existing.get(Buffer.from(a).toString("hex"));
    // verifyRemovals
    let removedPower = 0n;
    for (const d of deletes) {
      const i = indexOf(d.address);
      if (i === undefined)
        throw new ValidatorUpdateError(
          `cannot remove validator ${Buffer.from(d.address).toString("hex").toUpperCase()}: not in the set`,
        );
      removedPower += this.validators[i]!.votingPower;
    }
    const numNew = updates.filter((u) => indexOf(u.address) === undefined).length;
    if (numNew === 0 && deletes.length === this.validators.length)
      throw new ValidatorUpdateError("the validator updates would leave an empty set");
    // verifyUpdates: apply the deltas smallest first so a transient overflow is not reported.
    const delta = (u: (typeof updates)[number]) => {
      const i = indexOf(u.address);
      return i === undefined ? u.power : u.power - this.validators[i]!.votingPower;
    };
    let tvp = this.totalVotingPower - removedPower;
    const weightOf = (u: (typeof updates)[number]) => u.proposerWeight ?? u.power;
    for (const d of updates.map(delta).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      tvp += d;
      if (tvp > MAX_TOTAL_VOTING_POWER)
        throw new ValidatorUpdateError("validator updates would exceed the maximum total voting power");
    }
    // New validators start behind everyone by 1.125 x the total weight before removals (CometBFT,
    // where the weights are the powers).
    let twBeforeRemovals = this.totalWeight;
    for (const u of updates) {
      const i = indexOf(u.address);
      twBeforeRemovals += weightOf(u) - (i === undefined ? 0n : this.weights[i]!);
    }
    // computeNewPriorities, applyUpdates, applyRemovals.
    const merged = new Map<string, { v: Validator; p: bigint }>();
    for (const [i, v] of this.validators.entries())
      merged.set(Buffer.from(v.address).toString("hex"), { v, p: this.priorities[i]! });
    for (const u of updates) {
      const key = Buffer.from(u.address).toString("hex");
      const old = merged.get(key);
      merged.set(key, {
        v: {
          address: u.address,
          pubKey: u.pubKey,
          votingPower: u.power,
          name: old?.v.name ?? "",
          ...(u.proposerWeight !== undefined ? { proposerWeight: u.proposerWeight } : {}),
        },
        p: old ? old.p : -(twBeforeRemovals + (twBeforeRemovals >> 3n)),
      });
    }
    for (const d of deletes) merged.delete(Buffer.from(d.address).toString("hex"));
    const entries = [...merged.values()];
    const set = new ValidatorSet(
      entries.map((e) => e.v),
      entries.map((e) => e.p),
      undefined,
    );
    set.rescalePriorities(PRIORITY_WINDOW_SIZE_FACTOR * set.totalWeight);
    set.shiftByAvgProposerPriority();
    const order = entries
      .map((_, i) => i)
      .sort((a, b) => byVotingPower(set.validators[a]!, set.validators[b]!));
    return new ValidatorSet(
      order.map((i) => set.validators[i]!),
      order.map((i) => set.priorities[i]!),
      undefined,
    );
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
    this.rescalePriorities(PRIORITY_WINDOW_SIZE_FACTOR * this.totalWeight);
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
      this.priorities[i] = clip(this.priorities[i]! + this.weights[i]!);
    const most = this.mostPriority();
    this.priorities[most] = clip(this.priorities[most]! - this.totalWeight);
    return most;
  }

  /**
   * getValWithMostPriority: highest priority, ties to the lower address (CompareProposerPriority),
   * among validators allowed to propose (weight > 0).
   */
  private mostPriority(): number {
    let best = this.weights.findIndex((w) => w > 0n);
    for (let i = best + 1; i < this.validators.length; i++) {
      if (this.weights[i] === 0n) continue;
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
