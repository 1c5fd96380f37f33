import { concatBytes, readUint64BE, toHexUpper, uint64BE, utf8 } from "../../chain/crypto/hash.ts";
import { deletePrefix, iteratePrefix, type KVStore } from "../../chain/store/kv.ts";
import { decodeSample, encodeSample, type ReputationSample } from "./proto.ts";

// Per-validator rings of reputation samples, in the reputation store:
//   h/  <len><val> <height u64 BE> -> ReputationSample (heights ascending under a validator's prefix)
//   hc/ <len><val>                 -> number of samples (u64 BE), so trimming reads only what it deletes
const SAMPLE = utf8("h/");
const COUNT = utf8("hc/");

const byValidator = (prefix: Uint8Array, val: Uint8Array) =>
  concatBytes(prefix, Uint8Array.of(val.length), val);

/** The store prefix of one validator's samples; below it, 8-byte big-endian heights (the page keys). */
export const historyPrefix = (val: Uint8Array) => byValidator(SAMPLE, val);
const countKey = (val: Uint8Array) => byValidator(COUNT, val);

/**
 * Records one sample and deletes the oldest beyond `length`: the ring stays at most `length` long.
 * The count is read, not the ring, so a block reads only the samples it deletes.
 */
export async function appendSample(
  store: KVStore,
  val: Uint8Array,
  sample: ReputationSample,
  length: bigint,
): Promise<void> {
  const key = concatBytes(historyPrefix(val), uint64BE(sample.height));
  const raw = await store.get(countKey(val));
  let count = raw ? readUint64BE(raw) : 0n;
  if (!(await store.get(key))) count++;
  store.set(key, encodeSample(sample));
  if (count > length) {
    await deletePrefix(store, historyPrefix(val), Number(count - length));
    count = length;
  }
  store.set(countKey(val), uint64BE(count));
}

/** Deletes a validator's whole history (its record is gone). */
export async function dropHistory(store: KVStore, val: Uint8Array): Promise<void> {
  await deletePrefix(store, historyPrefix(val));
  store.delete(countKey(val));
}

/**
 * What must hold of the rings: each validator's count is the number of its samples and at most
 * `length`, heights below a validator are the heights its samples say, and only validators that
 * still have a record (`hasRecord`) have a history.
 */
export async function historyInvariants(
  store: KVStore,
  length: bigint,
  hasRecord: (val: Uint8Array) => Promise<boolean>,
): Promise<string[]> {
  const broken: string[] = [];
  const counted = new Map<string, { val: Uint8Array; n: bigint }>();
  for await (const [k, v] of iteratePrefix(store, SAMPLE)) {
    const len = k[SAMPLE.length]!;
    const val = k.subarray(SAMPLE.length + 1, SAMPLE.length + 1 + len);
    const height = readUint64BE(k.subarray(SAMPLE.length + 1 + len));
    const hex = toHexUpper(val);
    if (decodeSample(v).height !== height)
      broken.push(`reputation history: sample of ${hex} at ${height} says another height`);
    const c = counted.get(hex) ?? { val: Uint8Array.from(val), n: 0n };
    c.n++;
    counted.set(hex, c);
  }
  const seen = new Set<string>();
  for await (const [k, v] of iteratePrefix(store, COUNT)) {
    const hex = toHexUpper(k.subarray(COUNT.length + 1));
    seen.add(hex);
    const n = counted.get(hex)?.n ?? 0n;
    if (readUint64BE(v) !== n)
      broken.push(`reputation history: ${hex} counts ${readUint64BE(v)} samples, has ${n}`);
  }
  for (const [hex, { val, n }] of counted) {
    if (!seen.has(hex)) broken.push(`reputation history: ${hex} has ${n} samples and no count`);
    if (length > 0n && n > length) broken.push(`reputation history: ${hex} keeps ${n} samples > ${length}`);
    if (!(await hasRecord(val))) broken.push(`reputation history: ${hex} has samples and no record`);
  }
  return broken;
}
