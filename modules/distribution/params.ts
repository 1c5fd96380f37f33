import type { Params } from "cosmjs-types/cosmos/distribution/v1beta1/distribution";
import { Dec } from "../../chain/types/dec.ts";

/** The distribution module account: outstanding rewards, commission and the community pool. */
export const DISTRIBUTION_MODULE = "distribution";

/**
 * x/distribution parameters (SDK v0.50). The proposer rewards are deprecated there (always zero) and
 * kept only so the wire type round-trips.
 */
export interface DistributionParams {
  communityTax: Dec;
  baseProposerReward: Dec;
  bonusProposerReward: Dec;
  withdrawAddrEnabled: boolean;
}

export const DEFAULT_DISTRIBUTION_PARAMS: DistributionParams = {
  communityTax: Dec.withPrec(2n, 2),
  baseProposerReward: Dec.ZERO,
  bonusProposerReward: Dec.ZERO,
  withdrawAddrEnabled: true,
};

export function validateDistributionParams(p: DistributionParams): void {
  if (p.communityTax.isNegative() || p.communityTax.gt(Dec.ONE))
    throw new Error(`community_tax must be between 0 and 1, got ${p.communityTax}`);
  if (!p.baseProposerReward.isZero() || !p.bonusProposerReward.isZero())
    throw new Error("base_proposer_reward and bonus_proposer_reward are deprecated and must be 0");
}

export const distributionParamsToWire = (p: DistributionParams): Params => ({
  communityTax: p.communityTax.toProto(),
  baseProposerReward: p.baseProposerReward.toProto(),
  bonusProposerReward: p.bonusProposerReward.toProto(),
  withdrawAddrEnabled: p.withdrawAddrEnabled,
});

export const distributionParamsFromWire = (p: Params): DistributionParams => ({
  communityTax: Dec.fromProto(p.communityTax),
  baseProposerReward: Dec.fromProto(p.baseProposerReward || "0"),
  bonusProposerReward: Dec.fromProto(p.bonusProposerReward || "0"),
  withdrawAddrEnabled: p.withdrawAddrEnabled,
});

/**
 * Cifer's emission of validator rewards (DESIGN section 10): nothing is minted; every block moves
 * a decaying amount from the genesis staking-rewards allocation (a module account, 15% of the
 * supply) into distribution, on top of the fees. The per-block amount starts at `initialPerBlock`
 * and is multiplied by (1 - decayRate) every `decayPeriodBlocks`; it stops when the pool is empty.
 */
export interface EmissionParams {
  /** Module account the rewards come from. */
  source: string;
  /** ucif per block in the first period. */
  initialPerBlock: bigint;
  decayRate: Dec;
  decayPeriodBlocks: bigint;
}

/** The genesis allocation that pays validator rewards. */
export const STAKING_REWARDS_POOL = "staking_rewards";

/**
 * A year of 1 s blocks per period, 20% less each period: 30M CIF the first year and a geometric
 * series that sums to the 150M CIF of the staking-rewards allocation (951,293 x 31,536,000 / 0.2).
 */
export const DEFAULT_EMISSION_PARAMS: EmissionParams = {
  source: STAKING_REWARDS_POOL,
  initialPerBlock: 951_293n,
  decayRate: Dec.withPrec(2n, 1),
  decayPeriodBlocks: 31_536_000n,
};

export function validateEmissionParams(p: EmissionParams): void {
  if (!/^[a-z_]{1,64}$/.test(p.source)) throw new Error(`emission source "${p.source}" is not a module name`);
  if (p.initialPerBlock < 0n) throw new Error("emission initial_per_block must not be negative");
  if (p.decayRate.isNegative() || p.decayRate.gt(Dec.ONE))
    throw new Error(`emission decay_rate must be between 0 and 1, got ${p.decayRate}`);
  if (p.decayPeriodBlocks < 1n) throw new Error("emission decay_period_blocks must be at least 1");
}
