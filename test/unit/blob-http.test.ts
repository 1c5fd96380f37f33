import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cidOf } from "../../chain/blobs/cid.ts";
import { BlobError, BlobErrorCode } from "../../chain/blobs/errors.ts";
import { type BlobHttpOptions, blobRoutes } from "../../chain/blobs/http.ts";
import { IpByteRateQuota } from "../../chain/blobs/quota.ts";
import { invalidContent, type UploadCheck } from "../../chain/blobs/upload-check.ts";
import { BlobStore } from "../../chain/blobs/store.ts";
import type { RpcBackend } from "../../chain/rpc/backend.ts";
import { type RpcServer, type RpcServerOptions, startRpcServer } from "../../chain/rpc/server.ts";

const KiB = 1024;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(
  http: Partial<BlobHttpOptions> = {},
  rpc: Partial<RpcServerOptions> = {},
): Promise<{ url: string; store: BlobStore; server: RpcServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "cifer-blob-http-"));
  const store = await BlobStore.open({ dir, maxBlobBytes: 64 * KiB, maxStoreBytes: 1024 * KiB });
  // The blob routes use no JSON-RPC method: an empty backend will do.
  const server = await startRpcServer({} as RpcBackend, {
    port: 0,
    routes: [blobRoutes({ store, maxConcurrentUploads: 4, ...http })],
    ...rpc,
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  cleanups.push(() => server.close());
  return { url: server.address, store, server, dir };
}

const put = (
  url: string,
  body: Uint8Array | ReadableStream,
  headers: Record<string, string> = {},
  query = "",
) =>
  fetch(`${url}/blobs${query}`, {
    method: "PUT",
    body,
    headers: { "content-type": "application/octet-stream", ...headers },
    duplex: "half",
    signal: AbortSignal.timeout(10_000),
  } as RequestInit);

const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

test("upload and download: status codes, headers, conditional GET", async () => {
  const { url, store } = await serve();
  const data = new Uint8Array(10 * KiB).fill(7);
  const cid = cidOf(data);
  const r = await put(url, data);
  assert.equal(r.status, 201);
  assert.deepEqual(await r.json(), { cid, size: data.length });
  assert.equal((await put(url, data)).status, 200);
  assert.equal(store.has(cid), true);

  const g = await fetch(`${url}/blobs/${cid}`);
  assert.equal(g.status, 200);
  assert.equal(g.headers.get("etag"), `"${cid}"`);
  assert.equal(g.headers.get("content-length"), String(data.length));
  assert.deepEqual(new Uint8Array(await g.arrayBuffer()), data);
  const cached = await fetch(`${url}/blobs/${cid}`, { headers: { "if-none-match": `W/"x", "${cid}"` } });
  assert.equal(cached.status, 304);
  const head = await fetch(`${url}/blobs/${cid}`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(data.length));

  const missing = cidOf(new Uint8Array([1]));
  assert.equal((await fetch(`${url}/blobs/${missing}`, { method: "HEAD" })).status, 404);
  const nf = await fetch(`${url}/blobs/${missing}`);
  assert.equal(nf.status, 404);
  assert.equal(await errorCode(nf), "BLOB_NOT_FOUND");
  const bad = await fetch(`${url}/blobs/not-a-cid`);
  assert.equal(bad.status, 400);
  assert.equal(await errorCode(bad), "BLOB_BAD_CID");
  // JSON-RPC still answers on the same server.
  assert.equal((await fetch(`${url}/`)).status, 200);
});

test("uploads refused: content type, size (declared and streamed), CID, stalled body", async () => {
  const { url, store, dir } = await serve({ uploadIdleTimeoutMs: 300 });
  const data = new Uint8Array(KiB).fill(1);
  const wrongType = await put(url, data, { "content-type": "application/json" });
  assert.equal(wrongType.status, 415);
  assert.equal(await errorCode(wrongType), "BLOB_BAD_REQUEST");

  const big = await put(url, new Uint8Array(64 * KiB + 1));
  assert.equal(big.status, 413);
  // No Content-Length: refused when the bytes cross the limit.
  const stream = new ReadableStream({
    async start(c) {
      for (let i = 0; i < 10; i++) {
        c.enqueue(new Uint8Array(8 * KiB));
        await new Promise((r) => setTimeout(r, 2));
      }
      c.close();
    },
  });
  const streamed = await put(url, stream);
  assert.equal(streamed.status, 413);
  assert.equal(await errorCode(streamed), "BLOB_TOO_LARGE");

  const mismatch = await put(url, data, {}, `?cid=${cidOf(new Uint8Array())}`);
  assert.equal(mismatch.status, 400);
  assert.equal(await errorCode(mismatch), "BLOB_CID_MISMATCH");
  const badCid = await put(url, data, {}, "?cid=bafkrei");
  assert.equal(badCid.status, 400);
  assert.equal(await errorCode(badCid), "BLOB_BAD_CID");

  // A body that stops arriving: 408 after the idle timeout.
  const stalled = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      `${url}/blobs`,
      { method: "PUT", headers: { "content-type": "application/octet-stream", "content-length": "1000" } },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on("error", reject);
    req.write(new Uint8Array(10));
  });
  assert.equal(stalled.status, 408);
  assert.match(stalled.body, /BLOB_UPLOAD_TIMEOUT/);

  assert.equal(store.list().length, 0, "nothing was stored");
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(readdirSync(join(dir, "tmp")), [], "no temp file left");
});

