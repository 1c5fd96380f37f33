/**
 * Typed errors of the CKKS library: a committee member must tell a malformed update (exclude it)
 * from its own failure, and a trainer or owner gets a reason it can act on.
 */
export enum CkksErrorCode {
  /** Not a CIFCKKS1 blob of the expected shape (magic, counts, lengths, a ciphertext SEAL refuses). */
  MALFORMED = "CKKS_MALFORMED",
  /** Blobs of different models (value counts) cannot be added. */
  MISMATCH = "CKKS_MISMATCH",
  /** A key SEAL refuses, or of another parameter set. */
  INVALID_KEY = "CKKS_INVALID_KEY",
  /** Values that are not finite, or too large for the scale. */
  INVALID_VALUES = "CKKS_INVALID_VALUES",
}

export class CkksError extends Error {
  constructor(
    readonly code: CkksErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CkksError";
  }
}
