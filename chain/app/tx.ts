import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { txHash } from "../crypto/hash.ts";
import { SdkCode, sdkError } from "./errors.ts";
import type { MsgDef } from "./module.ts";
import { AUTH_INFO_SCHEMA, findUnknownField, TX_BODY_SCHEMA, TX_RAW_SCHEMA } from "./proto-strict.ts";

/** Tx limits with the Cosmos SDK's defaults (x/auth params). */
export interface TxLimits {
  maxTxBytes: number;
  maxMemoCharacters: number;
  txSigLimit: number;
  maxMsgs: number;
}

export const DEFAULT_TX_LIMITS: TxLimits = {
  maxTxBytes: 1024 * 1024,
  maxMemoCharacters: 256,
  txSigLimit: 7,
  maxMsgs: 64,
};

/** The SDK's MaxGasWanted: gas limits above it are refused outright. */
export const MAX_GAS_WANTED = (1n << 63n) - 1n;

export interface DecodedMsg {
  typeUrl: string;
  value: unknown;
  def: MsgDef<unknown>;
}

export interface DecodedTx {
  bytes: Uint8Array;
  hash: Uint8Array;
  raw: TxRaw;
  body: TxBody;
  authInfo: AuthInfo;
  msgs: DecodedMsg[];
  /** Signer addresses in the order the signatures must come (deduplicated, first seen first). */
  signers: string[];
}

export type MsgResolver = (typeUrl: string) => MsgDef<unknown> | undefined;

function decodeStrict<T>(
  what: string,
  bytes: Uint8Array,
  schema: Parameters<typeof findUnknownField>[1],
  dec: (b: Uint8Array) => T,
): T {
  let bad: string | null;
  try {
    bad = findUnknownField(bytes, schema, what);
  } catch (e) {
    throw sdkError(SdkCode.TxDecode, `${what}: ${(e as Error).message}`);
  }
  if (bad) throw sdkError(SdkCode.TxDecode, `${bad}`);
  try {
    return dec(bytes);
  } catch (e) {
    throw sdkError(SdkCode.TxDecode, `${what}: ${(e as Error).message}`);
  }
}

/**
 * Decodes and statelessly validates a TxRaw (the SDK's TxDecoder + ValidateBasic). Every failure is a
 * ChainError with the code the Cosmos SDK would give.
 */
export function decodeTx(
  bytes: Uint8Array,
  resolve: MsgResolver,
  limits: TxLimits = DEFAULT_TX_LIMITS,
): DecodedTx {
  if (bytes.length === 0) throw sdkError(SdkCode.TxDecode, "tx bytes are empty");
  if (bytes.length > limits.maxTxBytes) {
    throw sdkError(SdkCode.TxTooLarge, `tx too large: ${bytes.length} bytes, max ${limits.maxTxBytes}`);
  }
  const raw = decodeStrict("TxRaw", bytes, TX_RAW_SCHEMA, (b) => TxRaw.decode(b));
  const body = decodeStrict("TxBody", raw.bodyBytes, TX_BODY_SCHEMA, (b) => TxBody.decode(b));
  const authInfo = decodeStrict("AuthInfo", raw.authInfoBytes, AUTH_INFO_SCHEMA, (b) => AuthInfo.decode(b));

  if (body.messages.length === 0) throw sdkError(SdkCode.InvalidRequest, "must contain at least one message");
  if (body.messages.length > limits.maxMsgs) {
    throw sdkError(
      SdkCode.InvalidRequest,
      `too many messages: ${body.messages.length}, max ${limits.maxMsgs}`,
    );
  }
  if (body.extensionOptions.length > 0)
    throw sdkError(SdkCode.UnknownExtensionOptions, "unknown extension options");
  if ([...body.memo].length > limits.maxMemoCharacters) {
    throw sdkError(
      SdkCode.MemoTooLarge,
      `maximum number of characters is ${limits.maxMemoCharacters} but received ${[...body.memo].length} characters`,
    );
  }
  const fee = authInfo.fee;
  if (!fee) throw sdkError(SdkCode.InvalidRequest, "missing fee");
  // Gas 0 is legal on the wire (CosmJS simulates with it); such a tx simply runs out of gas.
  if (fee.gasLimit > MAX_GAS_WANTED)
    throw sdkError(SdkCode.InvalidGasLimit, `invalid gas supplied; ${fee.gasLimit} > ${MAX_GAS_WANTED}`);
  if (fee.payer || fee.granter)
    throw sdkError(SdkCode.NotSupported, "fee payer and fee granter are not supported");
  if (authInfo.tip) throw sdkError(SdkCode.NotSupported, "tips are not supported");

  const msgs = body.messages.map((any: Any) => {
    const def = resolve(any.typeUrl);
    if (!def) throw sdkError(SdkCode.TxDecode, `unable to resolve type URL ${any.typeUrl}`);
    let value: unknown;
    try {
      value = def.decode(any.value);
    } catch (e) {
      throw sdkError(SdkCode.TxDecode, `${any.typeUrl}: ${(e as Error).message}`);
    }
    def.validateBasic(value);
    return { typeUrl: any.typeUrl, value, def };
  });

  const signers: string[] = [];
  for (const m of msgs) for (const s of m.def.signers(m.value)) if (!signers.includes(s)) signers.push(s);
  if (raw.signatures.length === 0) throw sdkError(SdkCode.NoSignatures, "no signatures supplied");
  if (raw.signatures.length > limits.txSigLimit) {
    throw sdkError(
      SdkCode.TooManySignatures,
      `signatures: ${raw.signatures.length}, limit: ${limits.txSigLimit}`,
    );
  }
  if (raw.signatures.length !== signers.length) {
    throw sdkError(
      SdkCode.Unauthorized,
      `wrong number of signers; expected ${signers.length}, got ${raw.signatures.length}`,
    );
  }
  if (authInfo.signerInfos.length !== signers.length) {
    throw sdkError(
      SdkCode.Unauthorized,
      `wrong number of signer infos; expected ${signers.length}, got ${authInfo.signerInfos.length}`,
    );
  }
  return { bytes, hash: txHash(bytes), raw, body, authInfo, msgs, signers };
}
