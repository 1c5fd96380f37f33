import { createHash } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, unlink, utimes } from "node:fs/promises";
import type { Readable } from "node:stream";
import { join } from "node:path";
import { bytesEqual } from "../crypto/hash.ts";
import { Mutex } from "../util/mutex.ts";
import { cidFromDigest, isCid, parseCid } from "./cid.ts";
import { BlobError, BlobErrorCode, type BlobLogger, silentBlobLogger } from "./errors.ts";
import { MANUAL_PIN, PinSet } from "./pins.ts";
import { BlobWriter, type PutResult } from "./writer.ts";

export type { PutResult } from "./writer.ts";

export interface BlobStoreOptions {
  /** The store's folder (`<home>/data/blobs`); created if missing. */
  dir: string;
  /** Largest blob accepted. */
  maxBlobBytes: number;
  /** Bound on the bytes of all stored blobs; unpinned blobs are evicted to stay within it. */
  maxStoreBytes: number;
  log?: BlobLogger;
}

export interface BlobStat {
  cid: string;
  size: number;
  /** Holders of pins on the blob (empty: the blob may be garbage collected). */
  pins: string[];
}

/** How a blob is read from disk: hashed while read, so the caller gets only verified bytes. */
const READ_BUFFER = 1024 * 1024;

/**
 * The node's blob store: content-addressed files under `<dir>/<shard>/<cid>`, where the shard is
 * the CID's next-to-last two characters (go-ipfs flatfs's default: those characters come from the
 * digest, so 1024 shards fill evenly; the last character carries only 3 bits). Temp files live in
 * `<dir>/tmp`, pins in `<dir>/pins.json`.
 *
 * Integrity: a blob is hashed as it is written (the CID is derived, never trusted) and again
 * whenever it is read whole (`get`, `open`); a file that no longer matches its CID is deleted and
 * reported as CORRUPT, so a corrupt copy is never served twice.
 *
 * Limits: `maxBlobBytes` per blob; `maxStoreBytes` for all of them. When a new blob would not fit,
 * unpinned blobs are evicted least recently used first; if even that cannot make room the put fails
 * with STORE_FULL and nothing is evicted.
 *
 * GC order: the in-memory index is kept in access order (a Map re-inserted on each use). Across
 * restarts the order is rebuilt from the files' mtimes, which every use refreshes, ties broken by
 * CID. The order lives with each file, so there is no separate index that a crash could leave out of
 * step with the files, and a restart over the same files evicts in the same order. Eviction is a
 * local cache decision that no other node sees, so wall-clock mtimes are acceptable here.
 *
 * Concurrency: puts of one CID may race; each streams to its own temp file and the commit step
 * (serialised with deletes, pins and GC by one mutex) keeps the first and discards the others.
 * Reads take no lock: a blob evicted while being read is simply missing.
 */
export class BlobStore {
  /** CID -> size, iterated least recently used first. */
  private readonly entries = new Map<string, number>();
  private used = 0;
  private readonly lock = new Mutex();
  private readonly writers = new Set<BlobWriter>();
  /** When each blob was last hashed and found intact (performance.now()); see `verify`. */
  private readonly verifiedAt = new Map<string, number>();
  private readonly log: BlobLogger;
  private closed = false;

  private constructor(
    private readonly o: BlobStoreOptions,
    private readonly pinSet: PinSet,
  ) {
    this.log = o.log ?? silentBlobLogger;
  }

  /** Opens (or creates) a store: clears leftover temp files, indexes the blobs, applies the size bound. */
  static async open(o: BlobStoreOptions): Promise<BlobStore> {
    if (!(o.maxBlobBytes > 0) || !(o.maxStoreBytes >= o.maxBlobBytes))
      throw new Error("blob store: need 0 < maxBlobBytes <= maxStoreBytes");
    try {
      await mkdir(o.dir, { recursive: true, mode: 0o700 });
      await rm(join(o.dir, "tmp"), { recursive: true, force: true });
      await mkdir(join(o.dir, "tmp"), { mode: 0o700 });
    } catch (e) {
      throw new BlobError(
        { code: BlobErrorCode.BAD_STORE, path: o.dir },
        `cannot use blob folder ${o.dir}: ${(e as Error).message}`,
      );
    }
    const store = new BlobStore(o, PinSet.load(join(o.dir, "pins.json")));
    await store.scan();
    const evicted = await store.gc();
    if (evicted.length > 0)
      store.log.info("blob store over its size bound: evicted", { count: evicted.length });
    return store;
  }

