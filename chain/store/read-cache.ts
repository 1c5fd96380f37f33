import type { Write } from "./cache-store.ts";
import type { Entry, KVReader } from "./kv.ts";

/** A map key for a byte key: latin1 maps each byte to one character (injective, cheaper than hex). */
const idOf = (k: Uint8Array) => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString("latin1");

/**
 * A bounded cache of committed state reads in front of LevelDB. Measured: an async LevelDB get per
 * state read dominated CheckTx and DeliverTx time; hot keys (accounts, balances, params) are read by
 * every tx. The cache is updated with each committed block's writes, after they are durable. A read
 * that raced a commit is not cached (version check), so the cache never holds a stale value.
 */
export class ReadCache implements KVReader {
  private readonly entries = new Map<string, Uint8Array | null>();
  private version = 0;

  constructor(
    private readonly inner: KVReader,
    private readonly limit = 100_000,
  ) {}

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const id = idOf(key);
    const hit = this.entries.get(id);
    if (hit !== undefined) return Promise.resolve(hit ?? undefined);
    return this.load(key, id);
  }

  private async load(key: Uint8Array, id: string): Promise<Uint8Array | undefined> {
    const version = this.version;
    const value = await this.inner.get(key);
    if (version === this.version) this.put(id, value ?? null);
    return value;
  }

  iterate(start: Uint8Array, end: Uint8Array | undefined, reverse?: boolean): AsyncIterable<Entry> {
    return this.inner.iterate(start, end, reverse);
  }

  /** Called once a block's writes are on disk. */
  applyCommitted(writes: Write[]): void {
    this.version++;
    for (const [k, v] of writes) {
      const id = idOf(k);
      if (this.entries.has(id)) this.entries.delete(id);
      this.put(id, v);
    }
  }

  private put(id: string, value: Uint8Array | null): void {
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(id, value);
  }
}
