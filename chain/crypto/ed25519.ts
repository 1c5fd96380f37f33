import { type KeyObject, createPrivateKey, createPublicKey, randomBytes, sign, verify } from "node:crypto";
import { sha256 } from "./hash.ts";

// Validator and node keys. Raw 32-byte keys are wrapped in DER so that OpenSSL does the work.
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const pubCache = new Map<string, KeyObject>();
const CACHE_LIMIT = 10_000;

export interface Ed25519Key {
  /** 32-byte seed. */
  seed: Uint8Array;
  pubkey: Uint8Array;
  privateKey: KeyObject;
}

export function ed25519FromSeed(seed: Uint8Array): Ed25519Key {
  if (seed.length !== 32) throw new Error("ed25519 seed must be 32 bytes");
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return { seed, pubkey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)), privateKey };
}

export function generateEd25519(): Ed25519Key {
  return ed25519FromSeed(new Uint8Array(randomBytes(32)));
}

export function signEd25519(key: Ed25519Key, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key.privateKey));
}

export function ed25519KeyObject(pubkey: Uint8Array): KeyObject {
  if (pubkey.length !== 32) throw new Error("ed25519 public key must be 32 bytes");
  const id = Buffer.from(pubkey).toString("hex");
  let key = pubCache.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pubkey]), format: "der", type: "spki" });
    if (pubCache.size >= CACHE_LIMIT) pubCache.delete(pubCache.keys().next().value as string);
    pubCache.set(id, key);
  }
  return key;
}

export function verifyEd25519(pubkey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  try {
    return verify(null, message, ed25519KeyObject(pubkey), sig);
  } catch {
    return false;
  }
}

/** CometBFT validator address: the first 20 bytes of sha256(pubkey). */
export function ed25519Address(pubkey: Uint8Array): Uint8Array {
  return sha256(pubkey).subarray(0, 20);
}
