import { BondStatus, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import { Tier } from "../reputation/proto.ts";
import { consensusPower } from "../staking/validator.ts";
import type { FlReputation, FlStaking } from "./expected-keepers.ts";
import type { CommitteeMember } from "./proto.ts";
import { type Candidate, type SeededRng, weightedSample } from "./sampling.ts";

/** What committee eligibility reads of a validator. */
export interface ValidatorInfo {
  operator: string;
  bonded: boolean;
  jailed: boolean;
  /** Consensus power. */
  power: bigint;
  /** Undefined when the validator has no reputation record. */
  tier: Tier | undefined;
  /** R in millionths. */
  reputation: bigint;
}

export interface TierWeights {
  trustedWeightPercent: bigint;
  normalWeightPercent: bigint;
}

export interface WeightedValidator extends Candidate {
  power: bigint;
}

/**
 * Who may sit on a committee, and with what weight (pure). Bonded, not jailed validators with power,
 * whose tier is neither New (not active) nor Unreliable (about to be jailed); Initial validators
 * serve (their probation only bars proposing: they vote in consensus already). The weight is
 * power x R, so stake and reputation both count, times the reputation module's tier percentage,
 * which gives Trusted validators their committee priority as it gives them proposer priority.
 * Returned sorted by operator address, the canonical order sampling needs.
 */
export function eligibleValidators(vals: readonly ValidatorInfo[], w: TierWeights): WeightedValidator[] {
  const out: WeightedValidator[] = [];
  for (const v of vals) {
    if (!v.bonded || v.jailed || v.power <= 0n) continue;
    if (
      v.tier === undefined ||
      v.tier === Tier.New ||
      v.tier === Tier.Unreliable ||
      v.tier === Tier.Unspecified
    )
      continue;
    const percent = v.tier === Tier.Trusted ? w.trustedWeightPercent : w.normalWeightPercent;
    const weight = (v.power * v.reputation * percent) / 100n;
    if (weight > 0n) out.push({ id: v.operator, weight, power: v.power });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * A committee of up to `size` members drawn by weight without replacement. Members of `avoid` (a
 * dispute avoids the committee it judges) are drawn only when the others are too few, and then by
 * weight as well. Returned sorted by operator address.
 */
export function sampleCommittee(
  eligible: readonly WeightedValidator[],
  size: number,
  rng: SeededRng,
  avoid: ReadonlySet<string> = new Set(),
): CommitteeMember[] {
  const first = weightedSample(
    eligible.filter((v) => !avoid.has(v.id)),
    size,
    rng,
  );
  const rest =
    first.length < size
      ? weightedSample(
          eligible.filter((v) => avoid.has(v.id)),
          size - first.length,
          rng,
        )
      : [];
  const power = new Map(eligible.map((v) => [v.id, v.power]));
  return [...first, ...rest]
    .map((c) => ({ validator: c.id, power: power.get(c.id)! }))
    .sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
}

function infoOf(v: Validator, rep: { tier: Tier; reputation: bigint } | undefined): ValidatorInfo {
  return {
    operator: v.operatorAddress,
    bonded: v.status === BondStatus.BOND_STATUS_BONDED,
    jailed: v.jailed,
    power: consensusPower(v),
    tier: rep?.tier,
    reputation: rep?.reputation ?? 0n,
  };
}

/** The eligible validators of the current state, weighted (see eligibleValidators). */
export async function currentEligible(
  ctx: Context,
  staking: FlStaking,
  reputation: FlReputation,
): Promise<WeightedValidator[]> {
  const infos: ValidatorInfo[] = [];
  for await (const v of staking.validators(ctx))
    if (v.status === BondStatus.BOND_STATUS_BONDED && !v.jailed)
      infos.push(infoOf(v, await reputation.get(ctx, v.operatorAddress)));
  return eligibleValidators(infos, await reputation.params(ctx));
}