test("upload checks: chosen by the query, wrong sizes refused unread, bad bytes refused as they stream", async () => {
  // A toy check: `?kind=even` uploads are 4 KiB of even bytes; `?kind=nope` is refused outright.
  const seen: string[] = [];
  const check: UploadCheck = {
    name: "even",
    async begin(u) {
      seen.push(JSON.stringify(u.query));
      if (u.query.kind === undefined) return null;
      if (u.query.kind !== "even")
        throw new BlobError({ code: BlobErrorCode.BAD_REQUEST }, `no kind ${u.query.kind}`);
      let n = 0;
      return {
        size: 4 * KiB,
        write(chunk) {
          for (const b of chunk) {
            if (b % 2 !== 0) throw invalidContent("even", `byte ${n} is odd`);
            n++;
          }
        },
        end() {
          if (n !== 4 * KiB) throw invalidContent("even", `${n} bytes`);
        },
      };
    },
  };
  const { url, store, dir } = await serve({ checks: [check] });
  const even = new Uint8Array(4 * KiB).fill(2);
  assert.equal((await put(url, even, {}, "?kind=even")).status, 201);
  assert.equal((await put(url, new Uint8Array(5).fill(3))).status, 201, "no ?kind=: not checked");

  const nope = await put(url, even, {}, "?kind=nope");
  assert.equal(nope.status, 400);
  assert.equal(await errorCode(nope), "BLOB_BAD_REQUEST");
  const twice = await put(url, even, {}, "?kind=even&kind=even");
  assert.equal(twice.status, 400);
  const size = await put(url, new Uint8Array(100), {}, "?kind=even");
  assert.equal(size.status, 422);
  assert.equal(await errorCode(size), "BLOB_INVALID_CONTENT");
  // The odd byte arrives in a later chunk of a body of undeclared length.
  const stream = new ReadableStream({
    async start(c) {
      c.enqueue(new Uint8Array(2 * KiB).fill(4));
      await new Promise((r) => setTimeout(r, 5));
      c.enqueue(new Uint8Array(2 * KiB).fill(4).fill(5, 100, 101));
      c.close();
    },
  });
  const odd = await put(url, stream, {}, "?kind=even");
  assert.equal(odd.status, 422);
  assert.match(((await odd.json()) as { error: { message: string } }).error.message, /byte 2148 is odd/);
  const short = new ReadableStream({
    start(c) {
      c.enqueue(new Uint8Array(KiB).fill(4));
      c.close();
    },
  });
  assert.equal((await put(url, short, {}, "?kind=even")).status, 422, "fewer bytes than the check wants");

  assert.deepEqual(
    store
      .list()
      .map((b) => b.size)
      .sort((a, b) => a - b),
    [5, 4 * KiB],
    "only the accepted uploads were stored",
  );
  assert.ok(seen.includes(JSON.stringify({ kind: "even" })));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(readdirSync(join(dir, "tmp")), [], "no temp file left");
});

test("per-IP upload byte quota; the server's request rate limit applies to /blobs too", async () => {
  const { url } = await serve({ quota: new IpByteRateQuota({ bytesPerSecond: 1, burstBytes: 100 * KiB }) });
  assert.equal((await put(url, new Uint8Array(60 * KiB).fill(1))).status, 201);
  const over = await put(url, new Uint8Array(60 * KiB).fill(2));
  assert.equal(over.status, 429);
  assert.equal(await errorCode(over), "BLOB_QUOTA_EXCEEDED");
  assert.equal(over.headers.get("retry-after"), "1");
  // A refused upload is not charged: a smaller one still fits in the rest of the bucket.
  assert.equal((await put(url, new Uint8Array(30 * KiB).fill(3))).status, 201);

  const limited = await serve({}, { rateLimit: { requestsPerSecond: 0.001, burst: 2 } });
  const cid = cidOf(new Uint8Array());
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await fetch(`${limited.url}/blobs/${cid}`)).status);
  assert.deepEqual(statuses, [404, 404, 429]);
});

test("a blob missing here is fetched through the hook; its errors map to status codes", async () => {
  const data = new Uint8Array(3 * KiB).fill(9);
  const cid = cidOf(data);
  let store!: BlobStore;
  const calls: string[] = [];
  const s = await serve({
    fetch: async (c) => {
      calls.push(c);
      if (c === cid) return store.put(data);
      if (c === cidOf(new Uint8Array([2])))
        throw new BlobError({ code: BlobErrorCode.BUSY, limit: 1 }, "busy");
      if (c === cidOf(new Uint8Array([3])))
        throw new BlobError({ code: BlobErrorCode.TOO_LARGE, size: 1e9, max: 1 }, "too large here");
      throw new BlobError({ code: BlobErrorCode.NOT_FOUND, cid: c, asked: 2, timedOut: true }, "not found");
    },
  });
  store = s.store;
  const got = await fetch(`${s.url}/blobs/${cid}`);
  assert.equal(got.status, 200);
  assert.deepEqual(new Uint8Array(await got.arrayBuffer()), data);
  assert.equal((await fetch(`${s.url}/blobs/${cid}`)).status, 200);
  assert.deepEqual(calls, [cid], "the second GET is served locally");
  assert.equal((await fetch(`${s.url}/blobs/${cidOf(new Uint8Array([1]))}`)).status, 404);
  const busy = await fetch(`${s.url}/blobs/${cidOf(new Uint8Array([2]))}`);
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get("retry-after"), "1");
  assert.equal((await fetch(`${s.url}/blobs/${cidOf(new Uint8Array([3]))}`)).status, 507);
});
