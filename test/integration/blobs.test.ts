import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cidOf } from "../../chain/blobs/cid.ts";
import { homePaths } from "../../chain/node/home.ts";
import { TestNetwork } from "../helpers/network-process.ts";
import type { TestNode } from "../helpers/node-process.ts";
import { seededBytes } from "../helpers/bytes.ts";

// A validator (A) and a full node (B) as real processes, peers over loopback: blobs uploaded to A
// are fetched by B from A over the p2p blob channel when asked for them over HTTP.

const MiB = 1024 * 1024;
const MAX_BLOB = 4 * MiB;
const FETCH_TIMEOUT_MS = 4000;

const put = (node: TestNode, body: Uint8Array, query = "") =>
  fetch(`${node.url}/blobs${query}`, {
    method: "PUT",
    body,
    headers: { "content-type": "application/octet-stream" },
    signal: AbortSignal.timeout(30_000),
  });

const get = (node: TestNode, cid: string, method = "GET") =>
  fetch(`${node.url}/blobs/${cid}`, { method, signal: AbortSignal.timeout(30_000) });

/** Files in a node's blob store (temp files included), excluding pins.json. */
function storedFiles(node: TestNode): string[] {
  const root = homePaths(node.home).blobs;
  const out: string[] = [];
  for (const d of readdirSync(root)) {
    if (d === "pins.json") continue;
    for (const f of readdirSync(join(root, d))) out.push(join(d, f));
  }
  return out.sort();
}

describe("blob store over HTTP and p2p", () => {
  let net: TestNetwork;
  let a: TestNode;
  let b: TestNode;

  before(async () => {
    net = await TestNetwork.create(1, 300, { fullNodes: 1 });
    for (const n of net.nodes) {
      const path = homePaths(n.home).config;
      const c = JSON.parse(readFileSync(path, "utf8"));
      c.blobs = { max_blob_bytes: MAX_BLOB, fetch_timeout_ms: FETCH_TIMEOUT_MS, peer_timeout_ms: 2000 };
      writeFileSync(path, JSON.stringify(c, null, 2));
    }
    [a, b] = net.nodes as [TestNode, TestNode];
    await net.start(); // B's first block comes from A over p2p: they are connected
  });
  after(() => net?.destroy());

  test("PUT to one node, GET from another: fetched over p2p, verified, identical", async () => {
    const data = seededBytes(2 * MiB + 123_457, 1); // three 1 MiB chunks
    const cid = cidOf(data);
    const r1 = await put(a, data);
    assert.equal(r1.status, 201);
    assert.deepEqual(await r1.json(), { cid, size: data.length });
    const r2 = await put(a, data, `?cid=${cid}`);
    assert.equal(r2.status, 200, "already stored");
    assert.deepEqual(await r2.json(), { cid, size: data.length });

    assert.equal((await get(b, cid, "HEAD")).status, 404, "HEAD does not ask peers");
    const res = await get(b, cid);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    assert.equal(res.headers.get("etag"), `"${cid}"`);
    assert.match(res.headers.get("cache-control") ?? "", /immutable/);
    const got = new Uint8Array(await res.arrayBuffer());
    assert.equal(got.length, data.length);
    assert.equal(cidOf(got), cid);
    assert.deepEqual(Buffer.from(got), Buffer.from(data));

    const head = await get(b, cid, "HEAD");
    assert.equal(head.status, 200, "B stores it now");
    assert.equal(head.headers.get("content-length"), String(data.length));
    assert.ok(existsSync(join(homePaths(b.home).blobs, cid.slice(-3, -1), cid)));
    assert.ok(b.output.includes("blob fetched from a peer"));
  });

  test("GET of a CID no peer has: 404 within the fetch timeout", async () => {
    const cid = cidOf(seededBytes(100, 2));
    const t0 = performance.now();
    const res = await get(b, cid);
    const took = performance.now() - t0;
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "BLOB_NOT_FOUND");
    assert.ok(took < FETCH_TIMEOUT_MS + 2000, `answered after ${Math.round(took)} ms`);
  });

  test("an upload over max_blob_bytes: 413, nothing stored", async () => {
    const before = storedFiles(a);
    const data = seededBytes(MAX_BLOB + 1, 3);
    const res = await put(a, data);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "BLOB_TOO_LARGE");
    assert.equal((await get(a, cidOf(data), "HEAD")).status, 404);
    assert.deepEqual(storedFiles(a), before);
    // Exactly the limit is fine.
    const max = seededBytes(MAX_BLOB, 4);
    assert.equal((await put(a, max)).status, 201);
    assert.equal((await get(a, cidOf(max), "HEAD")).status, 200);
  });

  test("an upload whose bytes do not match ?cid=: 400, nothing stored; bad CIDs: 400", async () => {
    const before = storedFiles(a);
    const data = seededBytes(5000, 5);
    const wrong = cidOf(seededBytes(5000, 6));
    const res = await put(a, data, `?cid=${wrong}`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "BLOB_CID_MISMATCH");
    assert.ok(body.error.message.includes(cidOf(data)));
    assert.equal((await get(a, cidOf(data), "HEAD")).status, 404);
    assert.deepEqual(storedFiles(a), before);

    const badQuery = await put(a, data, "?cid=QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u");
    assert.equal(badQuery.status, 400);
    assert.match(((await badQuery.json()) as { error: { message: string } }).error.message, /CIDv0/);
    const badGet = await get(b, "bafyreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
    assert.equal(badGet.status, 400);
    assert.match(((await badGet.json()) as { error: { message: string } }).error.message, /dag-cbor/);
    // The JSON-RPC endpoints are unaffected.
    assert.ok((await a.height()) >= 1);
  });
});
