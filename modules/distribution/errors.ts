import { ChainError } from "../../chain/app/errors.ts";

/** Codes of the x/distribution codespace (x/distribution/types/errors.go, SDK v0.50). */
export const DISTRIBUTION_CODESPACE = "distribution";

export enum DistributionCode {
  EmptyDelegatorAddr = 2,
  EmptyWithdrawAddr = 3,
  EmptyValidatorAddr = 4,
  EmptyDelegationDistInfo = 5,
  NoValidatorDistInfo = 6,
  NoValidatorCommission = 7,
  SetWithdrawAddrDisabled = 8,
  BadDistribution = 9,
  NoValidatorExists = 12,
  NoDelegationExists = 13,
}

const DESCRIPTIONS: Record<DistributionCode, string> = {
  [DistributionCode.EmptyDelegatorAddr]: "delegator address is empty",
  [DistributionCode.EmptyWithdrawAddr]: "withdraw address is empty",
  [DistributionCode.EmptyValidatorAddr]: "validator address is empty",
  [DistributionCode.EmptyDelegationDistInfo]: "no delegation distribution info",
  [DistributionCode.NoValidatorDistInfo]: "no validator distribution info",
  [DistributionCode.NoValidatorCommission]: "no validator commission to withdraw",
  [DistributionCode.SetWithdrawAddrDisabled]: "set withdraw address disabled",
  [DistributionCode.BadDistribution]: "community pool does not have sufficient coins to distribute",
  [DistributionCode.NoValidatorExists]: "validator does not exist",
  [DistributionCode.NoDelegationExists]: "delegation does not exist",
};

export const distributionError = (code: DistributionCode, message: string) =>
  new ChainError(DISTRIBUTION_CODESPACE, code, message, DESCRIPTIONS[code]);
