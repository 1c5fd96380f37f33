// The one CKKS parameter set of privacy mode `ckks` (DESIGN section 8.4), fixed so that every
// trainer, committee member and owner speaks the same scheme and every ciphertext has one size:
// polynomial degree 8192 (4096 slots), coefficient moduli of 60, 40, 40 and 60 bits (218 bits,
// within the 218-bit bound SEAL allows for 128-bit security at this degree), scale 2^40. Only
// additions happen (no multiplication, no rescaling), so one level suffices and precision stays
// near 2^-20 of the values' magnitude.

export const POLY_MODULUS_DEGREE = 8192;
export const COEFF_MODULUS_BITS = [60, 40, 40, 60] as const;
export const SCALE = 2 ** 40;
export const SLOTS = POLY_MODULUS_DEGREE / 2;
/**
 * Bytes of one serialized ciphertext (uncompressed: the size is the same for every ciphertext of
 * this parameter set, so the chain can require an update's exact size without running SEAL;
 * test/unit/fl-ckks.test.ts checks it against SEAL).
 */
export const CIPHERTEXT_BYTES = 393_329;
export const BLOB_MAGIC = "CIFCKKS1";
/** magic | uint32 chunk count | uint32 value count. */
export const BLOB_HEADER_BYTES = 16;

/** Ciphertexts an update of `values` float32 values needs. */
export const chunksOf = (values: bigint) => (values + BigInt(SLOTS) - 1n) / BigInt(SLOTS);

/** Exact size of a CKKS update (and of a sum) for a model of `paramCount` values. */
export const ckksBlobBytes = (paramCount: bigint) =>
  BigInt(BLOB_HEADER_BYTES) + chunksOf(paramCount) * (4n + BigInt(CIPHERTEXT_BYTES));
