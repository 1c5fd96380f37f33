import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";

// X25519 key agreement with a validator's ed25519 consensus key, by the standard map from Edwards
// to Montgomery form (libsodium's crypto_sign_ed25519_{pk,sk}_to_curve25519): anyone can encrypt
// to a validator with the key the chain already records, and the node can decrypt without
// handing its secret to anyone (services get a KeyAgreement, not the seed). noble maps the keys;
// OpenSSL does the X25519.

export interface KeyAgreement {
  /** This key's X25519 public key. */
  readonly publicKey: Uint8Array;
  /** The X25519 shared secret with `peer` (32 bytes; all zeros for a low-order peer key). */
  agree(peer: Uint8Array): Uint8Array;
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");

export const x25519PublicKeyObject = (x: Uint8Array): KeyObject =>
  createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64u(x) }, format: "jwk" });

/** The X25519 public key of an ed25519 public key; throws on bytes that are not a curve point. */
export function x25519OfEd25519(pub: Uint8Array): Uint8Array {
  if (pub.length !== 32) throw new Error("an ed25519 public key is 32 bytes");
  return ed25519.utils.toMontgomery(pub);
}

/** Key agreement with the ed25519 key of this 32-byte seed. */
export function ed25519Agreement(seed: Uint8Array): KeyAgreement {
  if (seed.length !== 32) throw new Error("an ed25519 seed is 32 bytes");
  const publicKey = x25519OfEd25519(ed25519.getPublicKey(seed));
  const privateKey = createPrivateKey({
    key: { kty: "OKP", crv: "X25519", d: b64u(ed25519.utils.toMontgomerySecret(seed)), x: b64u(publicKey) },
    format: "jwk",
  });
  return {
    publicKey,
    agree: (peer) => new Uint8Array(diffieHellman({ privateKey, publicKey: x25519PublicKeyObject(peer) })),
  };
}
