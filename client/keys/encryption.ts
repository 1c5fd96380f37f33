/**
 * Encryption of a key's secret for the `file` keyring backend: AES-256-GCM under a key derived with
 * scrypt(passphrase, random 16-byte salt). The cleartext metadata of the key file (address, HD path...)
 * is authenticated as GCM additional data, so editing it makes decryption fail instead of silently
 * signing with a key that is not the one shown.
 */
import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  scrypt as scryptCb,
  type ScryptOptions,
} from "node:crypto";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  n: number;
  r: number;
  p: number;
}

/** OWASP's recommendation for scrypt (2^17, 8, 1): ~0.3 s and 128 MiB per derivation. */
export const DEFAULT_SCRYPT: ScryptParams = { n: 2 ** 17, r: 8, p: 1 };

/** Bounds accepted when reading a key file, so a crafted file cannot make us allocate gigabytes. */
const MIN_LOG_N = 10;
const MAX_LOG_N = 20;

export interface EncryptedSecret {
  cipher: "aes-256-gcm";
  kdf: "scrypt";
  kdfparams: ScryptParams & { dklen: 32; salt: string };
  /** base64 */
  iv: string;
  /** base64 */
  ciphertext: string;
  /** base64 GCM tag */
  tag: string;
}

export class DecryptionError extends Error {
  override name = "DecryptionError";
}

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = {
    N: params.n,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.n * params.r + 32 * 1024 * 1024,
  };
  return new Promise((resolve, reject) =>
    scryptCb(passphrase.normalize("NFKC"), salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function checkParams(p: unknown): ScryptParams {
  const q = p as Partial<ScryptParams> | undefined;
  const n = q?.n;
  const r = q?.r;
  const pp = q?.p;
  const ok =
    typeof n === "number" &&
    Number.isInteger(n) &&
    n >= 2 ** MIN_LOG_N &&
    n <= 2 ** MAX_LOG_N &&
    (n & (n - 1)) === 0 &&
    typeof r === "number" &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    typeof pp === "number" &&
    Number.isInteger(pp) &&
    pp >= 1 &&
    pp <= 16;
  if (!ok) throw new DecryptionError("unsupported scrypt parameters in key file");
  return { n, r, p: pp };
}

export async function encryptSecret(
  plaintext: string,
  passphrase: string,
  aad: Uint8Array,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<EncryptedSecret> {
  checkParams(params);
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, params);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  key.fill(0);
  return {
    cipher: "aes-256-gcm",
    kdf: "scrypt",
    kdfparams: { ...params, dklen: 32, salt: salt.toString("base64") },
    iv: iv.toString("base64"),
    ciphertext: ciphertext.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
  };
}

/** Throws DecryptionError when the passphrase is wrong or the file was modified. */
export async function decryptSecret(
  enc: EncryptedSecret,
  passphrase: string,
  aad: Uint8Array,
): Promise<string> {
  if (enc?.cipher !== "aes-256-gcm" || enc.kdf !== "scrypt" || enc.kdfparams?.dklen !== 32) {
    throw new DecryptionError("unsupported key encryption (expected scrypt + aes-256-gcm)");
  }
  const params = checkParams(enc.kdfparams);
  const salt = Buffer.from(enc.kdfparams.salt ?? "", "base64");
  const iv = Buffer.from(enc.iv ?? "", "base64");
  const tag = Buffer.from(enc.tag ?? "", "base64");
  if (salt.length < 16 || iv.length !== 12 || tag.length !== 16)
    throw new DecryptionError("malformed encrypted key");
  const key = await deriveKey(passphrase, salt, params);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(Buffer.from(enc.ciphertext ?? "", "base64")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw new DecryptionError("incorrect passphrase, or the key file was modified");
  } finally {
    key.fill(0);
  }
}
