import type { Params } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { Dec } from "../../chain/types/dec.ts";

/** One CometBFT unit of voting power per CIF (the SDK's DefaultPowerReduction, 10^6 base units). */
export const POWER_REDUCTION = 1_000_000n;

export const BONDED_POOL = "bonded_tokens_pool";
export const NOT_BONDED_POOL = "not_bonded_tokens_pool";

/** x/staking parameters, plus the epoch length at which the consensus set may change (DESIGN section 5). */
export interface StakingParams {
  unbondingTimeSeconds: bigint;
  maxValidators: number;
  maxEntries: number;
  historicalEntries: number;
  bondDenom: string;
  minCommissionRate: Dec;
  /** The validator set handed to consensus changes only at heights divisible by this. */
  epochBlocks: bigint;
}

export const DEFAULT_STAKING_PARAMS: StakingParams = {
  unbondingTimeSeconds: 21n * 24n * 3600n,
  maxValidators: 100,
  maxEntries: 7,
  historicalEntries: 0,
  bondDenom: "ucif",
  minCommissionRate: Dec.ZERO,
  epochBlocks: 100n,
};

export function validateStakingParams(p: StakingParams): void {
  if (p.unbondingTimeSeconds <= 0n) throw new Error("unbonding time must be positive");
  if (!Number.isInteger(p.maxValidators) || p.maxValidators <= 0)
    throw new Error("max validators must be positive");
  if (!Number.isInteger(p.maxEntries) || p.maxEntries <= 0) throw new Error("max entries must be positive");
  if (!Number.isInteger(p.historicalEntries) || p.historicalEntries < 0)
    throw new Error("historical entries must not be negative");
  if (!/^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/.test(p.bondDenom))
    throw new Error(`invalid bond denom ${p.bondDenom}`);
  if (p.minCommissionRate.isNegative() || p.minCommissionRate.gt(Dec.ONE))
    throw new Error("min commission rate must be within [0, 1]");
  if (p.epochBlocks <= 0n) throw new Error("epoch blocks must be positive");
}

export const paramsToWire = (p: StakingParams): Params => ({
  unbondingTime: { seconds: p.unbondingTimeSeconds, nanos: 0 },
  maxValidators: p.maxValidators,
  maxEntries: p.maxEntries,
  historicalEntries: p.historicalEntries,
  bondDenom: p.bondDenom,
  minCommissionRate: p.minCommissionRate.toProto(),
});
