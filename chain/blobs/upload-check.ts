import type { IncomingHttpHeaders } from "node:http";
import { BlobError, BlobErrorCode } from "./errors.ts";

/**
 * Checks of what an upload contains, for uploads that say what they are (`PUT /blobs?task=7`: an
 * update of FL task 7 must be that task's exact size and hold only finite float32s). A check is
 * chosen from the request's query before the body is read, then sees the bytes as they stream to
 * disk, so a refused blob is never stored and never held whole in memory. The checks come from the
 * node's wiring (chain/node/services.ts NodeExtensions): chain/ names no module here.
 *
 * Refusals are BlobErrors: BAD_REQUEST (400) for a query the check cannot use (no such task), and
 * INVALID_CONTENT (422) for bytes that are not what the upload claims.
 */
export interface UploadCheck {
  /** Short name for logs and error payloads (e.g. "fl-update"). */
  readonly name: string;
  /**
   * The content check of this upload, or null when the check does not apply to it (its query
   * parameter is absent). Throws a BlobError to refuse the upload before its body is read.
   */
  begin(u: UploadCheckRequest): Promise<UploadContentCheck | null>;
}

export interface UploadCheckRequest {
  /** The query string's parameters (a parameter given twice is refused before checks run). */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export interface UploadContentCheck {
  /** The exact size the bytes must have, when known: a different Content-Length is refused unread. */
  readonly size?: number;
  /** Sees every chunk in order; throws a BlobError to refuse. */
  write(chunk: Uint8Array): void;
  /** After the last chunk; throws a BlobError to refuse. */
  end(): void;
}

export const invalidContent = (check: string, message: string) =>
  new BlobError({ code: BlobErrorCode.INVALID_CONTENT, check }, message);

/**
 * Runs every applicable check of an upload as one: `begin` asks each check, and the content checks
 * that apply see every chunk. Returns null when no check applies.
 */
export async function beginChecks(
  checks: readonly UploadCheck[],
  u: UploadCheckRequest,
): Promise<UploadContentCheck | null> {
  const active: UploadContentCheck[] = [];
  for (const c of checks) {
    const content = await c.begin(u);
    if (content) active.push(content);
  }
  if (active.length === 0) return null;
  const sizes = [...new Set(active.flatMap((c) => (c.size === undefined ? [] : [c.size])))];
  if (sizes.length > 1)
    throw new BlobError(
      { code: BlobErrorCode.BAD_REQUEST },
      `the upload's checks want different sizes (${sizes.join(", ")} bytes)`,
    );
  return {
    ...(sizes.length === 1 ? { size: sizes[0]! } : {}),
    write: (chunk) => {
      for (const c of active) c.write(chunk);
    },
    end: () => {
      for (const c of active) c.end();
    },
  };
}
