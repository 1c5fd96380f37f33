/**
 * The trainer's blob client (client/fl/blobs.ts) against the node's real blob routes in process, and
 * against a lying server: uploads return the CID the node computed, downloads are verified against
 * the CID asked for, sizes are bounded, and every failure is a BlobClientError naming the node's
 * error code (or the client's).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cidOf } from "../../chain/blobs/cid.ts";
import { blobRoutes } from "../../chain/blobs/http.ts";
import { BlobStore } from "../../chain/blobs/store.ts";
import type { RpcBackend } from "../../chain/rpc/backend.ts";
import { startRpcServer } from "../../chain/rpc/server.ts";
import { BlobClientError, getBlob, putBlob } from "../../client/fl/blobs.ts";
import { UPLOAD_AUTH_HEADER } from "../../modules/fl/upload-auth.ts";

const KiB = 1024;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The node's blob API (the same routes `cifer node start` serves) on a free port. */
async function node(maxBlobBytes = 64 * KiB): Promise<{ url: string; store: BlobStore }> {
  const dir = mkdtempSync(join(tmpdir(), "cifer-fl-blobs-"));
  const store = await BlobStore.open({ dir, maxBlobBytes, maxStoreBytes: 1024 * KiB });
  const server = await startRpcServer({} as RpcBackend, {
    port: 0,
    routes: [blobRoutes({ store, maxConcurrentUploads: 4 })],
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  cleanups.push(() => server.close());
  return { url: server.address, store };
}

/** A plain HTTP server answering with `handle` (the lying or broken node). */
async function fake(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const rejectsWith = (p: Promise<unknown>, code: string, message: RegExp) =>
  assert.rejects(p, (e) => {
    assert.ok(e instanceof BlobClientError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });

test("put then get through the node's routes: the CID is the bytes' own", async () => {
  const { url, store } = await node();
  const bytes = new Uint8Array(10 * KiB).map((_, i) => i % 251);
  const cid = await putBlob(`${url}/`, bytes);
  assert.equal(cid, cidOf(bytes));
  assert.equal(store.has(cid), true);
  assert.equal(await putBlob(url, bytes), cid, "a second upload of the same bytes is fine");
  assert.deepEqual(await getBlob(url, cid), bytes);
});

test("the node's refusals come back with its error code and message", async () => {
  const { url } = await node(4 * KiB);
  await rejectsWith(putBlob(url, new Uint8Array(5 * KiB)), "BLOB_TOO_LARGE", /HTTP 413 BLOB_TOO_LARGE/);
  const missing = cidOf(new Uint8Array([1, 2, 3]));
  await rejectsWith(getBlob(url, missing), "BLOB_NOT_FOUND", new RegExp(`${missing} not found`));
});

test("a download that does not hash to its CID is refused", async () => {
  const asked = new Uint8Array([1, 2, 3, 4]);
  const cid = cidOf(asked);
  const url = await fake((_req, res) => res.end(Buffer.from([9, 9, 9, 9])));
  await rejectsWith(getBlob(url, cid), "BLOB_CID_MISMATCH", /hash to bafkrei.*not the CID asked for/);
});

test("an upload the node stored under another CID is refused", async () => {
  let seen = "";
  let auth: string | string[] | undefined;
  const url = await fake((req, res) => {
    seen = req.url ?? "";
    auth = req.headers[UPLOAD_AUTH_HEADER];
    req.resume();
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ cid: cidOf(new Uint8Array([0])), size: 4 }));
    });
  });
  const bytes = new Uint8Array([5, 6, 7, 8]);
  await rejectsWith(
    putBlob(url, bytes, { update: { taskId: 3n, round: 2, auth: "AAAA.BBBB" } }),
    "BLOB_CID_MISMATCH",
    /stored bafkrei/,
  );
  assert.equal(seen, `/blobs?cid=${cidOf(bytes)}&task=3&round=2`);
  assert.equal(auth, "AAAA.BBBB", "an update carries its signature header");
});

test("downloads are bounded: declared and streamed sizes over maxBytes are refused", async () => {
  const big = new Uint8Array(2 * KiB);
  const cid = cidOf(big);
  const declared = await fake((_req, res) => res.end(Buffer.from(big)));
  await rejectsWith(
    getBlob(declared, cid, { maxBytes: KiB }),
    "BLOB_TOO_LARGE",
    /2048 bytes, more than the 1024/,
  );
  const chunked = await fake((_req, res) => {
    // No Content-Length: the limit must hold while reading.
    res.writeHead(200, { "transfer-encoding": "chunked" });
    for (let i = 0; i < 4; i++) res.write(Buffer.alloc(512));
    res.end();
  });
  await rejectsWith(getBlob(chunked, cid, { maxBytes: KiB }), "BLOB_TOO_LARGE", /more than 1024/);
});

test("bad CIDs, other servers, dead and silent nodes fail clearly", async () => {
  await rejectsWith(getBlob("http://127.0.0.1:9", "Qm123"), "BLOB_BAD_CID", /invalid CID/);
  const cid = cidOf(new Uint8Array([1]));
  const html = await fake((_req, res) => {
    res.writeHead(404, { "content-type": "text/html" });
    res.end("<h1>nope</h1>");
  });
  await rejectsWith(getBlob(html, cid), "BLOB_HTTP", /HTTP 404.*are blobs enabled/);
  await rejectsWith(
    getBlob("http://127.0.0.1:9", cid),
    "BLOB_NETWORK",
    /download of .* from http:\/\/127\.0\.0\.1:9/,
  );
  const silent = await fake(() => {
    // Never answers.
  });
  const t0 = Date.now();
  await rejectsWith(putBlob(silent, new Uint8Array([1]), { timeoutMs: 300 }), "BLOB_NETWORK", /timed out/);
  assert.ok(Date.now() - t0 < 5000);
});
