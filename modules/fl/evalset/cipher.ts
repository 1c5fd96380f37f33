import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { EvalSetError, EvalSetErrorCode } from "./errors.ts";

// The owner's evaluation data at rest (DIN): AES-256-GCM under a random key K that only the
// task's evaluating validators receive (key-wrap.ts). The blob is public (content addressed, served
// by any node); without K it is noise, and GCM's tag refuses a changed byte.

const MAGIC = Buffer.from("CIFEVAL1", "ascii");
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const EVAL_KEY_BYTES = 32;
/** The largest eval set: a committee member decrypts it in memory. */
export const MAX_EVAL_SET_BYTES = 64 * 1024 * 1024;

/** Encrypts `plain` (a CSV of records); returns the blob and K (random unless given). */
export function encryptEvalSet(
  plain: Uint8Array,
  key: Uint8Array = new Uint8Array(randomBytes(EVAL_KEY_BYTES)),
): { blob: Uint8Array; key: Uint8Array } {
  if (key.length !== EVAL_KEY_BYTES)
    throw new EvalSetError(EvalSetErrorCode.INVALID_KEY, "K must be 32 bytes");
  if (plain.length > MAX_EVAL_SET_BYTES)
    throw new EvalSetError(
      EvalSetErrorCode.TOO_LARGE,
      `eval set of ${plain.length} bytes, limit ${MAX_EVAL_SET_BYTES}`,
    );
  const nonce = randomBytes(NONCE_BYTES);
  const c = createCipheriv("aes-256-gcm", key, nonce);
  c.setAAD(MAGIC);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return { blob: new Uint8Array(Buffer.concat([MAGIC, nonce, body, c.getAuthTag()])), key };
}

/** The CSV bytes of an eval-set blob; refuses another key or any changed byte. */
export function decryptEvalSet(blob: Uint8Array, key: Uint8Array): Uint8Array {
  if (key.length !== EVAL_KEY_BYTES)
    throw new EvalSetError(EvalSetErrorCode.INVALID_KEY, "K must be 32 bytes");
  if (blob.length < MAGIC.length + NONCE_BYTES + TAG_BYTES)
    throw new EvalSetError(
      EvalSetErrorCode.MALFORMED,
      `an eval-set blob of ${blob.length} bytes is too short`,
    );
  if (blob.length > MAX_EVAL_SET_BYTES + MAGIC.length + NONCE_BYTES + TAG_BYTES)
    throw new EvalSetError(EvalSetErrorCode.TOO_LARGE, `eval-set blob of ${blob.length} bytes`);
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (!b.subarray(0, MAGIC.length).equals(MAGIC))
    throw new EvalSetError(EvalSetErrorCode.MALFORMED, "not an eval-set blob (magic CIFEVAL1 missing)");
  const nonce = b.subarray(MAGIC.length, MAGIC.length + NONCE_BYTES);
  const tag = b.subarray(b.length - TAG_BYTES);
  const d = createDecipheriv("aes-256-gcm", key, nonce);
  d.setAAD(MAGIC);
  d.setAuthTag(tag);
  try {
    return new Uint8Array(
      Buffer.concat([d.update(b.subarray(MAGIC.length + NONCE_BYTES, b.length - TAG_BYTES)), d.final()]),
    );
  } catch {
    throw new EvalSetError(
      EvalSetErrorCode.WRONG_KEY_OR_TAMPERED,
      "the eval set does not open with this key (another key, or changed bytes)",
    );
  }
}
