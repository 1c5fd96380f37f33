import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { ripemd160, sha256, utf8 } from "./hash.ts";

export const BECH32_PREFIX = "cif";

export class InvalidAddressError extends Error {}

// Addresses are parsed and derived for every tx (signers, balances, events): the results of these
// pure functions are kept for the most recently used inputs.
const CACHE_LIMIT = 10_000;
const parsed = new Map<string, Uint8Array>();
const encoded = new Map<string, string>();
const derived = new Map<string, Uint8Array>();
const moduleAddresses = new Map<string, string>();

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
  return value;
}

const idOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

/** Account address of a secp256k1 key: ripemd160(sha256(compressed pubkey)), as the Cosmos SDK. */
export function secp256k1AddressBytes(compressedPubkey: Uint8Array): Uint8Array {
  const id = idOf(compressedPubkey);
  const hit = derived.get(id);
  if (hit) return new Uint8Array(hit);
  const bytes = ripemd160(sha256(compressedPubkey));
  remember(derived, id, new Uint8Array(bytes));
  return bytes;
}

export function toAddress(bytes: Uint8Array, prefix = BECH32_PREFIX): string {
  const id = `${prefix}\u0000${idOf(bytes)}`;
  return encoded.get(id) ?? remember(encoded, id, toBech32(prefix, bytes));
}

/** Parses a bech32 account address with our prefix; throws InvalidAddressError with the reason. */
export function parseAddress(address: string, prefix = BECH32_PREFIX): Uint8Array {
  const hit = prefix === BECH32_PREFIX ? parsed.get(address) : undefined;
  if (hit) return new Uint8Array(hit);
  const bytes = parseAddressUncached(address, prefix);
  if (prefix === BECH32_PREFIX) remember(parsed, address, new Uint8Array(bytes));
  return bytes;
}

function parseAddressUncached(address: string, prefix: string): Uint8Array {
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
  return (
    moduleAddresses.get(name) ??
    remember(moduleAddresses, name, toAddress(sha256(utf8(name)).subarray(0, 20)))
  );
}
