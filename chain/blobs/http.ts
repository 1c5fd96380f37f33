import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RpcRoutes } from "../rpc/server.ts";
import { parseCid } from "./cid.ts";
import { BlobError, BlobErrorCode, type BlobLogger, isBlobError, silentBlobLogger } from "./errors.ts";
import type { UploadQuota, UploadRequest } from "./quota.ts";
import { beginChecks, invalidContent, type UploadCheck, type UploadContentCheck } from "./upload-check.ts";
import type { BlobStore, PutResult } from "./store.ts";

export interface BlobHttpOptions {
  store: BlobStore;
  /** Gets a blob this node lacks from peers (the reactor); omitted, a missing blob is 404 at once. */
  fetch?: (cid: string) => Promise<PutResult>;
  /** Admission of uploads (per-IP byte rate; later the FL module's per-account quota). */
  quota?: UploadQuota;
  /** Checks of what uploads contain, chosen by the upload's query (e.g. `?task=`); see upload-check.ts. */
  checks?: readonly UploadCheck[];
  /** Uploads being received at once; more are answered 503. */
  maxConcurrentUploads: number;
  /** An upload whose body pauses this long is dropped (408); default 30 s. */
  uploadIdleTimeoutMs?: number;
  log?: BlobLogger;
}

const OCTET_STREAM = "application/octet-stream";
/** Blobs are immutable: a CID names the same bytes forever. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** HTTP status of each error code (GET's TOO_LARGE, a blob peers have that this node cannot hold, is 507). */
const STATUS: Record<BlobErrorCode, number> = {
  [BlobErrorCode.BAD_CID]: 400,
  [BlobErrorCode.CID_MISMATCH]: 400,
  [BlobErrorCode.BAD_REQUEST]: 400,
  [BlobErrorCode.BAD_PIN]: 400,
  [BlobErrorCode.NOT_FOUND]: 404,
  [BlobErrorCode.INVALID_CONTENT]: 422,
  [BlobErrorCode.UPLOAD_TIMEOUT]: 408,
  [BlobErrorCode.TOO_LARGE]: 413,
  [BlobErrorCode.QUOTA_EXCEEDED]: 429,
  [BlobErrorCode.UNAUTHORIZED]: 401,
  [BlobErrorCode.FORBIDDEN]: 403,
  [BlobErrorCode.CORRUPT]: 500,
  [BlobErrorCode.BAD_STORE]: 500,
  [BlobErrorCode.BUSY]: 503,
  [BlobErrorCode.STOPPED]: 503,
  [BlobErrorCode.STORE_FULL]: 507,
};

const badRequest = (message: string) => new BlobError({ code: BlobErrorCode.BAD_REQUEST }, message);

/**
 * The blob API on the RPC server:
 *
 * - `PUT /blobs` (body: the bytes, Content-Type application/octet-stream; optional `?cid=` the bytes
 *   must hash to; other parameters select upload checks, e.g. `?task=`): 201 {cid, size} when
 *   stored, 200 when the node already had it; 400 bad or mismatching CID or a query a check cannot
 *   use, 413 over `blobs.max_blob_bytes`, 415 other content type, 422 bytes a check refuses, 429
 *   quota, 503 busy, 507 store full. The body streams to disk (never whole in memory); the size
 *   limit is enforced on the declared Content-Length before reading and on the bytes as they
 *   arrive, so this route needs none of the JSON-RPC body limit.
 * - `GET /blobs/:cid`: the bytes (ETag = the CID, cacheable forever); a blob not stored here is
 *   fetched from peers first, verified and stored; 404 if no peer has it within the timeout.
 * - `HEAD /blobs/:cid`: whether this node stores the blob (size, ETag), without asking peers.
 *
 * Errors are JSON: {"error": {"code": "BLOB_...", "message": "..."}}.
 */
