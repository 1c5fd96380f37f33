import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cidOf } from "../../chain/blobs/cid.ts";
import { BlobError, BlobErrorCode } from "../../chain/blobs/errors.ts";
import { MISMATCH_PENALTY } from "../../chain/blobs/fetch.ts";
import {
  type BlobMessage,
  CHUNK_BYTES,
  MAX_BLOB_MESSAGE_BYTES,
  chunkCount,
  chunkLength,
  decodeBlobMessage,
  encodeBlobMessage,
} from "../../chain/blobs/messages.ts";
import { type BlobNet, BlobReactor } from "../../chain/blobs/reactor.ts";
import { BlobStore } from "../../chain/blobs/store.ts";
import { ChannelId, DEFAULT_CHANNELS } from "../../chain/p2p/channels.ts";
import { seededBytes } from "../helpers/bytes.ts";

const MiB = 1024 * 1024;
const dirs: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Handler = (from: string, bytes: Uint8Array) => void;

/** Nodes joined by in-memory links: messages arrive asynchronously, in order per link. */
class Hub {
  readonly handlers = new Map<string, Handler>();
  readonly punished: Array<{ by: string; peer: string; reason: string; points: number | undefined }> = [];
  readonly disconnected: Array<{ by: string; peer: string }> = [];
  readonly sent: Array<{ from: string; to: string; m: BlobMessage }> = [];

  net(id: string): BlobNet {
    return {
      send: (to, bytes) => {
        if (!this.handlers.has(to)) return false;
        this.sent.push({ from: id, to, m: decodeBlobMessage(bytes) });
        setImmediate(() => this.handlers.get(to)?.(id, bytes));
        return true;
      },
      onMessage: (h) => this.handlers.set(id, h),
      punish: (peer, reason, points) => this.punished.push({ by: id, peer, reason, points }),
    };
  }
}

async function node(
  hub: Hub,
  id: string,
  peers: () => string[],
  o: {
    maxBlobBytes?: number;
    fetchTimeoutMs?: number;
    requestTimeoutMs?: number;
    maxConcurrentFetches?: number;
    dir?: string;
  } = {},
) {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "cifer-blob-reactor-"));
  dirs.push(dir);
  const store = await BlobStore.open({
    dir,
    maxBlobBytes: o.maxBlobBytes ?? 8 * MiB,
    maxStoreBytes: 64 * MiB,
  });
  const reactor = new BlobReactor({
    net: hub.net(id),
    store,
    peers,
    disconnect: (peer) => hub.disconnected.push({ by: id, peer }),
    fetchTimeoutMs: o.fetchTimeoutMs ?? 10_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 2000,
    ...(o.maxConcurrentFetches !== undefined ? { maxConcurrentFetches: o.maxConcurrentFetches } : {}),
  });
  cleanups.push(async () => {
    reactor.stop();
    await store.close();
  });
  return { store, reactor };
}

/** A peer that answers requests with `answer` (or not at all). */
function fakePeer(
  hub: Hub,
  id: string,
  answer: (m: BlobMessage & { type: "request" }) => BlobMessage | null,
) {
  const net = hub.net(id);
  net.onMessage((from, bytes) => {
    const m = decodeBlobMessage(bytes);
    if (m.type !== "request") return;
    const a = answer(m);
    if (a) net.send(from, encodeBlobMessage(a));
  });
}

const rejectsWith = (p: Promise<unknown>, code: BlobErrorCode, msg?: RegExp) =>
  assert.rejects(
    p,
    (e: Error) => e instanceof BlobError && e.code === code && (msg ? msg.test(e.message) : true),
  );

