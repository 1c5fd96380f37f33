import { ChainError } from "../../chain/app/errors.ts";

/** Codes of the x/slashing codespace (x/slashing/types/errors.go). */
export const SLASHING_CODESPACE = "slashing";

export enum SlashingCode {
  NoValidatorForAddress = 2,
  BadValidatorAddr = 3,
  ValidatorJailed = 4,
  ValidatorNotJailed = 5,
  MissingSelfDelegation = 6,
  SelfDelegationTooLowToUnjail = 7,
  NoSigningInfoFound = 8,
  ValidatorTombstoned = 9,
}

const DESCRIPTIONS: Record<SlashingCode, string> = {
  [SlashingCode.NoValidatorForAddress]: "address is not associated with any known validator",
  [SlashingCode.BadValidatorAddr]: "validator does not exist for that address",
  [SlashingCode.ValidatorJailed]: "validator still jailed; cannot be unjailed",
  [SlashingCode.ValidatorNotJailed]: "validator not jailed; cannot be unjailed",
  [SlashingCode.MissingSelfDelegation]: "validator has no self-delegation; cannot be unjailed",
  [SlashingCode.SelfDelegationTooLowToUnjail]:
    "validator's self delegation less than minimum; cannot be unjailed",
  [SlashingCode.NoSigningInfoFound]: "no validator signing info found",
  [SlashingCode.ValidatorTombstoned]: "validator already tombstoned",
};

export const slashingError = (code: SlashingCode, message: string) =>
  new ChainError(SLASHING_CODESPACE, code, message, DESCRIPTIONS[code]);
