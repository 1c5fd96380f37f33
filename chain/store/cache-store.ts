import { compareBytes } from "../crypto/hash.ts";
import type { Entry, KVReader, KVStore } from "./kv.ts";

/** One buffered write: a value, or null for a delete. */
export type Write = [key: Uint8Array, value: Uint8Array | null];

/** A map key for a byte key: latin1 maps each byte to one character (injective, cheaper than hex). */
const idOf = (k: Uint8Array) => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString("latin1");

/**
 * A write-back cache over a parent reader (the Cosmos SDK's CacheKV). Transactions run in a cache
 * over the block's cache, so a failed message is dropped by discarding its cache, and a whole block
 * reaches LevelDB as one batch of sorted writes.
 */
export class CacheStore implements KVStore {
  private readonly dirty = new Map<string, { key: Uint8Array; value: Uint8Array | null }>();

  constructor(private readonly parent: KVReader) {}

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const hit = this.dirty.get(idOf(key));
    if (hit) return Promise.resolve(hit.value ?? undefined);
    return this.parent.get(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.dirty.set(idOf(key), { key: new Uint8Array(key), value: new Uint8Array(value) });
  }

  delete(key: Uint8Array): void {
    this.dirty.set(idOf(key), { key: new Uint8Array(key), value: null });
  }

  /** Buffered writes in key order: the order is what makes the app hash deterministic. */
  writes(): Write[] {
    return [...this.dirty.values()].sort((a, b) => compareBytes(a.key, b.key)).map((w) => [w.key, w.value]);
  }

  /** Applies the buffered writes to a parent store and clears this cache. */
  writeTo(target: KVStore): void {
    for (const [k, v] of this.writes()) {
      if (v === null) target.delete(k);
      else target.set(k, v);
    }
    this.dirty.clear();
  }

  async *iterate(start: Uint8Array, end: Uint8Array | undefined, reverse = false): AsyncIterable<Entry> {
    const inRange = (k: Uint8Array) =>
      compareBytes(k, start) >= 0 && (end === undefined || compareBytes(k, end) < 0);
    const local = [...this.dirty.values()].filter((w) => inRange(w.key));
    local.sort((a, b) => (reverse ? compareBytes(b.key, a.key) : compareBytes(a.key, b.key)));
    const before = (a: Uint8Array, b: Uint8Array) =>
      reverse ? compareBytes(a, b) > 0 : compareBytes(a, b) < 0;
    let i = 0;
    for await (const [pk, pv] of this.parent.iterate(start, end, reverse)) {
      while (i < local.length && before(local[i]!.key, pk)) {
        const w = local[i++]!;
        if (w.value !== null) yield [w.key, w.value];
      }
      if (i < local.length && compareBytes(local[i]!.key, pk) === 0) {
        const w = local[i++]!;
        if (w.value !== null) yield [w.key, w.value];
        continue;
      }
      yield [pk, pv];
    }
    for (; i < local.length; i++) {
      const w = local[i]!;
      if (w.value !== null) yield [w.key, w.value];
    }
  }
}
