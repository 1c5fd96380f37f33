import { MsgUnjail, MsgUnjailResponse } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { SdkCode, sdkError } from "../../chain/app/errors.ts";
import type { MsgDef } from "../../chain/app/module.ts";
import { accountOf, valBytes } from "../staking/store.ts";
import type { SlashingKeeper } from "./keeper.ts";
import { unjail } from "./unjail.ts";

function validatorArg(a: string): Uint8Array {
  try {
    return valBytes(a);
  } catch (e) {
    throw sdkError(SdkCode.InvalidAddress, `validator input address: ${(e as Error).message}`);
  }
}

/** x/slashing's Msg service: MsgUnjail, signed by the operator's account. */
export function slashingMsgs(k: SlashingKeeper): MsgDef<never>[] {
  const unjailMsg: MsgDef<MsgUnjail> = {
    typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail",
    decode: (b) => MsgUnjail.decode(b),
    signers: (m) => [accountOf(validatorArg(m.validatorAddr))],
    validateBasic(m) {
      validatorArg(m.validatorAddr);
    },
    async handle(ctx, m) {
      await unjail(ctx, k, validatorArg(m.validatorAddr));
      return {
        typeUrl: "/cosmos.slashing.v1beta1.MsgUnjailResponse",
        value: MsgUnjailResponse.encode({}).finish(),
      };
    },
  };
  return [unjailMsg] as MsgDef<never>[];
}
