import { ChainError } from "../../chain/app/errors.ts";

/** Codes of the x/staking codespace (x/staking/types/errors.go, SDK v0.50). */
export const STAKING_CODESPACE = "staking";

export enum StakingCode {
  EmptyValidatorAddr = 2,
  NoValidatorFound = 3,
  ValidatorOwnerExists = 4,
  ValidatorPubKeyExists = 5,
  ValidatorPubKeyTypeNotSupported = 6,
  ValidatorJailed = 7,
  CommissionNegative = 9,
  CommissionHuge = 10,
  CommissionGTMaxRate = 11,
  CommissionUpdateTime = 12,
  CommissionChangeRateNegative = 13,
  CommissionChangeRateGTMaxRate = 14,
  CommissionGTMaxChangeRate = 15,
  SelfDelegationBelowMinimum = 16,
  MinSelfDelegationDecreased = 17,
  EmptyDelegatorAddr = 18,
  NoDelegation = 19,
  BadDelegatorAddr = 20,
  InsufficientShares = 22,
  NotEnoughDelegationShares = 24,
  NoUnbondingDelegation = 26,
  MaxUnbondingDelegationEntries = 27,
  NoRedelegation = 28,
  SelfRedelegation = 29,
  TinyRedelegationAmount = 30,
  BadRedelegationDst = 31,
  TransitiveRedelegation = 32,
  MaxRedelegationEntries = 33,
  DelegatorShareExRateInvalid = 34,
  EmptyValidatorPubKey = 39,
  CommissionLTMinRate = 40,
  InvalidSigner = 43,
}

const DESCRIPTIONS: Record<StakingCode, string> = {
  [StakingCode.EmptyValidatorAddr]: "empty validator address",
  [StakingCode.NoValidatorFound]: "validator does not exist",
  [StakingCode.ValidatorOwnerExists]:
    "validator already exist for this operator address; must use new validator operator address",
  [StakingCode.ValidatorPubKeyExists]:
    "validator already exist for this pubkey; must use new validator pubkey",
  [StakingCode.ValidatorPubKeyTypeNotSupported]: "validator pubkey type is not supported",
  [StakingCode.ValidatorJailed]: "validator for this address is currently jailed",
  [StakingCode.CommissionNegative]: "commission must be positive",
  [StakingCode.CommissionHuge]: "commission cannot be more than 100%",
  [StakingCode.CommissionGTMaxRate]: "commission cannot be more than the max rate",
  [StakingCode.CommissionUpdateTime]: "commission cannot be changed more than once in 24h",
  [StakingCode.CommissionChangeRateNegative]: "commission change rate must be positive",
  [StakingCode.CommissionChangeRateGTMaxRate]: "commission change rate cannot be more than the max rate",
  [StakingCode.CommissionGTMaxChangeRate]: "commission cannot be changed more than max change rate",
  [StakingCode.SelfDelegationBelowMinimum]:
    "validator's self delegation must be greater than their minimum self delegation",
  [StakingCode.MinSelfDelegationDecreased]: "minimum self delegation cannot be decrease",
  [StakingCode.EmptyDelegatorAddr]: "empty delegator address",
  [StakingCode.NoDelegation]: "no delegation for (address, validator) tuple",
  [StakingCode.BadDelegatorAddr]: "delegator does not exist with address",
  [StakingCode.InsufficientShares]: "insufficient delegation shares",
  [StakingCode.NotEnoughDelegationShares]: "not enough delegation shares",
  [StakingCode.NoUnbondingDelegation]: "no unbonding delegation found",
  [StakingCode.MaxUnbondingDelegationEntries]:
    "too many unbonding delegation entries for (delegator, validator) tuple",
  [StakingCode.NoRedelegation]: "no redelegation found",
  [StakingCode.SelfRedelegation]: "cannot redelegate to the same validator",
  [StakingCode.TinyRedelegationAmount]: "too few tokens to redelegate (truncates to zero tokens)",
  [StakingCode.BadRedelegationDst]: "redelegation destination validator not found",
  [StakingCode.TransitiveRedelegation]:
    "redelegation to this validator already in progress; first redelegation to this validator must complete before next redelegation",
  [StakingCode.MaxRedelegationEntries]:
    "too many redelegation entries for (delegator, src-validator, dst-validator) tuple",
  [StakingCode.DelegatorShareExRateInvalid]: "cannot delegate to validators with invalid (zero) ex-rate",
  [StakingCode.EmptyValidatorPubKey]: "empty validator public key",
  [StakingCode.CommissionLTMinRate]: "commission cannot be less than min rate",
  [StakingCode.InvalidSigner]: "expected authority account as only signer for proposal message",
};

export const stakingError = (code: StakingCode, message: string) =>
  new ChainError(STAKING_CODESPACE, code, message, DESCRIPTIONS[code]);