test("messages: round trip, limits, and the channel fits a full chunk", () => {
  const cid = cidOf(new Uint8Array());
  const size = 2 * CHUNK_BYTES + 5;
  const ms: BlobMessage[] = [
    { type: "request", cid, chunk: 7 },
    { type: "not_found", cid },
    { type: "response", cid, chunk: 0, total: 3, size, data: new Uint8Array(CHUNK_BYTES).fill(1) },
    { type: "response", cid, chunk: 2, total: 3, size, data: new Uint8Array(5).fill(2) },
    { type: "response", cid, chunk: 0, total: 1, size: 0, data: new Uint8Array() },
  ];
  for (const m of ms) assert.deepEqual(decodeBlobMessage(encodeBlobMessage(m)), m);
  const full = encodeBlobMessage(ms[2]!);
  assert.ok(full.length <= MAX_BLOB_MESSAGE_BYTES);
  const channel = DEFAULT_CHANNELS.find((c) => c.id === ChannelId.Blobs)!;
  assert.equal(channel.id, 0x50);
  assert.ok(channel.maxMessageSize >= MAX_BLOB_MESSAGE_BYTES);
  assert.equal(chunkCount(0), 1);
  assert.equal(chunkCount(CHUNK_BYTES), 1);
  assert.equal(chunkCount(CHUNK_BYTES + 1), 2);
  assert.equal(chunkLength(CHUNK_BYTES + 1, 1), 1);
  // Inconsistent chunks, wrong lengths, bad CIDs, garbage.
  const bad: Array<[Uint8Array, RegExp]> = [
    [
      encodeBlobMessage({ ...(ms[3] as Extract<BlobMessage, { type: "response" }>), total: 4 }),
      /cannot hold/,
    ],
    [
      encodeBlobMessage({
        ...(ms[3] as Extract<BlobMessage, { type: "response" }>),
        data: new Uint8Array(6),
      }),
      /must be 5 bytes/,
    ],
    [
      encodeBlobMessage({ ...(ms[3] as Extract<BlobMessage, { type: "response" }>), chunk: 3 }),
      /chunk 3 of 3/,
    ],
    [Uint8Array.from([0x0a, 0x02, 0x0a, 0x00]), /malformed cid/],
    [Uint8Array.from([0x22, 0x00]), /malformed cid|unknown message kind/],
    [Uint8Array.from([0xff, 0xff]), /invalid blob message/],
    [new Uint8Array(MAX_BLOB_MESSAGE_BYTES + 1), /exceeds the limit/],
  ];
  for (const [bytes, re] of bad) assert.throws(() => decodeBlobMessage(bytes), re);
});

test("a multi-chunk blob is fetched from a peer, verified and stored", async () => {
  const hub = new Hub();
  const a = await node(hub, "a", () => ["b"]);
  const b = await node(hub, "b", () => ["a"]);
  const data = seededBytes(2 * CHUNK_BYTES + 12_345, 1);
  const { cid } = await a.store.put(data);
  const r = await b.reactor.fetch(cid);
  assert.deepEqual(r, { cid, size: data.length, created: true });
  assert.deepEqual(await b.store.get(cid), data);
  const requests = hub.sent.filter((s) => s.from === "b" && s.m.type === "request");
  assert.deepEqual(
    requests.map((s) => (s.m as { chunk: number }).chunk),
    [0, 1, 2],
  );
  // Already stored: no network.
  const before = hub.sent.length;
  assert.equal((await b.reactor.fetch(cid)).created, false);
  assert.equal(hub.sent.length, before);
  assert.equal(hub.punished.length, 0);
  // The empty blob travels as one empty chunk.
  const empty = await a.store.put(new Uint8Array());
  assert.equal((await b.reactor.fetch(empty.cid)).size, 0);
});

test("a peer sending bytes that do not match the CID is punished, disconnected, and another asked", async () => {
  const hub = new Hub();
  const honest = await node(hub, "b-honest", () => []);
  const data = seededBytes(CHUNK_BYTES + 100, 2);
  const { cid } = await honest.store.put(data);
  const fake = seededBytes(data.length, 3); // right size, wrong bytes
  fakePeer(hub, "a-liar", (m) => ({
    type: "response",
    cid: m.cid,
    chunk: m.chunk,
    total: chunkCount(fake.length),
    size: fake.length,
    data: fake.subarray(m.chunk * CHUNK_BYTES, m.chunk * CHUNK_BYTES + chunkLength(fake.length, m.chunk)),
  }));
  const me = await node(hub, "me", () => ["a-liar", "b-honest"]);
  const r = await me.reactor.fetch(cid);
  assert.equal(r.cid, cid);
  assert.deepEqual(await me.store.get(cid), data);
  assert.deepEqual(
    hub.punished.map((p) => [p.peer, p.points]),
    [["a-liar", MISMATCH_PENALTY]],
  );
  assert.match(hub.punished[0]!.reason, /hash to .* not to the requested/);
  assert.deepEqual(hub.disconnected, [{ by: "me", peer: "a-liar" }]);
  assert.equal(me.store.list().length, 1, "the liar's bytes were not kept");
});