export function blobRoutes(o: BlobHttpOptions): RpcRoutes {
  const log = o.log ?? silentBlobLogger;
  const idleMs = o.uploadIdleTimeoutMs ?? 30_000;
  let uploads = 0;

  const sendError = (reply: FastifyReply, e: unknown, status?: number) => {
    if (!(e instanceof BlobError)) {
      log.warn("blob request failed", { err: (e as Error).message });
      return reply
        .code(500)
        .header("content-type", "application/json")
        .send(JSON.stringify({ error: { code: "BLOB_INTERNAL", message: (e as Error).message } }));
    }
    const code: BlobErrorCode = e.code;
    if (code === BlobErrorCode.BUSY || code === BlobErrorCode.QUOTA_EXCEEDED)
      reply.header("retry-after", "1");
    return reply
      .code(status ?? STATUS[code])
      .header("content-type", "application/json")
      .send(JSON.stringify({ error: { code, message: e.message } }));
  };

  /**
   * Answers an upload it will not store. The rest of the body is read and dropped (bounded), because
   * closing the connection under a client that is still sending makes the client fail with EPIPE
   * before it reads the answer (nginx's "lingering close" for the same reason).
   */
  const refuseUpload = (request: FastifyRequest, reply: FastifyReply, e: unknown, status?: number) => {
    discardRest(request.raw, 2 * o.store.maxBlobBytes, DISCARD_MS);
    return sendError(reply, e, status);
  };

  const cidParam = (request: FastifyRequest): string =>
    parseCid((request.params as { cid?: string }).cid).text;

  /** The blob, verified, or undefined; a corrupt copy is deleted by the store and counts as missing. */
  const openLocal = async (cid: string) => {
    try {
      return await o.store.open(cid);
    } catch (e) {
      if (isBlobError(e, BlobErrorCode.CORRUPT)) return undefined;
      throw e;
    }
  };

  const blobHeaders = (reply: FastifyReply, cid: string, size: number) =>
    reply
      .header("content-type", OCTET_STREAM)
      .header("content-length", String(size))
      .header("etag", `"${cid}"`)
      .header("cache-control", IMMUTABLE)
      .header("x-content-type-options", "nosniff");

  async function upload(request: FastifyRequest, reply: FastifyReply) {
    const body = request.body as Readable | undefined;
    const type = request.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
    if (type !== OCTET_STREAM)
      return refuseUpload(
        request,
        reply,
        badRequest(
          `Content-Type must be ${OCTET_STREAM}, got ${type === undefined ? "none" : JSON.stringify(type)}`,
        ),
        415,
      );
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
      if (typeof v !== "string") return refuseUpload(request, reply, badRequest(`${k}: give it once`));
      query[k] = v;
    }
    let expected: string | undefined;
    if (query.cid !== undefined) {
      try {
        expected = parseCid(query.cid).text;
      } catch (e) {
        return refuseUpload(request, reply, e);
      }
    }
    const max = o.store.maxBlobBytes;
    const lengthHeader = request.headers["content-length"];
    const declared = lengthHeader === undefined ? undefined : Number(lengthHeader);
    if (declared !== undefined && declared > max)
      return refuseUpload(
        request,
        reply,
        new BlobError(
          { code: BlobErrorCode.TOO_LARGE, size: declared, max },
          `blob of ${declared} bytes is larger than this node accepts (max_blob_bytes ${max})`,
        ),
      );
    if (uploads >= o.maxConcurrentUploads)
      return refuseUpload(
        request,
        reply,
        new BlobError(
          { code: BlobErrorCode.BUSY, limit: o.maxConcurrentUploads },
          `${o.maxConcurrentUploads} uploads already in progress; retry later`,
        ),
      );
    let check: UploadContentCheck | null = null;
    if (o.checks && o.checks.length > 0) {
      try {
        check = await beginChecks(o.checks, { query, headers: request.headers });
      } catch (e) {
        return refuseUpload(request, reply, e);
      }
      if (check?.size !== undefined && declared !== undefined && declared !== check.size)
        return refuseUpload(
          request,
          reply,
          invalidContent("size", `the upload has ${declared} bytes, ${check.size} expected`),
        );
    }
    const u: UploadRequest = {
      ip: request.ip,
      bytes: declared ?? max,
      declared: declared !== undefined,
      ...(expected !== undefined ? { expectedCid: expected } : {}),
      headers: request.headers,
    };
    // Creates no file yet; throws STOPPED when the node is shutting down.
    const writer = o.store.writer(expected !== undefined ? { expected } : {});
    const refusal = o.quota?.admit(u) ?? null;
    if (refusal !== null) {
      await writer.abort();
      return refuseUpload(
        request,
        reply,
        new BlobError({ code: BlobErrorCode.QUOTA_EXCEEDED, ip: request.ip, bytes: u.bytes }, refusal),
      );
    }
    uploads++;
    let received = 0;
    try {
      if (body)
        await readInto(
          body,
          async (chunk) => {
            check?.write(chunk);
            await writer.write(chunk);
          },
          idleMs,
        );
      received = writer.size;
      check?.end();
      const r = await writer.commit();
      return reply
        .code(r.created ? 201 : 200)
        .header("content-type", "application/json")
        .send(JSON.stringify({ cid: r.cid, size: r.size }));
    } catch (e) {
      received = writer.size;
      await writer.abort();
      // TOO_LARGE and timeouts stop reading mid-body.
      if (!body?.readableEnded) discardRest(request.raw, 2 * o.store.maxBlobBytes, DISCARD_MS);
      return sendError(reply, e);
    } finally {
      uploads--;
      o.quota?.settle?.(u, received);
    }
  }

  async function download(request: FastifyRequest, reply: FastifyReply) {
    const cid = cidParam(request);
    // The ETag is the CID: a client holding those bytes holds the right ones, whoever stores them.
    const inm = request.headers["if-none-match"];
    if (inm?.split(",").some((t) => t.trim().replace(/^W\//, "") === `"${cid}"`))
      return reply.code(304).header("etag", `"${cid}"`).header("cache-control", IMMUTABLE).send();
    let blob = await openLocal(cid);
    if (!blob && o.fetch) {
      await o.fetch(cid);
      blob = await openLocal(cid);
    }
    if (!blob)
      throw new BlobError(
        { code: BlobErrorCode.NOT_FOUND, cid, asked: 0, timedOut: false },
        `blob ${cid} not found`,
      );
    return blobHeaders(reply, cid, blob.size).code(200).send(blob.stream);
  }

  async function head(request: FastifyRequest, reply: FastifyReply) {
    const cid = cidParam(request);
    const st = o.store.stat(cid);
    if (!st) return reply.code(404).send();
    return blobHeaders(reply, cid, st.size).code(200).send();
  }

  return async (app: FastifyInstance) => {
    // Bodies reach the upload handler as the raw stream: it streams them to disk with its own limit.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
    app.setErrorHandler(async (err: Error & { statusCode?: number }, request, reply) => {
      if (err instanceof BlobError) {
        // GET of a blob peers hold but that is over this node's limit: the node cannot store it.
        if (err.code === BlobErrorCode.TOO_LARGE && request.method === "GET")
          return sendError(reply, err, 507);
        return sendError(reply, err);
      }
      if (err.statusCode !== undefined && err.statusCode < 500)
        return refuseUpload(request, reply, badRequest(err.message), err.statusCode);
      return sendError(reply, err);
    });
    app.put("/blobs", upload);
    app.get("/blobs/:cid", { exposeHeadRoute: false }, download);
    app.head("/blobs/:cid", head);
  };
}

/**
 * Feeds a request body to `write` chunk by chunk; fails with UPLOAD_TIMEOUT if it stalls for
 * `idleMs` (the caller then answers 408 and closes the connection).
 */
/** How long a refused upload's remaining body is read and dropped before the connection is cut. */
const DISCARD_MS = 10_000;

/**
 * Reads and drops what is left of a request body, at most `maxBytes` and `maxMs`; past either, the
 * connection is destroyed (a client that keeps sending after a refusal gets no more of our time).
 */
function discardRest(raw: IncomingMessage, maxBytes: number, maxMs: number): void {
  if (raw.readableEnded || raw.destroyed) return;
  let dropped = 0;
  const timer = setTimeout(() => raw.destroy(), maxMs);
  timer.unref();
  const stop = () => clearTimeout(timer);
  raw.on("end", stop);
  raw.on("close", stop);
  raw.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes) raw.destroy();
  });
  raw.resume();
}

async function readInto(
  body: Readable,
  write: (chunk: Uint8Array) => Promise<void>,
  idleMs: number,
): Promise<void> {
  const it = body[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new BlobError(
                { code: BlobErrorCode.UPLOAD_TIMEOUT, idleMs },
                `upload stalled: no bytes for ${idleMs} ms`,
              ),
            ),
          idleMs,
        );
      });
      const next = await Promise.race([it.next(), idle]);
      clearTimeout(timer);
      if (next.done) return;
      await write(next.value as Uint8Array);
    }
  } finally {
    clearTimeout(timer);
  }
}
