import { BlobErrorCode, isBlobError } from "../../../chain/blobs/errors.ts";
import type { ServiceBlobs } from "../../../chain/node/services.ts";
import { FlServiceError, FlServiceErrorCode } from "./errors.ts";

export interface FetchedBlobs {
  bytes: Map<string, Uint8Array>;
  /** CIDs not obtained in time, with the reason (for logs). */
  missing: Map<string, string>;
}

/** Attempts per CID (a BUSY reactor is retried; every other failure is final). */
const MAX_TRIES = 40;
const BUSY_WAIT_MS = 250;

/**
 * Gets blobs for a job: from the local store, else from peers through the blob reactor, at most
 * `concurrency` at once (the reactor refuses more than its own bound with BUSY, which is waited
 * out), all within one deadline. What is not obtained by then is reported missing, never waited
 * for longer: a committee member must report before the stage's deadline.
 */
export async function fetchBlobs(
  blobs: ServiceBlobs,
  cids: readonly string[],
  o: { concurrency: number; timeoutMs: number; signal?: AbortSignal },
): Promise<FetchedBlobs> {
  const deadline = Date.now() + o.timeoutMs;
  const out: FetchedBlobs = { bytes: new Map(), missing: new Map() };
  const queue = [...new Set(cids)];
  const one = async (cid: string): Promise<void> => {
    let why = "timed out";
    for (let tries = 0; tries < MAX_TRIES && !o.signal?.aborted; tries++) {
      try {
        const b = await blobs.get(cid);
        if (b) {
          out.bytes.set(cid, b);
          return;
        }
      } catch (e) {
        // A corrupt local copy was deleted by the store: fetch it again.
        if (!isBlobError(e, BlobErrorCode.CORRUPT)) throw e;
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        await abortable(blobs.fetch(cid, { timeoutMs: left }), o.signal);
      } catch (e) {
        why = (e as Error).message;
        if (!isBlobError(e, BlobErrorCode.BUSY)) break;
        await sleep(Math.min(BUSY_WAIT_MS, Math.max(0, deadline - Date.now())));
      }
    }
    out.missing.set(cid, o.signal?.aborted ? "stopped" : why);
  };
  const workers = Array.from({ length: Math.max(1, Math.min(o.concurrency, queue.length)) }, async () => {
    for (let cid = queue.shift(); cid !== undefined; cid = queue.shift()) await one(cid);
  });
  await Promise.all(workers);
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Settles with `p`, or rejects as soon as `signal` aborts (the service is stopping). */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new Error("stopped"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("stopped"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** One blob a job cannot do without (a global model, an eval set): its bytes, or MISSING_INPUT naming `what`. */
export async function fetchRequired(
  blobs: ServiceBlobs,
  cid: string,
  what: string,
  o: { timeoutMs: number; signal?: AbortSignal },
): Promise<Uint8Array> {
  const fetched = await fetchBlobs(blobs, [cid], { concurrency: 1, ...o });
  const bytes = fetched.bytes.get(cid);
  if (!bytes)
    throw new FlServiceError(
      FlServiceErrorCode.MISSING_INPUT,
      `${what} ${cid} is not available: ${fetched.missing.get(cid) ?? "not found"}`,
    );
  return bytes;
}
