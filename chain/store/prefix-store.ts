import { concatBytes } from "../crypto/hash.ts";
import { type Entry, type KVStore, prefixEnd } from "./kv.ts";

/** A view of a store below one key prefix: how each module owns its part of the state. */
export class PrefixStore implements KVStore {
  constructor(
    private readonly inner: KVStore,
    private readonly prefix: Uint8Array,
  ) {}

  get(key: Uint8Array) {
    return this.inner.get(concatBytes(this.prefix, key));
  }

  set(key: Uint8Array, value: Uint8Array) {
    this.inner.set(concatBytes(this.prefix, key), value);
  }

  delete(key: Uint8Array) {
    this.inner.delete(concatBytes(this.prefix, key));
  }

  async *iterate(start: Uint8Array, end: Uint8Array | undefined, reverse = false): AsyncIterable<Entry> {
    const s = concatBytes(this.prefix, start);
    const e = end === undefined ? prefixEnd(this.prefix) : concatBytes(this.prefix, end);
    for await (const [k, v] of this.inner.iterate(s, e, reverse)) yield [k.subarray(this.prefix.length), v];
  }
}
