import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cidOf } from "../../chain/blobs/cid.ts";
import { BlobError, BlobErrorCode } from "../../chain/blobs/errors.ts";
import { MANUAL_PIN } from "../../chain/blobs/pins.ts";
import { BlobStore, type BlobStoreOptions, shardOf } from "../../chain/blobs/store.ts";
import { seededBytes } from "../helpers/bytes.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const KiB = 1024;

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "cifer-blobs-"));
  dirs.push(d);
  return join(d, "blobs");
}

async function openStore(o: Partial<BlobStoreOptions> = {}): Promise<BlobStore> {
  return BlobStore.open({ dir: o.dir ?? tempDir(), maxBlobBytes: 64 * KiB, maxStoreBytes: 1024 * KiB, ...o });
}

/** Distinct, reproducible bytes. */
const rejectsWith = (p: Promise<unknown>, code: BlobErrorCode) =>
  assert.rejects(p, (e: Error) => e instanceof BlobError && e.code === code);

const tmpFiles = (s: BlobStore) => readdirSync(join(s.pathOf(cidOf(new Uint8Array())), "..", "..", "tmp"));

test("put, get, stat, list, delete; the file is <dir>/<shard>/<cid>", async () => {
  const s = await openStore();
  const data = seededBytes(10 * KiB, 1);
  const cid = cidOf(data);
  assert.deepEqual(await s.put(data), { cid, size: data.length, created: true });
  assert.deepEqual(await s.put(data), { cid, size: data.length, created: false });
  assert.equal(s.has(cid), true);
  assert.deepEqual(s.stat(cid), { cid, size: data.length, pins: [] });
  assert.deepEqual(await s.get(cid), data);
  assert.equal(s.usedBytes, data.length);
  const path = s.pathOf(cid);
  assert.equal(path.endsWith(join(cid.slice(-3, -1), cid)), true);
  assert.equal(shardOf(cid), cid.slice(-3, -1));
  assert.deepEqual(readFileSync(path), Buffer.from(data));
  assert.deepEqual(await s.readRange(cid, 100, 50), data.subarray(100, 150));
  assert.deepEqual(await s.readRange(cid, data.length - 10, 50), data.subarray(data.length - 10));

  const empty = await s.put(new Uint8Array());
  assert.equal(empty.cid, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
  assert.deepEqual(await s.get(empty.cid), new Uint8Array());
  const opened = await s.open(empty.cid);
  assert.equal(opened?.size, 0);
  opened?.stream.destroy();
  assert.deepEqual(
    s.list().map((b) => b.cid),
    [cid, empty.cid].sort(),
  );

  assert.equal(await s.delete(cid), true);
  assert.equal(await s.delete(cid), false);
  assert.equal(s.has(cid), false);
  assert.equal(existsSync(path), false);
  assert.equal(await s.get(cid), undefined);
  assert.equal(await s.open(cid), undefined);
  assert.equal(s.usedBytes, 0);
  assert.deepEqual(tmpFiles(s), []);
  await s.close();
});

test("open streams the verified bytes", async () => {
  const s = await openStore({ maxBlobBytes: 3 * 1024 * KiB, maxStoreBytes: 4 * 1024 * KiB });
  const data = seededBytes(2 * 1024 * KiB + 17, 2);
  const { cid } = await s.put(data);
  const o = await s.open(cid);
  assert.ok(o);
  assert.equal(o.size, data.length);
  const parts: Buffer[] = [];
  for await (const c of o.stream) parts.push(c as Buffer);
  assert.deepEqual(Buffer.concat(parts), Buffer.from(data));
  await s.close();
});

test("a corrupt file is detected on read, reported and deleted", async () => {
  const s = await openStore();
  const a = seededBytes(5 * KiB, 3);
  const b = seededBytes(5 * KiB, 4);
  const c = seededBytes(5 * KiB, 5);
  const [ca, cb, cc] = [cidOf(a), cidOf(b), cidOf(c)];
  await s.put(a);
  await s.put(b);
  await s.put(c);
  // One flipped bit, a truncation, and another blob's bytes under the wrong name.
  const flipped = Buffer.from(a);
  flipped[1000]! ^= 1;
  writeFileSync(s.pathOf(ca), flipped);
  writeFileSync(s.pathOf(cb), b.subarray(0, 100));
  writeFileSync(s.pathOf(cc), a);
  await rejectsWith(s.get(ca), BlobErrorCode.CORRUPT);
  await rejectsWith(s.open(cb), BlobErrorCode.CORRUPT);
  assert.equal(await s.verify(cc), false);
  for (const cid of [ca, cb, cc]) {
    assert.equal(s.has(cid), false, "dropped from the index");
    assert.equal(existsSync(s.pathOf(cid)), false, "file deleted");
    assert.equal(await s.get(cid), undefined);
  }
  assert.equal(s.usedBytes, 0);
  // It can be stored again, intact.
  await s.put(a);
  assert.deepEqual(await s.get(ca), a);
  assert.equal(await s.verify(ca), true);
  await s.close();
});

test("a file removed behind the store's back is forgotten", async () => {
  const s = await openStore();
  const { cid } = await s.put(seededBytes(KiB, 6));
  rmSync(s.pathOf(cid));
  assert.equal(await s.get(cid), undefined);
  assert.equal(s.has(cid), false);
  assert.equal(s.usedBytes, 0);
  await s.close();
});

test("size limits: a blob over max_blob_bytes is refused and leaves nothing behind", async () => {
  const s = await openStore({ maxBlobBytes: 16 * KiB });
  await rejectsWith(s.put(seededBytes(16 * KiB + 1, 7)), BlobErrorCode.TOO_LARGE);
  assert.equal((await s.put(seededBytes(16 * KiB, 7))).created, true);
  // Streaming: refused at the chunk that crosses the limit; the temp file is gone.
  const w = s.writer();
  await w.write(seededBytes(10 * KiB, 8));
  await rejectsWith(w.write(seededBytes(10 * KiB, 9)), BlobErrorCode.TOO_LARGE);
  assert.equal(w.finished, true);
  assert.deepEqual(tmpFiles(s), []);
  assert.equal(s.list().length, 1);
  // A mismatching expected CID: nothing stored either.
  const data = seededBytes(KiB, 10);
  await assert.rejects(
    s.put(data, cidOf(seededBytes(KiB, 11))),
    (e: Error) =>
      e instanceof BlobError &&
      e.code === BlobErrorCode.CID_MISMATCH &&
      e.type.code === BlobErrorCode.CID_MISMATCH &&
      e.type.actual === cidOf(data),
  );
  assert.equal(s.has(cidOf(data)), false);
  assert.deepEqual(tmpFiles(s), []);
  assert.equal((await s.put(data, cidOf(data))).created, true);
  assert.throws(() => s.writer({ expected: "not-a-cid" }), /invalid CID/);
  await s.close();
});

test("GC evicts unpinned blobs least recently used first, keeps pinned ones", async () => {
  const s = await openStore({ maxBlobBytes: 10 * KiB, maxStoreBytes: 30 * KiB });
  const bs = [0, 1, 2, 3, 4, 5].map((i) => seededBytes(10 * KiB, 100 + i));
  const cids = bs.map(cidOf);
  for (const b of bs.slice(0, 3)) await s.put(b);
  assert.deepEqual(s.accessOrder(), cids.slice(0, 3));
  assert.equal(await s.pin(cids[0]!, "fl/task/1"), true);
  assert.equal(await s.pin(cids[0]!, "fl/task/1"), false);
  await s.get(cids[1]!); // 1 becomes the most recently used
  assert.deepEqual(s.accessOrder(), [cids[0], cids[2], cids[1]]);
  await s.put(bs[3]!); // full: evicts 2 (0 is pinned)
  assert.deepEqual(s.accessOrder(), [cids[0], cids[1], cids[3]]);
  await s.put(bs[4]!); // evicts 1
  assert.deepEqual(s.accessOrder(), [cids[0], cids[3], cids[4]]);
  assert.equal(s.usedBytes, 30 * KiB);
  assert.equal(existsSync(s.pathOf(cids[1]!)), false);
  assert.equal(existsSync(s.pathOf(cids[2]!)), false);
  assert.deepEqual(await s.get(cids[0]!), bs[0]);

  // Everything pinned: no room, and nothing is evicted for a put that cannot succeed.
  await s.pin(cids[3]!);
  await s.pin(cids[4]!);
  assert.equal(s.pinnedBytes, 30 * KiB);
  await rejectsWith(s.put(bs[5]!), BlobErrorCode.STORE_FULL);
  assert.equal(s.list().length, 3);
  assert.deepEqual(tmpFiles(s), []);
  // Unpinned: evictable again.
  assert.equal(await s.unpin(cids[3]!), true);
  assert.equal(await s.unpin(cids[3]!), false);
  await s.put(bs[5]!);
  assert.equal(s.has(cids[3]!), false);
  assert.equal(s.has(cids[5]!), true);

  // An explicit GC down to a target.
  assert.deepEqual(await s.gc(0), [cids[5]]);
  assert.deepEqual(s.accessOrder(), [cids[4], cids[0]], "0 was read after 4 was stored");
  await s.close();
});

test("pins: holders, absent CIDs, bad names, persisted across restarts", async () => {
  const dir = tempDir();
  const s = await openStore({ dir });
  const absent = cidOf(seededBytes(KiB, 20));
  assert.equal(await s.pin(absent, "fl/task/9"), true);
  assert.equal(await s.pin(absent, MANUAL_PIN), true);
  assert.deepEqual(s.pinned(), [absent]);
  await assert.rejects(
    s.pin(absent, "bad holder!"),
    (e: Error) => e instanceof BlobError && e.code === BlobErrorCode.BAD_PIN,
  );
  await assert.rejects(s.pin("nope"), /invalid CID/);
  await s.close();
  const again = await openStore({ dir });
  assert.equal(again.isPinned(absent), true);
  await again.put(seededBytes(KiB, 20));
  assert.deepEqual(again.stat(absent)?.pins, ["fl/task/9", "manual"]);
  await again.unpin(absent, "fl/task/9");
  await again.unpin(absent);
  assert.equal(again.isPinned(absent), false);
  await again.close();
  const third = await openStore({ dir });
  assert.deepEqual(third.pinned(), []);
  await third.close();
  // A damaged pins file stops the store from opening, naming the file.
  writeFileSync(join(dir, "pins.json"), '{"version":1,"pins":{"x":["a"]}}');
  await assert.rejects(
    openStore({ dir }),
    (e: Error) =>
      e instanceof BlobError && e.code === BlobErrorCode.BAD_STORE && /pins\.json/.test(e.message),
  );
});

test("pins in a batch: one write, holders checked before any change, persisted", async () => {
  const dir = tempDir();
  const s = await openStore({ dir });
  const [a, b, c] = [30, 31, 32].map((i) => cidOf(seededBytes(KiB, i)));
  await s.pin(a!, "fl/task/1");
  await s.pin(b!, MANUAL_PIN);
  assert.deepEqual(
    await s.updatePins(
      [
        { cid: b!, holder: "fl/task/2" },
        { cid: c!, holder: "fl/task/2" },
        { cid: c!, holder: "fl/task/2" },
      ],
      [
        { cid: a!, holder: "fl/task/1" },
        { cid: a!, holder: "fl/task/7" },
      ],
    ),
    { added: 2, removed: 1 },
  );
  await assert.rejects(
    s.updatePins([{ cid: a!, holder: "fl/task/3" }], [{ cid: b!, holder: "bad holder!" }]),
    (e: Error) => e instanceof BlobError && e.code === BlobErrorCode.BAD_PIN,
  );
  assert.equal(s.isPinned(a!), false, "nothing changed by the refused batch");
  await s.close();
  const again = await openStore({ dir });
  assert.deepEqual(again.pinned(), [b!, c!].sort());
  assert.deepEqual(again.pinHolders(b!), ["fl/task/2", MANUAL_PIN]);
  await again.close();
});

test("restart: index rebuilt from the files, LRU order from mtimes, temp files and strays cleared", async () => {
  const dir = tempDir();
  const s = await openStore({ dir, maxBlobBytes: 10 * KiB, maxStoreBytes: 40 * KiB });
  const bs = [0, 1, 2, 3].map((i) => seededBytes(10 * KiB, 200 + i));
  const cids = bs.map(cidOf);
  for (const b of bs) await s.put(b);
  await s.close();
  // Last uses: 2 oldest, then 0, then 3 and 1 at the same second (tie: CID order).
  const at = (sec: number) => new Date(1_700_000_000_000 + sec * 1000);
  utimesSync(s.pathOf(cids[2]!), at(1), at(1));
  utimesSync(s.pathOf(cids[0]!), at(2), at(2));
  utimesSync(s.pathOf(cids[3]!), at(3), at(3));
  utimesSync(s.pathOf(cids[1]!), at(3), at(3));
  writeFileSync(join(dir, "tmp", "leftover.part"), "half a blob");
  mkdirSync(join(dir, "zz"), { recursive: true });
  writeFileSync(join(dir, "zz", "not-a-cid"), "x");
  writeFileSync(join(dir, "zz", cids[0]!), bs[0]!); // a CID in the wrong shard
  const tie = [cids[3]!, cids[1]!].sort();
  const reopened = await openStore({ dir, maxBlobBytes: 10 * KiB, maxStoreBytes: 40 * KiB });
  assert.deepEqual(reopened.accessOrder(), [cids[2], cids[0], ...tie]);
  assert.equal(reopened.usedBytes, 40 * KiB);
  assert.deepEqual(readdirSync(join(dir, "tmp")), []);
  await reopened.close();
  // Reopened with a smaller bound: the oldest are evicted at once.
  const smaller = await openStore({ dir, maxBlobBytes: 10 * KiB, maxStoreBytes: 20 * KiB });
  assert.deepEqual(smaller.accessOrder(), tie);
  await smaller.close();
});

test("concurrent puts of the same blob store it once", async () => {
  const s = await openStore({ maxBlobBytes: 512 * KiB, maxStoreBytes: 1024 * KiB });
  const data = seededBytes(300 * KiB, 300);
  const results = await Promise.all(Array.from({ length: 12 }, () => s.put(data)));
  assert.equal(results.filter((r) => r.created).length, 1);
  assert.ok(results.every((r) => r.cid === cidOf(data) && r.size === data.length));
  assert.equal(s.usedBytes, data.length);
  assert.equal(s.list().length, 1);
  assert.deepEqual(tmpFiles(s), []);
  assert.deepEqual(await s.get(cidOf(data)), data);

  // Concurrent distinct puts beyond the bound: the accounting stays exact and within it.
  const many = Array.from({ length: 10 }, (_, i) => seededBytes(200 * KiB, 400 + i));
  await Promise.all(many.map((b) => s.put(b)));
  const onDisk = s.list().reduce((n, b) => n + b.size, 0);
  assert.equal(s.usedBytes, onDisk);
  assert.ok(s.usedBytes <= 1024 * KiB);
  for (const b of s.list()) assert.equal(await s.verify(b.cid), true);
  assert.deepEqual(tmpFiles(s), []);
  await s.close();
});

test("a closed store refuses writes and aborts the ones in progress", async () => {
  const s = await openStore();
  const w = s.writer();
  await w.write(seededBytes(KiB, 500));
  await s.close();
  assert.equal(w.finished, true);
  assert.deepEqual(tmpFiles(s), []);
  assert.throws(
    () => s.writer(),
    (e: Error) => e instanceof BlobError && e.code === BlobErrorCode.STOPPED,
  );
});
