/**
 * HTTP client of a node's blob API (chain/blobs/http.ts): `PUT /blobs?cid=` uploads the bytes of a
 * model update or genesis weights, `GET /blobs/:cid` downloads a global model. CIDs are computed here
 * with the node's own code (chain/blobs/cid.ts), so the node refuses an upload that was corrupted on
 * the way, and a download is checked against its CID before anyone trains on it: a node (or a proxy)
 * cannot hand a trainer other weights than the chain names.
 */
import { cidOf, parseCid } from "../../chain/blobs/cid.ts";
import { UPLOAD_AUTH_HEADER } from "../../modules/fl/upload-auth.ts";

/** What a download may hold at most unless told otherwise: the node's default `blobs.max_blob_bytes`. */
export const DEFAULT_MAX_BLOB_BYTES = 64 * 1024 * 1024;
/** Per request; a 64 MiB blob over a slow link still fits. */
export const DEFAULT_BLOB_TIMEOUT_MS = 120_000;

/**
 * A blob request that failed. `code` is the node's (`BLOB_NOT_FOUND`, `BLOB_TOO_LARGE`, ... from its
 * JSON error body) or this client's: `BLOB_CID_MISMATCH` (the bytes are not the ones named),
 * `BLOB_TOO_LARGE` (over `maxBytes`), `BLOB_HTTP` (an answer that is not the API's), `BLOB_BAD_CID`.
 */
export class BlobClientError extends Error {
  override name = "BlobClientError";
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface BlobRequestOptions {
  timeoutMs?: number;
  /** Aborts the request (Ctrl-C of a trainer). */
  signal?: AbortSignal;
}

const base = (nodeUrl: string) => nodeUrl.replace(/\/+$/, "");

function signalOf(o: BlobRequestOptions): AbortSignal {
  const timeout = AbortSignal.timeout(o.timeoutMs ?? DEFAULT_BLOB_TIMEOUT_MS);
  return o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
}

/** fetch, with a network failure named after the node (the socket error stays the cause). */
async function request(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const err = e as Error;
    const why = err.name === "TimeoutError" ? "timed out" : (err.cause as Error)?.message || err.message;
    throw new BlobClientError(`${what}: ${why}`, "BLOB_NETWORK", undefined, { cause: e });
  }
}

/** The node's JSON error ({"error": {"code", "message"}}) as a BlobClientError; any other body is named. */
async function httpError(res: Response, what: string): Promise<BlobClientError> {
  let text = "";
  try {
    text = (await res.text()).slice(0, 1000);
  } catch {
    // The status alone will have to do.
  }
  try {
    const j = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof j.error?.code === "string" && typeof j.error.message === "string")
      return new BlobClientError(
        `${what}: ${j.error.message} (HTTP ${res.status} ${j.error.code})`,
        j.error.code,
        res.status,
      );
  } catch {
    // Not the blob API's JSON: a proxy, another server, or blobs disabled on the node.
  }
  const hint = res.status === 404 ? "; are blobs enabled on this node (blobs.enabled)?" : "";
  return new BlobClientError(
    `${what}: HTTP ${res.status} ${res.statusText}${text ? `: ${text.replace(/\s+/g, " ").slice(0, 200)}` : ""}${hint}`,
    "BLOB_HTTP",
    res.status,
  );
}

/**
 * Uploads `bytes` to the node and returns their CID. The CID goes along (`?cid=`), so the node
 * stores them only if they arrived intact. An FL update names its task and round and carries the
 * participant's signature of them (`update`), so the node checks it against the task's model and
 * limits the updates each account uploads per round.
 */
export async function putBlob(
  nodeUrl: string,
  bytes: Uint8Array,
  o: BlobRequestOptions & {
    /** An FL update: its task, round and the participant's signature (modules/fl/upload-auth.ts). */
    update?: { taskId: bigint; round: number; auth: string };
  } = {},
): Promise<string> {
  const cid = cidOf(bytes);
  const what = `upload of ${cid} (${bytes.length} bytes) to ${base(nodeUrl)}`;
  const query = `cid=${cid}${o.update ? `&task=${o.update.taskId}&round=${o.update.round}` : ""}`;
  const res = await request(
    `${base(nodeUrl)}/blobs?${query}`,
    {
      method: "PUT",
      body: bytes,
      headers: {
        "content-type": "application/octet-stream",
        ...(o.update ? { [UPLOAD_AUTH_HEADER]: o.update.auth } : {}),
      },
      signal: signalOf(o),
    },
    what,
  );
  if (res.status !== 200 && res.status !== 201) throw await httpError(res, what);
  let answer: { cid?: unknown; size?: unknown };
  try {
    answer = (await res.json()) as typeof answer;
  } catch (e) {
    throw new BlobClientError(`${what}: the answer is not JSON`, "BLOB_HTTP", res.status, { cause: e });
  }
  if (answer.cid !== cid || answer.size !== bytes.length)
    throw new BlobClientError(
      `${what}: the node stored ${String(answer.cid)} (${String(answer.size)} bytes) instead`,
      "BLOB_CID_MISMATCH",
      res.status,
    );
  return cid;
}

/** Reads a response body, refusing more than `max` bytes before holding them. */
async function readLimited(res: Response, max: number, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  const tooLarge = (n: number | string) =>
    new BlobClientError(`${what}: ${n} bytes, more than the ${max} allowed`, "BLOB_TOO_LARGE", res.status);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    throw tooLarge(declared);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw tooLarge(`more than ${max}`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Downloads the blob `cid` from the node (which fetches it from its peers if it lacks it) and checks
 * that the bytes hash to `cid`; at most `maxBytes` are read.
 */
export async function getBlob(
  nodeUrl: string,
  cid: string,
  o: BlobRequestOptions & { maxBytes?: number } = {},
): Promise<Uint8Array> {
  try {
    parseCid(cid);
  } catch (e) {
    throw new BlobClientError((e as Error).message, "BLOB_BAD_CID");
  }
  const what = `download of ${cid} from ${base(nodeUrl)}`;
  const res = await request(`${base(nodeUrl)}/blobs/${cid}`, { signal: signalOf(o) }, what);
  if (res.status !== 200) throw await httpError(res, what);
  let bytes: Uint8Array;
  try {
    bytes = await readLimited(res, o.maxBytes ?? DEFAULT_MAX_BLOB_BYTES, what);
  } catch (e) {
    if (e instanceof BlobClientError) throw e;
    const err = e as Error;
    throw new BlobClientError(
      `${what}: ${err.name === "TimeoutError" ? "timed out" : err.message}`,
      "BLOB_NETWORK",
      undefined,
      { cause: e },
    );
  }
  const actual = cidOf(bytes);
  if (actual !== cid)
    throw new BlobClientError(
      `${what}: the ${bytes.length} bytes received hash to ${actual}, not the CID asked for`,
      "BLOB_CID_MISMATCH",
      res.status,
    );
  return bytes;
}
