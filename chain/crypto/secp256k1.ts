import { type KeyObject, createPublicKey, verify } from "node:crypto";

// Transaction signatures are verified with OpenSSL through node:crypto: measured 4x faster than
// @noble/curves here. Decoding a public key into a KeyObject costs about as much as a verify, so
// decoded keys are cached.

const SPKI_PREFIX = Buffer.from("3036301006072a8648ce3d020106052b8104000a032200", "hex");
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;
const CACHE_LIMIT = 10_000;
const keyCache = new Map<string, KeyObject>();

export class InvalidPubKeyError extends Error {}

/** Decodes a 33-byte compressed secp256k1 point; throws InvalidPubKeyError when it is not on the curve. */
export function secp256k1KeyObject(compressed: Uint8Array): KeyObject {
  if (compressed.length !== 33 || (compressed[0] !== 2 && compressed[0] !== 3)) {
    throw new InvalidPubKeyError("secp256k1 public key must be 33 bytes, compressed");
  }
  const id = Buffer.from(compressed).toString("hex");
  const hit = keyCache.get(id);
  if (hit) return hit;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, compressed]), format: "der", type: "spki" });
  } catch {
    throw new InvalidPubKeyError("secp256k1 public key is not a valid curve point");
  }
  if (keyCache.size >= CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(id, key);
  return key;
}

function readScalar(b: Uint8Array, offset: number): bigint {
  return BigInt(`0x${Buffer.from(b.subarray(offset, offset + 32)).toString("hex")}`);
}

/** True when s is in the upper half of the group order; Cosmos rejects those signatures (malleability). */
export function isHighS(sig: Uint8Array): boolean {
  return sig.length === 64 && readScalar(sig, 32) > HALF_N;
}

/**
 * Verifies a 64-byte r||s signature over sha256(message). Rejects high-S signatures and
 * out-of-range scalars; OpenSSL alone would accept high-S.
 */
export function verifySecp256k1(pubkey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  const r = readScalar(sig, 0);
  const s = readScalar(sig, 32);
  if (r === 0n || s === 0n || r >= N || s > HALF_N) return false;
  const key = secp256k1KeyObject(pubkey);
  return verify("sha256", message, { key, dsaEncoding: "ieee-p1363" }, sig);
}

export const SECP256K1_ORDER = N;
