import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { ripemd160, sha256, utf8 } from "./hash.ts";

export const BECH32_PREFIX = "cif";

export class InvalidAddressError extends Error {}

/** Account address of a secp256k1 key: ripemd160(sha256(compressed pubkey)), as the Cosmos SDK. */
export function secp256k1AddressBytes(compressedPubkey: Uint8Array): Uint8Array {
  return ripemd160(sha256(compressedPubkey));
}

export function toAddress(bytes: Uint8Array, prefix = BECH32_PREFIX): string {
  return toBech32(prefix, bytes);
}

/** Parses a bech32 account address with our prefix; throws InvalidAddressError with the reason. */
export function parseAddress(address: string, prefix = BECH32_PREFIX): Uint8Array {
  if (typeof address !== "string" || address.length === 0)
    throw new InvalidAddressError("empty address string is not allowed");
  let decoded: { prefix: string; data: Uint8Array };
  try {
    decoded = fromBech32(address, 255);
  } catch (e) {
    throw new InvalidAddressError(`invalid address ${JSON.stringify(address)}: ${(e as Error).message}`);
  }
  if (decoded.prefix !== prefix) {
    throw new InvalidAddressError(`invalid Bech32 prefix; expected ${prefix}, got ${decoded.prefix}`);
  }
  if (decoded.data.length !== 20 && decoded.data.length !== 32) {
    throw new InvalidAddressError(
      `address ${address} has length ${decoded.data.length}, expected 20 or 32 bytes`,
    );
  }
  return decoded.data;
}

/** Module account address, as the Cosmos SDK's authtypes.NewModuleAddress: sha256(name)[:20]. */
export function moduleAddress(name: string): string {
  return toAddress(sha256(utf8(name)).subarray(0, 20));
}
