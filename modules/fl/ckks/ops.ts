import { decodeCkksBlob, encodeCkksBlob } from "./blob.ts";
import { CkksError, CkksErrorCode } from "./errors.ts";
import { SCALE, SLOTS } from "./params.ts";
import { loadSeal, scoped } from "./seal.ts";

// The three roles of privacy mode `ckks` (DESIGN section 8.4, issue #6 item 6): the owner makes the
// keys and decrypts the committee's sum; a trainer encrypts its weights times its sample count; the
// committee adds the ciphertexts. Addition of CKKS ciphertexts is exact arithmetic modulo the
// coefficient moduli, so every member's sum is the same bytes, whatever the order.

/** Values a trainer may encrypt: |weight x samples| below this keeps 2^40-scaled values well inside the 60+40+40 bit modulus. */
const MAX_ABS = 2 ** 50;

/** The owner's key pair, serialized (the public key goes to the blob store, the secret key stays with the owner). */
export async function generateCkksKeys(): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }> {
  const { seal, context } = await loadSeal();
  return scoped((keep) => {
    const gen = keep(seal.KeyGenerator(context));
    const pk = keep(gen.createPublicKey());
    const sk = keep(gen.secretKey());
    return {
      publicKey: pk.saveArray(seal.ComprModeType.zstd),
      secretKey: sk.saveArray(seal.ComprModeType.zstd),
    };
  });
}

/**
 * Throws INVALID_KEY unless `bytes` load as a `kind` key under this chain's CKKS parameters (a
 * task's public key before it is published, an owner's secret key before it decrypts).
 */
export async function checkCkksKey(kind: "public" | "secret", bytes: Uint8Array): Promise<void> {
  const { seal, context } = await loadSeal();
  await scoped((keep) => {
    try {
      if (kind === "public") keep(seal.PublicKey()).loadArray(context, bytes);
      else keep(seal.SecretKey()).loadArray(context, bytes);
    } catch (e) {
      throw new CkksError(
        CkksErrorCode.INVALID_KEY,
        `not a CKKS ${kind} key of this chain's parameters: ${(e as Error).message}`,
      );
    }
  });
}

/**
 * A trainer's encrypted update: weights x samples (so that the committee's plain sum divided by the
 * accepted samples is FedAvg), 4096 values per ciphertext, under the owner's public key.
 */
export async function encryptUpdate(
  weights: Float32Array,
  samples: number,
  publicKey: Uint8Array,
): Promise<Uint8Array> {
  const { seal, context, encoder } = await loadSeal();
  return scoped((keep) => {
    const pk = keep(seal.PublicKey());
    try {
      pk.loadArray(context, publicKey);
    } catch (e) {
      throw new CkksError(
        CkksErrorCode.INVALID_KEY,
        `the task's public key does not load: ${(e as Error).message}`,
      );
    }
    const encryptor = keep(seal.Encryptor(context, pk));
    const chunks: Uint8Array[] = [];
    const slot = new Float64Array(SLOTS);
    // One plaintext and one ciphertext, reused for every chunk: allocating per chunk churns SEAL's
    // memory pool (measured in bench:aggregate's ckks row).
    const pt = keep(seal.PlainText());
    const ct = keep(seal.CipherText());
    for (let at = 0; at < weights.length; at += SLOTS) {
      slot.fill(0);
      for (let i = 0; i < SLOTS && at + i < weights.length; i++) {
        const v = weights[at + i]! * samples;
        if (!Number.isFinite(v) || Math.abs(v) >= MAX_ABS)
          throw new CkksError(CkksErrorCode.INVALID_VALUES, `value ${at + i} (${v}) cannot be encrypted`);
        slot[i] = v;
      }
      encoder.encode(slot, SCALE, pt);
      encryptor.encrypt(pt, ct);
      chunks.push(ct.saveArray(seal.ComprModeType.none));
    }
    return encodeCkksBlob(weights.length, chunks);
  });
}

/** The committee's sum of encrypted updates of a model of `values` values (the same bytes for any order). */
export async function sumCiphertexts(blobs: readonly Uint8Array[], values: number): Promise<Uint8Array> {
  if (blobs.length === 0) throw new CkksError(CkksErrorCode.MISMATCH, "nothing to sum");
  const { seal, context, evaluator } = await loadSeal();
  const decoded = blobs.map((b) => decodeCkksBlob(b, values));
  return scoped((keep) => {
    const acc = keep(seal.CipherText());
    const ct = keep(seal.CipherText());
    const sums = decoded[0]!.map((_, c) => {
      decoded.forEach((chunks, i) => {
        try {
          ct.loadArray(context, chunks[c]!);
        } catch (e) {
          throw new CkksError(
            CkksErrorCode.MALFORMED,
            `update ${i} ciphertext ${c}: ${(e as Error).message}`,
          );
        }
        if (i === 0) acc.copy(ct);
        else evaluator.add(acc, ct, acc);
      });
      return acc.saveArray(seal.ComprModeType.none);
    });
    return encodeCkksBlob(values, sums);
  });
}

/** The owner's decryption of the committee's sum, divided by the accepted samples: the FedAvg weights. */
export async function decryptSum(
  sum: Uint8Array,
  secretKey: Uint8Array,
  totalSamples: number,
  values: number,
): Promise<Float32Array> {
  const { seal, context, encoder } = await loadSeal();
  const chunks = decodeCkksBlob(sum, values);
  return scoped((keep) => {
    const sk = keep(seal.SecretKey());
    try {
      sk.loadArray(context, secretKey);
    } catch (e) {
      throw new CkksError(CkksErrorCode.INVALID_KEY, `the secret key does not load: ${(e as Error).message}`);
    }
    const decryptor = keep(seal.Decryptor(context, sk));
    const out = new Float32Array(values);
    const ct = keep(seal.CipherText());
    const pt = keep(seal.PlainText());
    chunks.forEach((bytes, c) => {
      ct.loadArray(context, bytes);
      decryptor.decrypt(ct, pt);
      const v = encoder.decode(pt) as Float64Array;
      for (let i = 0; i < SLOTS && c * SLOTS + i < values; i++) out[c * SLOTS + i] = v[i]! / totalSamples;
    });
    return out;
  });
}
