import { type ReputationParams, Tier } from "./proto.ts";

// The pure reputation rules of DESIGN section 7. R is an integer in millionths; every step is
// integer arithmetic, so every node computes the same R.

export const R_ONE = 1_000_000n;
/** Where a validator starts when it becomes active (R0 = 0.5). */
export const R_INITIAL = 500_000n;
/** Whitepaper thresholds: Trusted at R >= 0.8, Unreliable below 0.3. */
export const R_TRUSTED = 800_000n;
export const R_NORMAL = 300_000n;

export const DEFAULT_REPUTATION_PARAMS: ReputationParams = {
  // A missed precommit costs 1% of the distance to 0; a proposal 5%; an FL verdict 5%.
  signAlpha: 10_000n,
  proposeAlpha: 50_000n,
  flAlpha: 50_000n,
  trustedWeightPercent: 150n,
  normalWeightPercent: 100n,
  // A sample of every validator's R and tier every 10 blocks, the last 100 kept (1000 blocks).
  historyInterval: 10n,
  historyLength: 100n,
};

/** Samples kept per validator at most: one page of a query holds a whole history, state stays small. */
export const MAX_HISTORY_LENGTH = 1000n;

/**
 * One observation folded into the exponential moving average: R + alpha (target - R), with
 * target 1 for good behaviour and 0 for bad, truncated toward R's old value so R stays in [0, 1].
 */
export function ema(r: bigint, good: boolean, alpha: bigint): bigint {
  if (r < 0n || r > R_ONE) throw new Error(`reputation ${r} out of range`);
  if (alpha < 0n || alpha > R_ONE) throw new Error(`alpha ${alpha} out of range`);
  const target = good ? R_ONE : 0n;
  return r + (alpha * (target - r)) / R_ONE;
}

/** The tier R earns once probation is over. */
export function tierOf(r: bigint): Tier.Trusted | Tier.Normal | Tier.Unreliable {
  if (r >= R_TRUSTED) return Tier.Trusted;
  if (r >= R_NORMAL) return Tier.Normal;
  return Tier.Unreliable;
}

/**
 * The tier at an epoch boundary: New stays New (not bonded), Initial keeps its probation until
 * `probationUntil`, everyone else follows R.
 */
export function tierAtEpoch(current: Tier, r: bigint, height: bigint, probationUntil: bigint): Tier {
  if (current === Tier.New || current === Tier.Unspecified) return current;
  if (current === Tier.Initial && height < probationUntil) return Tier.Initial;
  return tierOf(r);
}

/** Proposer-selection weight of a tier: Initial votes but never proposes, Trusted proposes more often. */
export function proposerWeight(tier: Tier, power: bigint, p: ReputationParams): bigint {
  switch (tier) {
    case Tier.Initial:
    case Tier.New:
      return 0n;
    case Tier.Trusted:
      return (power * p.trustedWeightPercent) / 100n;
    default:
      return (power * p.normalWeightPercent) / 100n;
  }
}

export function validateReputationParams(p: ReputationParams): void {
  for (const k of ["signAlpha", "proposeAlpha", "flAlpha"] as const)
    if (p[k] < 0n || p[k] > R_ONE) throw new Error(`${k} must be within [0, 1000000]`);
  if (p.trustedWeightPercent < 1n || p.trustedWeightPercent > 1000n)
    throw new Error("trusted_weight_percent must be within [1, 1000]");
  if (p.normalWeightPercent < 1n || p.normalWeightPercent > 1000n)
    throw new Error("normal_weight_percent must be within [1, 1000]");
  if (p.historyInterval < 1n) throw new Error("history_interval must be at least 1 block");
  if (p.historyLength < 1n || p.historyLength > MAX_HISTORY_LENGTH)
    throw new Error(`history_length must be within [1, ${MAX_HISTORY_LENGTH}]`);
}
