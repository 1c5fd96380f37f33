import { MsgUnjail, MsgUnjailResponse } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { SdkCode, sdkError } from "../../chain/app/errors.ts";
import { event } from "../../chain/app/events.ts";
import type { MsgDef } from "../../chain/app/module.ts";
import { Dec } from "../../chain/types/dec.ts";
import { accountOf, valBytes } from "../staking/store.ts";
import { consensusAddress, tokensFromShares } from "../staking/validator.ts";
import { SlashingCode, slashingError } from "./errors.ts";
import type { SlashingKeeper } from "./keeper.ts";

function validatorArg(a: string): Uint8Array {
  try {
    return valBytes(a);
  } catch (e) {
    throw sdkError(SdkCode.InvalidAddress, `invalid validator address: ${(e as Error).message}`);
  }
}

export function slashingMsgs(k: SlashingKeeper): MsgDef<never>[] {
  const unjail: MsgDef<MsgUnjail> = {
    typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail",
    decode: (b) => MsgUnjail.decode(b),
    signers: (m) => [accountOf(validatorArg(m.validatorAddr))],
    validateBasic(m) {
      validatorArg(m.validatorAddr);
    },
    async handle(ctx, m) {
      const val = validatorArg(m.validatorAddr);
      const { store } = k.staking;
      const v = await store.validator(ctx, val);
      if (!v) throw slashingError(SlashingCode.NoValidatorForAddress, `no validator ${m.validatorAddr}`);
      const self = await store.delegation(ctx, val, val);
      if (!self) throw slashingError(SlashingCode.MissingSelfDelegation, "validator has no self-delegation");
      if (tokensFromShares(v, Dec.fromProto(self.shares)).truncateInt() < BigInt(v.minSelfDelegation))
        throw slashingError(SlashingCode.SelfDelegationTooLowToUnjail, "self delegation below the minimum");
      if (!v.jailed) throw slashingError(SlashingCode.ValidatorNotJailed, "validator is not jailed");
      const allowed = await k.unjailAllowed(ctx, consensusAddress(v));
      if (allowed === "tombstoned")
        throw slashingError(SlashingCode.ValidatorJailed, "validator is tombstoned");
      if (allowed === "too-early")
        throw slashingError(SlashingCode.ValidatorJailed, "validator still jailed; cannot be unjailed");
      await k.staking.unjail(ctx, v);
      ctx.events.emit(event("unjail", [["sender", m.validatorAddr]]));
      return {
        typeUrl: "/cosmos.slashing.v1beta1.MsgUnjailResponse",
        value: MsgUnjailResponse.encode({}).finish(),
      };
    },
  };
  return [unjail] as MsgDef<never>[];
}
