/**
 * Key-value store interfaces used by the state machine. Keys are ordered byte-wise; reads are async
 * (LevelDB underneath), writes are buffered synchronously in a cache until the block commits.
 */
export type Entry = [key: Uint8Array, value: Uint8Array];

export interface KVReader {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Entries with start <= key < end (end undefined: no upper bound), ascending unless reverse. */
  iterate(start: Uint8Array, end: Uint8Array | undefined, reverse?: boolean): AsyncIterable<Entry>;
}

export interface KVStore extends KVReader {
  set(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): void;
}

/** The smallest key greater than every key that starts with prefix (undefined: none exists). */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}

export async function* iteratePrefix(
  store: KVReader,
  prefix: Uint8Array,
  reverse = false,
): AsyncIterable<Entry> {
  yield* store.iterate(prefix, prefixEnd(prefix), reverse);
}

/**
 * Deletes the keys below `prefix`, ascending, at most `max` of them. The keys are collected first:
 * a store is not iterated while it changes.
 */
export async function deletePrefix(
  store: KVStore,
  prefix: Uint8Array,
  max = Number.POSITIVE_INFINITY,
): Promise<void> {
  const keys: Uint8Array[] = [];
  for await (const [k] of iteratePrefix(store, prefix)) {
    if (keys.length >= max) break;
    keys.push(Uint8Array.from(k));
  }
  for (const k of keys) store.delete(k);
}
