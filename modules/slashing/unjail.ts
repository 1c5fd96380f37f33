import type { Context } from "../../chain/app/context.ts";
import { Dec } from "../../chain/types/dec.ts";
import { blockTime, timeLte } from "../staking/keeper.ts";
import { StakingCode, stakingError } from "../staking/errors.ts";
import { consensusAddress, tokensFromShares } from "../staking/validator.ts";
import { valoperOf } from "../staking/store.ts";
import { SlashingCode, slashingError } from "./errors.ts";
import type { SlashingKeeper } from "./keeper.ts";

/**
 * Keeper.Unjail (SDK v0.50), in the SDK's order of checks. As in v0.50, an unknown validator or a
 * missing self-delegation fail with staking's own errors (its getters fail before slashing's
 * ErrNoValidatorForAddress / ErrMissingSelfDelegation could).
 */
export async function unjail(ctx: Context, k: SlashingKeeper, val: Uint8Array): Promise<void> {
  const { store } = k.staking;
  const v = await store.validator(ctx, val);
  if (!v) throw stakingError(StakingCode.NoValidatorFound, `validator ${valoperOf(val)} does not exist`);
  const self = await store.delegation(ctx, val, val);
  if (!self) throw stakingError(StakingCode.NoDelegation, "no delegation for (address, validator) tuple");
  const tokens = tokensFromShares(v, Dec.fromProto(self.shares)).truncateInt();
  if (tokens < BigInt(v.minSelfDelegation))
    throw slashingError(
      SlashingCode.SelfDelegationTooLowToUnjail,
      `${tokens} less than ${v.minSelfDelegation}`,
    );
  if (!v.jailed) throw slashingError(SlashingCode.ValidatorNotJailed, "validator not jailed");
  // No signing info: never bonded, so jailed only for falling below its minimum self delegation,
  // which it is no longer; it may leave at once.
  const info = await k.store.signingInfo(ctx, consensusAddress(v));
  if (info?.tombstoned) throw slashingError(SlashingCode.ValidatorJailed, "validator is tombstoned");
  if (info && !timeLte(info.jailedUntil!, blockTime(ctx)))
    throw slashingError(SlashingCode.ValidatorJailed, "jail period is not over");
  await k.staking.unjail(ctx, v);
}
