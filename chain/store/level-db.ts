import { Level } from "level";
import { concatBytes } from "../crypto/hash.ts";
import { type Entry, type KVReader, prefixEnd } from "./kv.ts";

export type BatchOp = { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

/**
 * The node's single LevelDB. State, blocks, results and the tx index live under separate key
 * prefixes of one database so that a block and everything it changes commit in one atomic batch.
 */
export class LevelDB {
  readonly db: Level<Uint8Array, Uint8Array>;

  constructor(path: string) {
    this.db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: "view", valueEncoding: "view" });
  }

  async open(): Promise<void> {
    await this.db.open();
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return (await this.db.get(key)) ?? undefined;
  }

  /**
   * Atomic and fsynced: a crash leaves either all of a block or none of it. Built as a chained batch:
   * the array form copies every operation object first (a block has ~25 index entries per tx).
   */
  async write(ops: BatchOp[]): Promise<void> {
    const batch = this.db.batch();
    try {
      for (const op of ops) {
        if (op.type === "put") batch.put(op.key, op.value);
        else batch.del(op.key);
      }
    } catch (e) {
      await batch.close();
      throw e;
    }
    await batch.write({ sync: true });
  }

  async *iterate(start: Uint8Array, end: Uint8Array | undefined, reverse = false): AsyncIterable<Entry> {
    const opts: { gte: Uint8Array; lt?: Uint8Array; reverse: boolean } = { gte: start, reverse };
    if (end !== undefined) opts.lt = end;
    for await (const [k, v] of this.db.iterator(opts)) yield [k, v];
  }

  /** A read-only view of the keys below prefix, with the prefix stripped. */
  view(prefix: Uint8Array): KVReader {
    const db = this;
    return {
      get: (key) => db.get(concatBytes(prefix, key)),
      async *iterate(start, end, reverse = false) {
        const s = concatBytes(prefix, start);
        const e = end === undefined ? prefixEnd(prefix) : concatBytes(prefix, end);
        for await (const [k, v] of db.iterate(s, e, reverse)) yield [k.subarray(prefix.length), v];
      },
    };
  }
}
