/** Why the consensus engine refused a message or could not go on. */
export enum EngineErrorCode {
  /** Not a well-formed consensus message (bad protobuf, field out of range, unknown field). */
  MalformedMessage = "malformed_message",
  /** Larger than the limit for its kind. */
  MessageTooLarge = "message_too_large",
  /** The signature does not verify for the claimed signer (also: signed for another chain). */
  InvalidSignature = "invalid_signature",
  /** The signer is not in the validator set at that height, or its index and address disagree. */
  NotValidator = "not_validator",
  /** The proposal's block bytes do not hash to the block id it names, or do not decode. */
  BlockMismatch = "block_mismatch",
  /** The WAL could not be read or written within its limits. */
  WalCorrupt = "wal_corrupt",
  WalFull = "wal_full",
  /** The engine was used out of order (start twice, handle before start). */
  InvalidState = "invalid_state",
}

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "EngineError";
  }
}
