/**
 * Builders of the standard Cosmos staking, distribution and slashing messages (cosmjs-types), typed for
 * `signAndBroadcast`. They take already validated values (see client/cli/options.ts for the parsing of
 * what people type); LegacyDec fields (commission rates) are given as decimals ("0.1") and put on the
 * wire as the SDK's gogoproto customtype does: the 18-decimal atomics as an integer string.
 */
import type { Coin, EncodeObject } from "@cosmjs/proto-signing";
import type {
  MsgBeginRedelegateEncodeObject,
  MsgCreateValidatorEncodeObject,
  MsgDelegateEncodeObject,
  MsgEditValidatorEncodeObject,
  MsgSendEncodeObject,
  MsgUndelegateEncodeObject,
  MsgWithdrawDelegatorRewardEncodeObject,
} from "@cosmjs/stargate";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import {
  MsgFundCommunityPool,
  MsgSetWithdrawAddress,
  MsgWithdrawDelegatorReward,
  MsgWithdrawValidatorCommission,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import type { Description } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import {
  MsgBeginRedelegate,
  MsgCreateValidator,
  MsgDelegate,
  MsgEditValidator,
  MsgUndelegate,
} from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { parseAddress } from "../chain/crypto/address.ts";
import { Dec } from "../chain/types/dec.ts";
import { parseCoins } from "./amounts.ts";

export const ED25519_PUBKEY_TYPE_URL = "/cosmos.crypto.ed25519.PubKey";
/** MsgEditValidator: a description field with this value is left as it is (the SDK's sentinel). */
export const DO_NOT_MODIFY = "[do-not-modify]";

/** "0.1" -> "100000000000000000" (LegacyDec on the protobuf wire). */
export const decToWire = (decimal: string): string => Dec.parse(decimal).toProto();

export function msgDelegate(
  delegatorAddress: string,
  validatorAddress: string,
  amount: Coin,
): MsgDelegateEncodeObject {
  return {
    typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
    value: MsgDelegate.fromPartial({ delegatorAddress, validatorAddress, amount }),
  };
}

export function msgUndelegate(
  delegatorAddress: string,
  validatorAddress: string,
  amount: Coin,
): MsgUndelegateEncodeObject {
  return {
    typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate",
    value: MsgUndelegate.fromPartial({ delegatorAddress, validatorAddress, amount }),
  };
}

export function msgBeginRedelegate(
  delegatorAddress: string,
  validatorSrcAddress: string,
  validatorDstAddress: string,
  amount: Coin,
): MsgBeginRedelegateEncodeObject {
  return {
    typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate",
    value: MsgBeginRedelegate.fromPartial({
      delegatorAddress,
      validatorSrcAddress,
      validatorDstAddress,
      amount,
    }),
  };
}

export interface CreateValidatorArgs {
  /** cifvaloper... of the signer (SDK v0.50: the operator signs; the delegator address is left empty). */
  validatorAddress: string;
  /** The 32-byte ed25519 consensus public key. */
  consensusPubkey: Uint8Array;
  selfDelegation: Coin;
  description: Description;
  /** Decimals, e.g. "0.1". */
  commission: { rate: string; maxRate: string; maxChangeRate: string };
  /** Integer amount of the bond denomination. */
  minSelfDelegation: string;
}

export function msgCreateValidator(a: CreateValidatorArgs): MsgCreateValidatorEncodeObject {
  return {
    typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
    value: MsgCreateValidator.fromPartial({
      description: a.description,
      commission: {
        rate: decToWire(a.commission.rate),
        maxRate: decToWire(a.commission.maxRate),
        maxChangeRate: decToWire(a.commission.maxChangeRate),
      },
      minSelfDelegation: a.minSelfDelegation,
      delegatorAddress: "",
      validatorAddress: a.validatorAddress,
      pubkey: {
        typeUrl: ED25519_PUBKEY_TYPE_URL,
        value: PubKey.encode({ key: a.consensusPubkey }).finish(),
      },
      value: a.selfDelegation,
    }),
  };
}

export interface EditValidatorArgs {
  validatorAddress: string;
  /** Fields left out are not changed. */
  description?: Partial<Description>;
  /** A decimal, e.g. "0.12"; left out: unchanged. */
  commissionRate?: string;
  /** Integer amount of the bond denomination; left out: unchanged. */
  minSelfDelegation?: string;
}

export function msgEditValidator(a: EditValidatorArgs): MsgEditValidatorEncodeObject {
  const d = a.description ?? {};
  return {
    typeUrl: "/cosmos.staking.v1beta1.MsgEditValidator",
    value: MsgEditValidator.fromPartial({
      description: {
        moniker: d.moniker ?? DO_NOT_MODIFY,
        identity: d.identity ?? DO_NOT_MODIFY,
        website: d.website ?? DO_NOT_MODIFY,
        securityContact: d.securityContact ?? DO_NOT_MODIFY,
        details: d.details ?? DO_NOT_MODIFY,
      },
      validatorAddress: a.validatorAddress,
      // An empty string is "not set" on the wire (the SDK's nil pointer).
      commissionRate: a.commissionRate !== undefined ? decToWire(a.commissionRate) : "",
      minSelfDelegation: a.minSelfDelegation ?? "",
    }),
  };
}

export function msgWithdrawDelegatorReward(
  delegatorAddress: string,
  validatorAddress: string,
): MsgWithdrawDelegatorRewardEncodeObject {
  return {
    typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
    value: MsgWithdrawDelegatorReward.fromPartial({ delegatorAddress, validatorAddress }),
  };
}

export function msgWithdrawValidatorCommission(validatorAddress: string): EncodeObject {
  return {
    typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
    value: MsgWithdrawValidatorCommission.fromPartial({ validatorAddress }),
  };
}

export function msgSetWithdrawAddress(delegatorAddress: string, withdrawAddress: string): EncodeObject {
  return {
    typeUrl: "/cosmos.distribution.v1beta1.MsgSetWithdrawAddress",
    value: MsgSetWithdrawAddress.fromPartial({ delegatorAddress, withdrawAddress }),
  };
}

export function msgFundCommunityPool(depositor: string, amount: readonly Coin[]): EncodeObject {
  return {
    typeUrl: "/cosmos.distribution.v1beta1.MsgFundCommunityPool",
    value: MsgFundCommunityPool.fromPartial({ depositor, amount: [...amount] }),
  };
}

export function msgUnjail(validatorAddr: string): EncodeObject {
  return {
    typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail",
    value: MsgUnjail.fromPartial({ validatorAddr }),
  };
}

/** A bank MsgSend, typed for signAndBroadcast. `amount` may be "1.5CIF", "1000ucif,5uother" or Coin[]. */
export function msgSend(
  fromAddress: string,
  toAddress: string,
  amount: string | readonly Coin[],
): MsgSendEncodeObject {
  parseAddress(fromAddress);
  parseAddress(toAddress);
  const coins = typeof amount === "string" ? parseCoins(amount) : [...amount];
  return {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    value: MsgSend.fromPartial({ fromAddress, toAddress, amount: coins }),
  };
}
