import { parseAddress } from "../crypto/address.ts";
import { SdkCode, sdkError } from "./errors.ts";
import type { MsgDef } from "./module.ts";

/** What a message definition needs of a codec (the cifer.* reflection codecs, cosmjs-types). */
interface MsgCodec<T> {
  readonly typeUrl: string;
  decode(bytes: Uint8Array): T;
  encode(m: T): { finish(): Uint8Array };
}

/**
 * A message of a module's Msg service with one signer: decode, the stateless checks (ValidateBasic),
 * and the handler whose result `response` maps to the response message recorded in TxMsgData.
 */
export function msgDef<T, R>(
  c: MsgCodec<T>,
  res: MsgCodec<R>,
  signer: (m: T) => string,
  validateBasic: (m: T) => void,
  handle: (ctx: Parameters<MsgDef<T>["handle"]>[0], m: T) => Promise<unknown>,
  response: (out: unknown) => R = () => ({}) as R,
): MsgDef<T> {
  return {
    typeUrl: c.typeUrl,
    decode: (b) => c.decode(b),
    signers: (m) => [signer(m)],
    validateBasic,
    async handle(ctx, m) {
      const out = await handle(ctx, m);
      return { typeUrl: res.typeUrl, value: res.encode(response(out)).finish() };
    },
  };
}

/** An account address field: empty or malformed is InvalidAddress, as the SDK's ValidateBasic says. */
export function checkAccountAddress(a: string, what: string): void {
  if (a === "") throw sdkError(SdkCode.InvalidAddress, `${what} address is empty`);
  try {
    parseAddress(a);
  } catch (e) {
    throw sdkError(SdkCode.InvalidAddress, `invalid ${what} address: ${(e as Error).message}`);
  }
}
