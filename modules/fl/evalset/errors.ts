/**
 * Typed errors of the eval-set crypto: a committee member that cannot read a task's eval set must
 * know why (its key was not among the wraps, the blob is damaged) without parsing messages.
 */
export enum EvalSetErrorCode {
  /** Not an eval-set blob or key wrap of this format (size, magic, version). */
  MALFORMED = "EVALSET_MALFORMED",
  /** The blob's authentication failed: another key, or bytes changed. */
  WRONG_KEY_OR_TAMPERED = "EVALSET_WRONG_KEY_OR_TAMPERED",
  /** The key wrap does not open with this validator's key (not a recipient, or another context). */
  WRONG_KEY = "EVALSET_WRONG_KEY",
  /** A public key that is not a valid ed25519 point, or one of low order. */
  INVALID_KEY = "EVALSET_INVALID_KEY",
  /** Larger than the limit. */
  TOO_LARGE = "EVALSET_TOO_LARGE",
  /** Arguments the split cannot work with. */
  INVALID_SPLIT = "EVALSET_INVALID_SPLIT",
}

export class EvalSetError extends Error {
  constructor(
    readonly code: EvalSetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "EvalSetError";
  }
}
