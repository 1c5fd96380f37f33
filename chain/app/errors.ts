/**
 * Typed errors of the state machine. A tx result carries codespace + code + log exactly as the
 * Cosmos SDK's errorsmod does, so clients that switch on (codespace, code) work unchanged.
 */
export const SDK_CODESPACE = "sdk";

/** Codes of the Cosmos SDK's root codespace (types/errors/errors.go). */
export enum SdkCode {
  TxDecode = 2,
  InvalidSequence = 3,
  Unauthorized = 4,
  InsufficientFunds = 5,
  UnknownRequest = 6,
  InvalidAddress = 7,
  InvalidPubKey = 8,
  UnknownAddress = 9,
  InvalidCoins = 10,
  OutOfGas = 11,
  MemoTooLarge = 12,
  InsufficientFee = 13,
  TooManySignatures = 14,
  NoSignatures = 15,
  InvalidRequest = 18,
  TxInMempoolCache = 19,
  MempoolIsFull = 20,
  TxTooLarge = 21,
  KeyNotFound = 22,
  InvalidSigner = 24,
  InvalidHeight = 26,
  InvalidChainID = 28,
  InvalidType = 29,
  TxTimeoutHeight = 30,
  UnknownExtensionOptions = 31,
  WrongSequence = 32,
  Logic = 34,
  NotSupported = 36,
  NotFound = 38,
  InvalidGasLimit = 40,
  Panic = 111222,
}

/** The SDK's registered descriptions, appended to a log the way errorsmod.Wrap does. */
const SDK_DESCRIPTIONS: Partial<Record<number, string>> = {
  [SdkCode.TxDecode]: "tx parse error",
  [SdkCode.InvalidSequence]: "invalid sequence",
  [SdkCode.Unauthorized]: "unauthorized",
  [SdkCode.InsufficientFunds]: "insufficient funds",
  [SdkCode.UnknownRequest]: "unknown request",
  [SdkCode.InvalidAddress]: "invalid address",
  [SdkCode.InvalidPubKey]: "invalid pubkey",
  [SdkCode.UnknownAddress]: "unknown address",
  [SdkCode.InvalidCoins]: "invalid coins",
  [SdkCode.OutOfGas]: "out of gas",
  [SdkCode.MemoTooLarge]: "memo too large",
  [SdkCode.InsufficientFee]: "insufficient fee",
  [SdkCode.TooManySignatures]: "maximum number of signatures exceeded",
  [SdkCode.NoSignatures]: "no signatures supplied",
  [SdkCode.InvalidRequest]: "invalid request",
  [SdkCode.TxInMempoolCache]: "tx already in mempool",
  [SdkCode.MempoolIsFull]: "mempool is full",
  [SdkCode.TxTooLarge]: "tx too large",
  [SdkCode.KeyNotFound]: "key not found",
  [SdkCode.InvalidSigner]: "tx intended signer does not match the given signer",
  [SdkCode.InvalidHeight]: "invalid height",
  [SdkCode.InvalidChainID]: "invalid chain-id",
  [SdkCode.InvalidType]: "invalid type",
  [SdkCode.TxTimeoutHeight]: "tx timeout height",
  [SdkCode.UnknownExtensionOptions]: "unknown extension options",
  [SdkCode.WrongSequence]: "incorrect account sequence",
  [SdkCode.Logic]: "internal logic error",
  [SdkCode.NotSupported]: "feature not supported",
  [SdkCode.NotFound]: "not found",
  [SdkCode.InvalidGasLimit]: "invalid gas limit",
  [SdkCode.Panic]: "panic",
};

export class ChainError extends Error {
  constructor(
    readonly codespace: string,
    readonly code: number,
    message: string,
    /** The registered description of (codespace, code), appended to the log. */
    readonly description = codespace === SDK_CODESPACE ? (SDK_DESCRIPTIONS[code] ?? "") : "",
  ) {
    super(message);
    this.name = "ChainError";
  }

  /** The log line a tx result carries: "<what happened>: <registered description>". */
  get log(): string {
    return this.description && !this.message.endsWith(this.description)
      ? `${this.message}: ${this.description}`
      : this.message;
  }
}

/** A gRPC-style NotFound, the form CosmJS recognises (for example to answer getAccount with null). */
export const grpcNotFound = (message: string) =>
  new ChainError(
    SDK_CODESPACE,
    SdkCode.KeyNotFound,
    `rpc error: code = NotFound desc = ${message}`,
    "key not found",
  );

export const grpcInvalidArgument = (message: string) =>
  new ChainError(
    SDK_CODESPACE,
    SdkCode.InvalidRequest,
    `rpc error: code = InvalidArgument desc = ${message}`,
    "invalid request",
  );

export const sdkError = (code: SdkCode, message: string) => new ChainError(SDK_CODESPACE, code, message);

/** Turns anything thrown while executing into a result code; unexpected errors become a panic code. */
export function toChainError(e: unknown): ChainError {
  if (e instanceof ChainError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new ChainError(SDK_CODESPACE, SdkCode.Panic, `panic: ${msg}`);
}