test("not found: every peer says so (at once), or the timeout; silent peers are skipped", async () => {
  const hub = new Hub();
  await node(hub, "a", () => []);
  await node(hub, "b", () => []);
  const me = await node(hub, "me", () => ["a", "b"], { fetchTimeoutMs: 1500, requestTimeoutMs: 300 });
  const unknown = cidOf(seededBytes(10, 4));
  const t0 = performance.now();
  await rejectsWith(me.reactor.fetch(unknown), BlobErrorCode.NOT_FOUND, /none of 2 peers has it/);
  assert.ok(performance.now() - t0 < 1000, "answered without waiting for the timeout");

  // A silent peer is given up on after requestTimeoutMs; the next one has it.
  fakePeer(hub, "a-silent", () => null);
  const data = seededBytes(1000, 5);
  const holder = await node(hub, "z-holder", () => []);
  await holder.store.put(data);
  const me2 = await node(hub, "me2", () => ["a-silent", "z-holder"], {
    fetchTimeoutMs: 3000,
    requestTimeoutMs: 300,
  });
  assert.equal((await me2.reactor.fetch(cidOf(data))).size, 1000);

  // Only silent peers: NOT_FOUND at the fetch timeout.
  const me3 = await node(hub, "me3", () => ["a-silent"], { fetchTimeoutMs: 600, requestTimeoutMs: 5000 });
  const t1 = performance.now();
  await rejectsWith(me3.reactor.fetch(unknown), BlobErrorCode.NOT_FOUND, /within 600 ms/);
  const took = performance.now() - t1;
  assert.ok(took >= 550 && took < 3000, `gave up after ${took} ms`);

  // No peers at all.
  const lonely = await node(hub, "lonely", () => []);
  await rejectsWith(lonely.reactor.fetch(unknown), BlobErrorCode.NOT_FOUND, /no peer to ask/);
});

test("a blob larger than this node accepts is refused before its bytes are taken", async () => {
  const hub = new Hub();
  const a = await node(hub, "a", () => []);
  const data = seededBytes(2 * CHUNK_BYTES, 6);
  const { cid } = await a.store.put(data);
  const small = await node(hub, "small", () => ["a"], { maxBlobBytes: CHUNK_BYTES });
  await rejectsWith(small.reactor.fetch(cid), BlobErrorCode.TOO_LARGE, /larger than this node accepts/);
  assert.equal(hub.sent.filter((s) => s.from === "small").length, 1, "only chunk 0 was asked for");
  assert.equal(small.store.list().length, 0);
});

test("fetches of one CID share one transfer; beyond the bound: BUSY; bad CID refused", async () => {
  const hub = new Hub();
  const a = await node(hub, "a", () => []);
  const data = seededBytes(CHUNK_BYTES + 1, 7);
  const { cid } = await a.store.put(data);
  const me = await node(hub, "me", () => ["a"], { maxConcurrentFetches: 1 });
  const p1 = me.reactor.fetch(cid);
  const p2 = me.reactor.fetch(cid);
  await rejectsWith(me.reactor.fetch(cidOf(seededBytes(5, 8))), BlobErrorCode.BUSY);
  const [r1, r2] = await Promise.all([p1, p2]);
  assert.equal(r1, r2);
  assert.equal(
    hub.sent.filter((s) => s.from === "me" && s.m.type === "request").length,
    2,
    "chunks 0 and 1, once",
  );
  assert.equal(me.reactor.activeFetches, 0);
  assert.throws(() => me.reactor.fetch("bafy"), /invalid CID/);
});

test("serving: a corrupt stored blob is not served (and deleted); garbage from a peer is punished", async () => {
  const hub = new Hub();
  const dir = mkdtempSync(join(tmpdir(), "cifer-blob-reactor-"));
  dirs.push(dir);
  const data = seededBytes(5000, 9);
  const first = await BlobStore.open({ dir, maxBlobBytes: MiB, maxStoreBytes: 8 * MiB });
  const { cid } = await first.put(data);
  await first.close();
  writeFileSync(first.pathOf(cid), seededBytes(5000, 10)); // rotted on disk while the node was down
  const a = await node(hub, "a", () => [], { dir });
  assert.equal(a.store.has(cid), true);
  const me = await node(hub, "me", () => ["a"]);
  await rejectsWith(me.reactor.fetch(cid), BlobErrorCode.NOT_FOUND, /none of 1 peers/);
  assert.equal(a.store.has(cid), false, "the server deleted its corrupt copy");
  assert.equal(hub.punished.length, 0, "a not-found is no offence");

  hub.handlers.get("a")!("me", Uint8Array.from([1, 2, 3]));
  await new Promise((r) => setImmediate(r));
  assert.ok(
    hub.punished.some((p) => p.by === "a" && p.peer === "me" && /invalid blob message/.test(p.reason)),
  );
});
