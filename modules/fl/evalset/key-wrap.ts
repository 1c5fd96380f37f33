import {
  createCipheriv,
  createDecipheriv,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from "node:crypto";
import {
  ed25519Agreement,
  type KeyAgreement,
  x25519OfEd25519,
  x25519PublicKeyObject,
} from "../../../chain/crypto/x25519.ts";
import { EvalSetError, EvalSetErrorCode } from "./errors.ts";

// K, the eval set's key, wrapped for one validator (ECIES): an ephemeral X25519 key agrees a secret
// with the validator's X25519 key, derived from its ed25519 consensus key by the standard map
// (libsodium's crypto_sign_ed25519_pk_to_curve25519), so every validator can receive K with the
// key the chain already records, and no new key has to be registered (chain/crypto/x25519.ts).
// HKDF-SHA256 turns the secret into an AES-256-GCM key; the HKDF info names the context (chain,
// owner, eval-set CID) so a wrap opens only for the set it was made for.
//
// Format (93 bytes): version 1 | ephemeral X25519 public key (32) | nonce (12) | AES-GCM(K) (32) |
// tag (16). The AAD is the version byte and the ephemeral key.

const VERSION = 1;
const X_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_WRAP_BYTES = 1 + X_BYTES + NONCE_BYTES + 32 + TAG_BYTES;
const INFO = "cifer-fl-evalset-key/v1\0";

const rawPublic = (k: KeyObject) => new Uint8Array(Buffer.from(k.export({ format: "jwk" }).x!, "base64url"));

/** The X25519 public key of an ed25519 public key; refuses bytes that are not a valid point. */
function montgomeryOf(edPub: Uint8Array): Uint8Array {
  if (edPub.length !== 32)
    throw new EvalSetError(EvalSetErrorCode.INVALID_KEY, "an ed25519 public key is 32 bytes");
  try {
    return x25519OfEd25519(edPub);
  } catch (e) {
    throw new EvalSetError(
      EvalSetErrorCode.INVALID_KEY,
      `not an ed25519 public key: ${(e as Error).message}`,
    );
  }
}

function aesKey(shared: Buffer, ephemeral: Uint8Array, recipient: Uint8Array, context: string): Buffer {
  // X25519 of a low-order point is all zeros: such a "secret" is known to everyone.
  if (shared.every((b) => b === 0))
    throw new EvalSetError(EvalSetErrorCode.INVALID_KEY, "a low-order X25519 key");
  const salt = Buffer.concat([ephemeral, recipient]);
  return Buffer.from(hkdfSync("sha256", shared, salt, Buffer.from(INFO + context, "utf8"), 32));
}

/** Wraps K (32 bytes) for the holder of the ed25519 key `recipientPub`, bound to `context`. */
export function wrapKey(key: Uint8Array, recipientPub: Uint8Array, context: string): Uint8Array {
  if (key.length !== 32) throw new EvalSetError(EvalSetErrorCode.INVALID_KEY, "K must be 32 bytes");
  const recipient = montgomeryOf(recipientPub);
  const eph = generateKeyPairSync("x25519");
  const ephPub = rawPublic(eph.publicKey);
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: x25519PublicKeyObject(recipient) });
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const c = createCipheriv("aes-256-gcm", aesKey(shared, ephPub, recipient, context), nonce);
  const head = Buffer.concat([Buffer.from([VERSION]), ephPub]);
  c.setAAD(head);
  const body = Buffer.concat([c.update(key), c.final()]);
  return new Uint8Array(Buffer.concat([head, nonce, body, c.getAuthTag()]));
}

/** K from a wrap, with the recipient's ed25519 seed; refuses a wrap made for another key or context. */
export function unwrapKey(wrap: Uint8Array, recipientSeed: Uint8Array, context: string): Uint8Array {
  if (recipientSeed.length !== 32)
    throw new EvalSetError(EvalSetErrorCode.INVALID_KEY, "an ed25519 seed is 32 bytes");
  return unwrapKeyWith(wrap, ed25519Agreement(recipientSeed), context);
}

/**
 * K from a wrap, with the recipient's key agreement (a node's consensus key, which never leaves
 * the node: chain/node/services.ts); refuses a wrap made for another key or context.
 */
export function unwrapKeyWith(wrap: Uint8Array, me: KeyAgreement, context: string): Uint8Array {
  if (wrap.length !== KEY_WRAP_BYTES || wrap[0] !== VERSION)
    throw new EvalSetError(
      EvalSetErrorCode.MALFORMED,
      `a key wrap is ${KEY_WRAP_BYTES} bytes of version ${VERSION}`,
    );
  const mine = me.publicKey;
  const ephPub = wrap.subarray(1, 1 + X_BYTES);
  const nonce = wrap.subarray(1 + X_BYTES, 1 + X_BYTES + NONCE_BYTES);
  const body = wrap.subarray(1 + X_BYTES + NONCE_BYTES, wrap.length - TAG_BYTES);
  const tag = wrap.subarray(wrap.length - TAG_BYTES);
  let shared: Buffer;
  try {
    shared = Buffer.from(me.agree(ephPub));
  } catch (e) {
    throw new EvalSetError(EvalSetErrorCode.MALFORMED, `the wrap's ephemeral key: ${(e as Error).message}`);
  }
  const dc = createDecipheriv("aes-256-gcm", aesKey(shared, ephPub, mine, context), nonce);
  dc.setAAD(wrap.subarray(0, 1 + X_BYTES));
  dc.setAuthTag(tag);
  try {
    return new Uint8Array(Buffer.concat([dc.update(body), dc.final()]));
  } catch {
    throw new EvalSetError(
      EvalSetErrorCode.WRONG_KEY,
      "this key wrap is not for this validator's key (or for another eval set)",
    );
  }
}

/** The context a task's wraps are bound to: its chain, owner and eval-set CID. */
export const evalSetContext = (chainId: string, owner: string, evalSetCid: string) =>
  `${chainId}/${owner}/${evalSetCid}`;
