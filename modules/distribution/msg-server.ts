import {
  MsgFundCommunityPool,
  MsgFundCommunityPoolResponse,
  MsgSetWithdrawAddress,
  MsgSetWithdrawAddressResponse,
  MsgWithdrawDelegatorReward,
  MsgWithdrawDelegatorRewardResponse,
  MsgWithdrawValidatorCommission,
  MsgWithdrawValidatorCommissionResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { SdkCode, sdkError } from "../../chain/app/errors.ts";
import type { MsgDef } from "../../chain/app/module.ts";
import { parseCoins, toWireCoins } from "../../chain/types/coins.ts";
import { accBytes, accountOf, valBytes } from "../staking/store.ts";
import { DistributionCode, distributionError } from "./errors.ts";
import type { DistributionKeeper } from "./keeper.ts";

function address(bytesOf: (a: string) => Uint8Array, a: string, what: string, empty: DistributionCode) {
  if (a === "") throw distributionError(empty, `${what} address is empty`);
  try {
    return bytesOf(a);
  } catch (e) {
    throw sdkError(SdkCode.InvalidAddress, `invalid ${what} address: ${(e as Error).message}`);
  }
}
const delAddr = (a: string) => address(accBytes, a, "delegator", DistributionCode.EmptyDelegatorAddr);
const valAddr = (a: string) => address(valBytes, a, "validator", DistributionCode.EmptyValidatorAddr);
const withdrawAddr = (a: string) => address(accBytes, a, "withdraw", DistributionCode.EmptyWithdrawAddr);

/** The Msg service of cosmos.distribution.v1beta1 (governance-only messages are not offered). */
export function distributionMsgs(k: DistributionKeeper): MsgDef<never>[] {
  const withdrawReward: MsgDef<MsgWithdrawDelegatorReward> = {
    typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
    decode: (b) => MsgWithdrawDelegatorReward.decode(b),
    signers: (m) => [m.delegatorAddress],
    validateBasic(m) {
      delAddr(m.delegatorAddress);
      valAddr(m.validatorAddress);
    },
    async handle(ctx, m) {
      const amount = await k.withdrawDelegationRewards(ctx, delAddr(m.delegatorAddress), m.validatorAddress);
      return {
        typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorRewardResponse",
        value: MsgWithdrawDelegatorRewardResponse.encode({ amount: toWireCoins(amount) }).finish(),
      };
    },
  };

  const withdrawCommission: MsgDef<MsgWithdrawValidatorCommission> = {
    typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
    decode: (b) => MsgWithdrawValidatorCommission.decode(b),
    // The operator's own account signs (the same bytes as its validator address).
    signers: (m) => [accountOf(valAddr(m.validatorAddress))],
    validateBasic(m) {
      valAddr(m.validatorAddress);
    },
    async handle(ctx, m) {
      const amount = await k.withdrawValidatorCommission(ctx, m.validatorAddress);
      return {
        typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommissionResponse",
        value: MsgWithdrawValidatorCommissionResponse.encode({ amount: toWireCoins(amount) }).finish(),
      };
    },
  };

  const setWithdrawAddress: MsgDef<MsgSetWithdrawAddress> = {
    typeUrl: "/cosmos.distribution.v1beta1.MsgSetWithdrawAddress",
    decode: (b) => MsgSetWithdrawAddress.decode(b),
    signers: (m) => [m.delegatorAddress],
    validateBasic(m) {
      delAddr(m.delegatorAddress);
      withdrawAddr(m.withdrawAddress);
    },
    async handle(ctx, m) {
      await k.setWithdrawAddress(ctx, delAddr(m.delegatorAddress), m.withdrawAddress);
      return {
        typeUrl: "/cosmos.distribution.v1beta1.MsgSetWithdrawAddressResponse",
        value: MsgSetWithdrawAddressResponse.encode({}).finish(),
      };
    },
  };

  const fundCommunityPool: MsgDef<MsgFundCommunityPool> = {
    typeUrl: "/cosmos.distribution.v1beta1.MsgFundCommunityPool",
    decode: (b) => MsgFundCommunityPool.decode(b),
    signers: (m) => [m.depositor],
    validateBasic(m) {
      address(accBytes, m.depositor, "depositor", DistributionCode.EmptyDelegatorAddr);
      parseCoins(m.amount);
    },
    async handle(ctx, m) {
      await k.fundCommunityPool(ctx, m.depositor, parseCoins(m.amount));
      return {
        typeUrl: "/cosmos.distribution.v1beta1.MsgFundCommunityPoolResponse",
        value: MsgFundCommunityPoolResponse.encode({}).finish(),
      };
    },
  };

  return [withdrawReward, withdrawCommission, setWithdrawAddress, fundCommunityPool] as MsgDef<never>[];
}
