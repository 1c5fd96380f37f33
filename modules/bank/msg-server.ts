import {
  MsgMultiSend,
  MsgMultiSendResponse,
  MsgSend,
  MsgSendResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/tx";
import type { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { SdkCode, sdkError } from "../../chain/app/errors.ts";
import type { MsgDef } from "../../chain/app/module.ts";
import { InvalidAddressError, parseAddress } from "../../chain/crypto/address.ts";
import { addCoins, type Coin64, coinString, parseCoins } from "../../chain/types/coins.ts";
import { BankCode, bankError } from "./errors.ts";
import type { BankKeeper } from "./keeper.ts";

function checkAddress(address: string, what: string): void {
  try {
    parseAddress(address);
  } catch (e) {
    if (e instanceof InvalidAddressError)
      throw sdkError(SdkCode.InvalidAddress, `invalid ${what} address: ${e.message}`);
    throw e;
  }
}

const checkAmount = (coins: Coin[]): Coin64[] => parseCoins(coins);

export function msgSendDef(bank: BankKeeper): MsgDef<MsgSend> {
  return {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    decode: (b) => MsgSend.decode(b),
    signers: (m) => [m.fromAddress],
    validateBasic(m) {
      checkAddress(m.fromAddress, "from");
      checkAddress(m.toAddress, "to");
      checkAmount(m.amount);
    },
    async handle(ctx, m) {
      const coins = checkAmount(m.amount);
      for (const c of coins) {
        if (!(await bank.isSendEnabled(ctx, c.denom)))
          throw bankError(BankCode.SendDisabled, `${c.denom} transfers are currently disabled`);
      }
      if (bank.isBlocked(m.toAddress))
        throw sdkError(SdkCode.Unauthorized, `${m.toAddress} is not allowed to receive funds`);
      await bank.sendCoins(ctx, m.fromAddress, m.toAddress, coins);
      return { typeUrl: "/cosmos.bank.v1beta1.MsgSendResponse", value: MsgSendResponse.encode({}).finish() };
    },
  };
}

export function msgMultiSendDef(bank: BankKeeper): MsgDef<MsgMultiSend> {
  return {
    typeUrl: "/cosmos.bank.v1beta1.MsgMultiSend",
    decode: (b) => MsgMultiSend.decode(b),
    signers: (m) => (m.inputs[0] ? [m.inputs[0].address] : []),
    validateBasic(m) {
      if (m.inputs.length === 0) throw bankError(BankCode.NoInputs, "no inputs to send transaction");
      if (m.inputs.length > 1) throw bankError(BankCode.MultipleSenders, "multiple senders not allowed");
      if (m.outputs.length === 0) throw bankError(BankCode.NoOutputs, "no outputs to send transaction");
      const input = m.inputs[0]!;
      checkAddress(input.address, "input");
      const inSum = checkAmount(input.coins);
      let outSum: Coin64[] = [];
      for (const o of m.outputs) {
        checkAddress(o.address, "output");
        outSum = addCoins(outSum, checkAmount(o.coins));
      }
      if (coinString(inSum) !== coinString(outSum)) {
        throw bankError(
          BankCode.InputOutputMismatch,
          `sum inputs ${coinString(inSum)} != sum outputs ${coinString(outSum)}`,
        );
      }
    },
    async handle(ctx, m) {
      const input = m.inputs[0]!;
      const inCoins = checkAmount(input.coins);
      for (const c of inCoins) {
        if (!(await bank.isSendEnabled(ctx, c.denom)))
          throw bankError(BankCode.SendDisabled, `${c.denom} transfers are currently disabled`);
      }
      const outputs = m.outputs.map((o) => ({ address: o.address, coins: checkAmount(o.coins) }));
      for (const o of outputs) {
        if (bank.isBlocked(o.address))
          throw sdkError(SdkCode.Unauthorized, `${o.address} is not allowed to receive funds`);
      }
      await bank.inputOutputCoins(ctx, { address: input.address, coins: inCoins }, outputs);
      return {
        typeUrl: "/cosmos.bank.v1beta1.MsgMultiSendResponse",
        value: MsgMultiSendResponse.encode({}).finish(),
      };
    },
  };
}
