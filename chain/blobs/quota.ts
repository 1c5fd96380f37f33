import type { IncomingHttpHeaders } from "node:http";
import { RateLimiter } from "../rpc/rate-limiter.ts";

/** What an upload quota sees of a `PUT /blobs` before its body is read. */
export interface UploadRequest {
  /** The client's IP address. */
  ip: string;
  /** Bytes charged: the declared Content-Length, or the largest blob allowed when none was declared. */
  bytes: number;
  /** True when `bytes` is the declared Content-Length. */
  declared: boolean;
  /** The `?cid=` the uploader expects the bytes to hash to, if given. */
  expectedCid?: string;
  headers: IncomingHttpHeaders;
}

/**
 * Decides whether an upload may proceed; refusals are answered 429 with the reason.
 *
 * Extension point: DESIGN section 8 bounds uploads per account and FL round. That quota belongs to
 * the `fl` module, which knows the rounds: the uploader will authenticate with a signature over
 * (cid, size, task, round) by its account key in request headers, and the module's quota will check
 * the account is a participant of that round and has bytes left in it, then record the upload. It
 * plugs in here: a node passes a list of quotas, and every one must admit an upload.
 */
export interface UploadQuota {
  /** Null admits the upload (and charges it); a string refuses it, saying why. */
  admit(u: UploadRequest): string | null;
  /** After an admitted upload was read: the actual size, to give back what `admit` over-charged. */
  settle?(u: UploadRequest, actualBytes: number): void;
}

/**
 * A byte-rate bound per client IP: a token bucket refilling `bytesPerSecond` up to `burstBytes`,
 * charged the declared length up front (an undeclared length is charged the blob limit, and the
 * difference refunded after the upload). `burstBytes` must allow the largest blob, or that blob
 * could never be uploaded.
 */
export class IpByteRateQuota implements UploadQuota {
  private readonly bucket: RateLimiter;

  constructor(o: { bytesPerSecond: number; burstBytes: number }) {
    this.bucket = new RateLimiter({ requestsPerSecond: o.bytesPerSecond, burst: o.burstBytes });
  }

  admit(u: UploadRequest): string | null {
    return this.bucket.take(u.ip, u.bytes)
      ? null
      : `upload byte rate of ${u.ip} exceeded: try again later or upload less at once`;
  }

  settle(u: UploadRequest, actualBytes: number): void {
    if (actualBytes < u.bytes) this.bucket.refund(u.ip, u.bytes - actualBytes);
  }
}

/**
 * Admits an upload only if every quota does; when one refuses, the ones that admitted are settled
 * with 0 bytes, which gives their charge back.
 */
export function allQuotas(quotas: readonly UploadQuota[]): UploadQuota {
  return {
    admit(u) {
      const admitted: UploadQuota[] = [];
      for (const q of quotas) {
        const refusal = q.admit(u);
        if (refusal !== null) {
          for (const a of admitted) a.settle?.(u, 0);
          return refusal;
        }
        admitted.push(q);
      }
      return null;
    },
    settle(u, actualBytes) {
      for (const q of quotas) q.settle?.(u, actualBytes);
    },
  };
}