  private async scan(): Promise<void> {
    const found: Array<{ cid: string; size: number; mtimeMs: number }> = [];
    let ignored = 0;
    for (const shard of (await readdir(this.o.dir)).sort()) {
      if (!/^[a-z2-7]{2}$/.test(shard)) continue;
      for (const name of await readdir(join(this.o.dir, shard))) {
        const path = join(this.o.dir, shard, name);
        const st = await stat(path).catch(() => null);
        if (!st?.isFile() || !isCid(name) || shardOf(name) !== shard) {
          ignored++;
          continue;
        }
        found.push({ cid: name, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0));
    for (const f of found) {
      this.entries.set(f.cid, f.size);
      this.used += f.size;
    }
    if (ignored > 0) this.log.warn("files in the blob folder that are not blobs were ignored", { ignored });
    this.log.info("blob store open", { dir: this.o.dir, blobs: found.length, bytes: this.used });
  }

  // ---------------------------------------------------------------- inspection

  get maxBlobBytes(): number {
    return this.o.maxBlobBytes;
  }

  get maxStoreBytes(): number {
    return this.o.maxStoreBytes;
  }

  /** Bytes of all stored blobs. */
  get usedBytes(): number {
    return this.used;
  }

  /** Bytes of the stored blobs that are pinned (GC cannot free them). */
  get pinnedBytes(): number {
    let n = 0;
    for (const [cid, size] of this.entries) if (this.pinSet.has(cid)) n += size;
    return n;
  }

  has(cid: string): boolean {
    return this.entries.has(cid);
  }

  stat(cid: string): BlobStat | undefined {
    const size = this.entries.get(cid);
    return size === undefined ? undefined : { cid, size, pins: this.pinSet.holders(cid) };
  }

  /** Every stored blob, sorted by CID. */
  list(): BlobStat[] {
    return [...this.entries.keys()].sort().map((cid) => this.stat(cid)!);
  }

  /** Stored blobs, least recently used first (the order GC evicts unpinned ones in). */
  accessOrder(): string[] {
    return [...this.entries.keys()];
  }

  pathOf(cid: string): string {
    return join(this.o.dir, shardOf(cid), cid);
  }

  // ---------------------------------------------------------------- writing

  /** A writer that streams one blob to disk; see BlobWriter. `expected` makes a mismatch an error. */
  writer(o: { expected?: string } = {}): BlobWriter {
    if (this.closed) throw stopped();
    if (o.expected !== undefined) parseCid(o.expected);
    const w: BlobWriter = new BlobWriter({
      tmpDir: join(this.o.dir, "tmp"),
      maxBytes: this.o.maxBlobBytes,
      ...(o.expected !== undefined ? { expected: o.expected } : {}),
      adopt: (tmp, cid, size) => this.adopt(tmp, cid, size),
      onDone: () => this.writers.delete(w),
    });
    this.writers.add(w);
    return w;
  }

  async put(bytes: Uint8Array, expected?: string): Promise<PutResult> {
    if (bytes.length > this.o.maxBlobBytes)
      throw new BlobError(
        { code: BlobErrorCode.TOO_LARGE, size: bytes.length, max: this.o.maxBlobBytes },
        `blob of ${bytes.length} bytes is larger than the limit of ${this.o.maxBlobBytes} bytes`,
      );
    const w = this.writer(expected !== undefined ? { expected } : {});
    try {
      await w.write(bytes);
    } catch (e) {
      await w.abort();
      throw e;
    }
    return w.commit();
  }

  /** The commit step of a writer: keep the first copy of a CID, make room, rename into place. */
  private adopt(tmp: string, cid: string, size: number): Promise<PutResult> {
    return this.lock.run(async () => {
      try {
        if (this.closed) throw stopped();
        if (this.entries.has(cid)) {
          await unlink(tmp).catch(() => {});
          this.touch(cid);
          return { cid, size, created: false };
        }
        await this.makeRoom(size);
        const shardDir = join(this.o.dir, shardOf(cid));
        const newShard = (await mkdir(shardDir, { recursive: true, mode: 0o700 })) !== undefined;
        await rename(tmp, join(shardDir, cid));
        await fsyncDir(shardDir);
        if (newShard) await fsyncDir(this.o.dir);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
      this.entries.set(cid, size);
      this.used += size;
      this.verifiedAt.set(cid, performance.now());
      return { cid, size, created: true };
    });
  }

  /** Evicts unpinned blobs, least recently used first, until `size` more bytes fit. Under the lock. */
  private async makeRoom(size: number): Promise<void> {
    const max = this.o.maxStoreBytes;
    if (this.used + size <= max) return;
    const pinned = this.pinnedBytes;
    if (pinned + size > max)
      throw new BlobError(
        { code: BlobErrorCode.STORE_FULL, size, used: this.used, pinned, max },
        `no room for a blob of ${size} bytes: ${pinned} of the store's ${max} bytes are pinned`,
      );
    await this.evictUntil(max - size);
  }

  private async evictUntil(target: number): Promise<string[]> {
    const evicted: string[] = [];
    for (const cid of [...this.entries.keys()]) {
      if (this.used <= target) break;
      if (this.pinSet.has(cid)) continue;
      await this.remove(cid);
      evicted.push(cid);
    }
    if (evicted.length > 0)
      this.log.debug("blobs evicted", { count: evicted.length, usedBytes: this.used, targetBytes: target });
    return evicted;
  }

  /** Deletes a file and its index entry. Under the lock. */
  private async remove(cid: string): Promise<void> {
    const size = this.entries.get(cid);
    await unlink(this.pathOf(cid)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
    });
    if (size !== undefined) {
      this.entries.delete(cid);
      this.used -= size;
    }
    this.verifiedAt.delete(cid);
  }

  // ---------------------------------------------------------------- reading

  /** The whole blob, verified against its CID; undefined if not stored. Throws CORRUPT (deleted). */
  async get(cid: string): Promise<Uint8Array | undefined> {
    const fh = await this.openFile(cid);
    if (!fh) return undefined;
    try {
      const size = (await fh.stat()).size;
      if (size > this.o.maxStoreBytes) throw await this.corrupt(cid, "larger than the store");
      const out = Buffer.allocUnsafe(size);
      let off = 0;
      while (off < size) {
        const { bytesRead } = await fh.read(out, off, size - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      const digest = createHash("sha256").update(out.subarray(0, off)).digest();
      await this.checkDigest(cid, digest, off);
      return new Uint8Array(out.buffer, out.byteOffset, off);
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /**
   * A verified blob as a stream, for serving large blobs without holding them in memory: the file
   * is hashed first, then streamed from the same open file (so an eviction in between does not
   * matter). Undefined if not stored; throws CORRUPT (and deletes the file) on a mismatch.
   */
  async open(cid: string): Promise<{ size: number; stream: Readable } | undefined> {
    const fh = await this.openFile(cid);
    if (!fh) return undefined;
    try {
      const { digest, size } = await hashFile(fh);
      await this.checkDigest(cid, digest, size);
      return { size, stream: fh.createReadStream({ start: 0, end: Math.max(0, size - 1), autoClose: true }) };
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }

  /**
   * True if the blob is stored and intact. It is re-hashed unless it was found intact within the
   * last `maxAgeMs` (peers asking for a blob again and again cost one hash per period, not per
   * request). A corrupt blob is deleted and reported as false.
   */
  async verify(cid: string, maxAgeMs = 0): Promise<boolean> {
    if (!this.entries.has(cid)) return false;
    const at = this.verifiedAt.get(cid);
    if (at !== undefined && performance.now() - at <= maxAgeMs) return true;
    const fh = await this.openFile(cid);
    if (!fh) return false;
    try {
      const { digest, size } = await hashFile(fh);
      await this.checkDigest(cid, digest, size);
      return true;
    } catch (e) {
      if (e instanceof BlobError && e.code === BlobErrorCode.CORRUPT) return false;
      throw e;
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /**
   * Raw bytes [offset, offset + length) of a stored blob (fewer at its end), unverified: for serving
   * chunks to peers, who verify the whole blob; undefined if not stored.
   */
  async readRange(cid: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    const size = this.entries.get(cid);
    if (size === undefined) return undefined;
    const n = Math.max(0, Math.min(length, size - offset));
    const fh = await this.openFile(cid, false);
    if (!fh) return undefined;
    try {
      const out = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(out, got, n - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return new Uint8Array(out.buffer, out.byteOffset, got);
    } finally {
      await fh.close().catch(() => {});
    }
  }

  private async openFile(cid: string, touch = true): Promise<FileHandle | undefined> {
    if (!this.entries.has(cid)) return undefined;
    try {
      const fh = await open(this.pathOf(cid), "r");
      if (touch) this.touch(cid);
      return fh;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      // Removed behind our back (or evicted just now): forget it.
      await this.lock.run(() => this.remove(cid));
      return undefined;
    }
  }

  private async checkDigest(cid: string, digest: Uint8Array, size: number): Promise<void> {
    if (!bytesEqual(digest, parseCid(cid).digest))
      throw await this.corrupt(cid, `content hashes to ${cidFromDigest(digest)} (${size} bytes)`);
    this.verifiedAt.set(cid, performance.now());
  }

  private async corrupt(cid: string, why: string): Promise<BlobError> {
    const path = this.pathOf(cid);
    this.log.warn("corrupt blob deleted", { cid, path, why });
    await this.lock.run(() => this.remove(cid));
    return new BlobError(
      { code: BlobErrorCode.CORRUPT, cid, path },
      `stored blob ${cid} is corrupt (${why})`,
    );
  }

  /** Marks a use: most recently used in memory, and the file's mtime for the order after a restart. */
  private touch(cid: string): void {
    const size = this.entries.get(cid);
    if (size === undefined) return;
    this.entries.delete(cid);
    this.entries.set(cid, size);
    const now = new Date();
    utimes(this.pathOf(cid), now, now).catch(() => {});
  }

  // ---------------------------------------------------------------- deleting, pinning, GC

  /** Deletes a stored blob (its pins stay: a pinned CID can be stored again). */
  async delete(cid: string): Promise<boolean> {
    parseCid(cid);
    return this.lock.run(async () => {
      if (!this.entries.has(cid)) return false;
      await this.remove(cid);
      return true;
    });
  }

  /** Pins a CID for `holder` (stored or not); returns false if that holder already pinned it. */
  async pin(cid: string, holder = MANUAL_PIN): Promise<boolean> {
    parseCid(cid);
    return this.lock.run(async () => this.pinSet.add(cid, holder));
  }

  /** Removes `holder`'s pin; returns false if it had none. */
  async unpin(cid: string, holder = MANUAL_PIN): Promise<boolean> {
    parseCid(cid);
    return this.lock.run(async () => this.pinSet.remove(cid, holder));
  }

  /** Pins and unpins many CIDs at once, with one write of the pins file (see PinSet.update). */
  async updatePins(
    pin: ReadonlyArray<{ cid: string; holder: string }>,
    unpin: ReadonlyArray<{ cid: string; holder: string }>,
  ): Promise<{ added: number; removed: number }> {
    for (const p of [...pin, ...unpin]) parseCid(p.cid);
    return this.lock.run(async () => this.pinSet.update(pin, unpin));
  }

  isPinned(cid: string): boolean {
    return this.pinSet.has(cid);
  }

  /** Every pinned CID (stored or not), sorted. */
  pinned(): string[] {
    return this.pinSet.cids();
  }

  /** The holders of a CID's pins (stored or not), sorted; empty when unpinned. */
  pinHolders(cid: string): string[] {
    return this.pinSet.holders(cid);
  }

  /** Evicts unpinned blobs, least recently used first, until at most `targetBytes` are used. */
  gc(targetBytes = this.o.maxStoreBytes): Promise<string[]> {
    return this.lock.run(() => this.evictUntil(targetBytes));
  }

  /** Aborts the writes in progress; later writes fail with STOPPED. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.writers].map((w) => w.abort()));
    await this.lock.run(async () => {});
  }
}

/** The shard folder of a CID: its next-to-last two characters. */
export function shardOf(cid: string): string {
  return cid.slice(-3, -1);
}

const stopped = () => new BlobError({ code: BlobErrorCode.STOPPED }, "blob store is closed");

async function hashFile(fh: FileHandle): Promise<{ digest: Uint8Array; size: number }> {
  const h = createHash("sha256");
  const buf = Buffer.allocUnsafe(READ_BUFFER);
  let size = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, size);
    if (bytesRead === 0) break;
    h.update(buf.subarray(0, bytesRead));
    size += bytesRead;
  }
  return { digest: h.digest(), size };
}

async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
