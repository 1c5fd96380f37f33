/**
 * Typed errors of the blob subsystem (CIDs, the disk store, peer fetches, the HTTP routes), in the
 * manner of `chain/p2p/errors.ts`: a string enum of codes, and an error carrying a `type` object
 * whose fields depend on the code. The HTTP layer maps codes to status codes; logs get the fields.
 */
export enum BlobErrorCode {
  /** A string or byte string that is not a CIDv1 raw sha2-256 in base32 lower-case. */
  BAD_CID = "BLOB_BAD_CID",
  /** The bytes hash to another CID than the one expected (upload with ?cid=, bytes from a peer). */
  CID_MISMATCH = "BLOB_CID_MISMATCH",
  /** A blob larger than this node accepts (`blobs.max_blob_bytes`). */
  TOO_LARGE = "BLOB_TOO_LARGE",
  /** Not stored here, and no peer had it within the timeout (or peers were not asked). */
  NOT_FOUND = "BLOB_NOT_FOUND",
  /** A stored file no longer hashes to its CID (disk corruption, tampering); it has been deleted. */
  CORRUPT = "BLOB_CORRUPT",
  /** Storing the blob would exceed `blobs.max_store_bytes` even after evicting every unpinned blob. */
  STORE_FULL = "BLOB_STORE_FULL",
  /** Too many uploads or peer fetches in progress; retry later. */
  BUSY = "BLOB_BUSY",
  /** An upload check (upload-check.ts) refuses the bytes: e.g. not a valid model update for the task named. */
  INVALID_CONTENT = "BLOB_INVALID_CONTENT",
  /** The uploader's quota refuses the upload. */
  QUOTA_EXCEEDED = "BLOB_QUOTA_EXCEEDED",
  /** An upload that must be signed is not, or its signature does not verify. */
  UNAUTHORIZED = "BLOB_UNAUTHORIZED",
  /** The signer may not upload this (e.g. not a participant of the FL task named). */
  FORBIDDEN = "BLOB_FORBIDDEN",
  /** An HTTP request this API does not take (content type, missing body, ...). */
  BAD_REQUEST = "BLOB_BAD_REQUEST",
  /** An upload's body stopped arriving. */
  UPLOAD_TIMEOUT = "BLOB_UPLOAD_TIMEOUT",
  /** A pin holder name that is not allowed. */
  BAD_PIN = "BLOB_BAD_PIN",
  /** The store's folder or its pins file cannot be used. */
  BAD_STORE = "BLOB_BAD_STORE",
  /** The store or reactor is shutting down. */
  STOPPED = "BLOB_STOPPED",
}

/** The structured payload of each code. */
export type BlobErrorType =
  | { code: BlobErrorCode.BAD_CID; input: string }
  | { code: BlobErrorCode.CID_MISMATCH; expected: string; actual: string }
  | { code: BlobErrorCode.TOO_LARGE; size: number; max: number }
  | { code: BlobErrorCode.NOT_FOUND; cid: string; asked: number; timedOut: boolean }
  | { code: BlobErrorCode.CORRUPT; cid: string; path: string }
  | { code: BlobErrorCode.STORE_FULL; size: number; used: number; pinned: number; max: number }
  | { code: BlobErrorCode.BUSY; limit: number }
  | { code: BlobErrorCode.QUOTA_EXCEEDED; bytes: number; ip?: string; account?: string }
  | { code: BlobErrorCode.UNAUTHORIZED }
  | { code: BlobErrorCode.FORBIDDEN; account: string }
  | { code: BlobErrorCode.BAD_REQUEST }
  | { code: BlobErrorCode.INVALID_CONTENT; check: string }
  | { code: BlobErrorCode.UPLOAD_TIMEOUT; idleMs: number }
  | { code: BlobErrorCode.BAD_PIN; holder: string }
  | { code: BlobErrorCode.BAD_STORE; path: string }
  | { code: BlobErrorCode.STOPPED };

export class BlobError<T extends BlobErrorType = BlobErrorType> extends Error {
  constructor(
    readonly type: T,
    message: string,
  ) {
    super(message);
    this.name = "BlobError";
  }

  get code(): T["code"] {
    return this.type.code;
  }

  /** Structured fields for a log line: the code, the message and the payload. */
  toLogFields(): Record<string, unknown> {
    return { ...this.type, reason: this.message };
  }
}

export function isBlobError<C extends BlobErrorCode>(
  e: unknown,
  code?: C,
): e is BlobError<Extract<BlobErrorType, { code: C }>> {
  return e instanceof BlobError && (code === undefined || e.code === code);
}

/** What the blob subsystem logs through (structurally compatible with `chain/node/logger.ts`). */
export interface BlobLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export const silentBlobLogger: BlobLogger = { debug() {}, info() {}, warn() {} };
