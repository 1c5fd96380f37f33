import { ChainError } from "../../chain/app/errors.ts";

/** Codes of the x/bank codespace (x/bank/types/errors.go). */
export const BANK_CODESPACE = "bank";

export enum BankCode {
  NoInputs = 2,
  NoOutputs = 3,
  InputOutputMismatch = 4,
  SendDisabled = 5,
  MultipleSenders = 12,
}

const DESCRIPTIONS: Record<BankCode, string> = {
  [BankCode.NoInputs]: "no inputs to send transaction",
  [BankCode.NoOutputs]: "no outputs to send transaction",
  [BankCode.InputOutputMismatch]: "sum inputs != sum outputs",
  [BankCode.SendDisabled]: "send transactions are disabled",
  [BankCode.MultipleSenders]: "multiple senders not allowed",
};

export const bankError = (code: BankCode, message: string) =>
  new ChainError(BANK_CODESPACE, code, message, DESCRIPTIONS[code]);
