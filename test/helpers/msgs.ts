import { MsgMultiSend, MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";

export function msgSend(from: string, to: string, amount: string | bigint, denom = "ucif"): Any {
  return {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    value: MsgSend.encode({
      fromAddress: from,
      toAddress: to,
      amount: [{ denom, amount: amount.toString() }],
    }).finish(),
  };
}

/** Any-wraps a message of a cosmjs-types codec. */
export function anyOf<T>(typeUrl: string, codec: { encode(m: T): { finish(): Uint8Array } }, m: T): Any {
  return { typeUrl, value: codec.encode(m).finish() };
}

/** MsgMultiSend: `amount` ucif from one sender to each recipient. */
export function msgMultiSend(from: string, to: string[], amount: bigint, denom = "ucif"): Any {
  const each = { denom, amount: amount.toString() };
  return {
    typeUrl: "/cosmos.bank.v1beta1.MsgMultiSend",
    value: MsgMultiSend.encode({
      inputs: [{ address: from, coins: [{ denom, amount: (amount * BigInt(to.length)).toString() }] }],
      outputs: to.map((address) => ({ address, coins: [each] })),
    }).finish(),
  };
}
