/**
 * Key layout of the tx index, all under "x/" in the node's LevelDB:
 *
 *   x/hash/<hash:32>                                   -> <height:u64be><index:u32be>
 *   x/height/<height:u64be><index:u32be>               -> <hash:32>
 *   x/ev/<klen:u16be><key><vlen:u16be><value><height:u64be><index:u32be> -> (empty)
 *
 * key is the composite "type.attribute" and value the attribute value, both UTF-8. The length
 * prefixes make the encoding injective whatever bytes key and value hold ("/", NUL, ...), so a
 * prefix scan for one (key, value) never reaches another value that merely starts with it. The
 * position is last and big-endian, so one (key, value)'s entries are ordered by (height, index)
 * and a height range is a contiguous key range.
 */
import { concatBytes, uint64BE, utf8 } from "../crypto/hash.ts";
import { prefixEnd } from "../store/kv.ts";

/** Where a committed tx sits: block height and index of the tx within the block. */
export interface TxLoc {
  height: bigint;
  index: number;
}

export const P_HASH = utf8("x/hash/");
export const P_HEIGHT = utf8("x/height/");
export const P_EVENT = utf8("x/ev/");

export const LOC_BYTES = 12;
export const MAX_U64 = (1n << 64n) - 1n;
const MAX_U16 = 0xffff;

/** A position as one orderable value: height * 2^32 + index. */
export const locToPos = (l: TxLoc): bigint => (l.height << 32n) | BigInt(l.index);
export const posToLoc = (p: bigint): TxLoc => ({ height: p >> 32n, index: Number(p & 0xffffffffn) });

export function encodeLoc(l: TxLoc): Uint8Array {
  if (l.height < 0n || l.height > MAX_U64) throw new RangeError(`tx index: height ${l.height} out of range`);
  if (!Number.isInteger(l.index) || l.index < 0 || l.index > 0xffffffff) {
    throw new RangeError(`tx index: tx index ${l.index} out of range`);
  }
  const b = Buffer.alloc(LOC_BYTES);
  b.writeBigUInt64BE(l.height, 0);
  b.writeUInt32BE(l.index, 8);
  return new Uint8Array(b);
}

export function decodeLoc(b: Uint8Array): TxLoc {
  if (b.length !== LOC_BYTES) throw new Error(`tx index: corrupt position of ${b.length} bytes`);
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return { height: buf.readBigUInt64BE(0), index: buf.readUInt32BE(8) };
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  if (bytes.length > MAX_U16) throw new RangeError(`tx index: ${bytes.length}-byte key part is too long`);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return concatBytes(len, bytes);
}

export const hashKey = (hash: Uint8Array): Uint8Array => concatBytes(P_HASH, hash);
export const heightKey = (l: TxLoc): Uint8Array => concatBytes(P_HEIGHT, encodeLoc(l));

/** [start, end) of the height index for heights lo..hi inclusive. */
export function heightRange(lo: bigint, hi: bigint): { start: Uint8Array; end: Uint8Array | undefined } {
  return {
    start: concatBytes(P_HEIGHT, uint64BE(lo)),
    end: hi >= MAX_U64 ? prefixEnd(P_HEIGHT) : concatBytes(P_HEIGHT, uint64BE(hi + 1n)),
  };
}

/** Prefix of every entry of one composite key. */
export const eventKeyPrefix = (key: Uint8Array): Uint8Array => concatBytes(P_EVENT, lengthPrefixed(key));

/** Prefix of every entry of one (composite key, value). */
export const eventValuePrefix = (key: Uint8Array, value: Uint8Array): Uint8Array =>
  concatBytes(eventKeyPrefix(key), lengthPrefixed(value));

export const eventKey = (key: Uint8Array, value: Uint8Array, l: TxLoc): Uint8Array =>
  eventKeyAt(key, value, encodeLoc(l));

/** eventKey with the position already encoded (LOC_BYTES), built in one allocation. */
export function eventKeyAt(key: Uint8Array, value: Uint8Array, loc: Uint8Array): Uint8Array {
  if (key.length > MAX_U16 || value.length > MAX_U16)
    throw new RangeError(`tx index: ${Math.max(key.length, value.length)}-byte key part is too long`);
  const out = new Uint8Array(P_EVENT.length + 2 + key.length + 2 + value.length + loc.length);
  let o = P_EVENT.length;
  out.set(P_EVENT, 0);
  out[o++] = key.length >>> 8;
  out[o++] = key.length & 0xff;
  out.set(key, o);
  o += key.length;
  out[o++] = value.length >>> 8;
  out[o++] = value.length & 0xff;
  out.set(value, o);
  out.set(loc, o + value.length);
  return out;
}

/** [start, end) of one (key, value)'s entries at heights lo..hi inclusive. */
export function eventValueRange(
  key: Uint8Array,
  value: Uint8Array,
  lo: bigint,
  hi: bigint,
): { start: Uint8Array; end: Uint8Array | undefined } {
  const p = eventValuePrefix(key, value);
  return {
    start: concatBytes(p, uint64BE(lo)),
    end: hi >= MAX_U64 ? prefixEnd(p) : concatBytes(p, uint64BE(hi + 1n)),
  };
}

/**
 * Splits an entry found under eventKeyPrefix (prefixLen bytes long) into value and position.
 * Throws on a key that does not have the layout above: the index is corrupt.
 */
export function parseEventKey(k: Uint8Array, prefixLen: number): { value: Uint8Array; loc: TxLoc } {
  if (k.length < prefixLen + 2 + LOC_BYTES) throw new Error("tx index: corrupt event key");
  const vlen = (k[prefixLen]! << 8) | k[prefixLen + 1]!;
  const vstart = prefixLen + 2;
  if (k.length !== vstart + vlen + LOC_BYTES) throw new Error("tx index: corrupt event key");
  return { value: k.subarray(vstart, vstart + vlen), loc: decodeLoc(k.subarray(vstart + vlen)) };
}
