import { createHash, hash } from "node:crypto";

export function sha256(...parts: Uint8Array[]): Uint8Array {
  // One-shot hashing of a single input skips the Hash object (most calls: tx hashes, Merkle leaves).
  if (parts.length === 1) return new Uint8Array(hash("sha256", parts[0]!, "buffer"));
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function ripemd160(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("ripemd160").update(data).digest());
}

export function toHexUpper(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex").toUpperCase();
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`invalid hex string: ${hex}`);
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Strict base64 decoding: Buffer.from silently skips bad characters, which would hide corrupt input. */
export function fromBase64(b64: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) throw new Error("invalid base64 string");
  return new Uint8Array(Buffer.from(b64, "base64"));
}

/** Tx hash as CometBFT computes it: sha256 of the raw tx bytes, shown as upper-case hex. */
export function txHash(tx: Uint8Array): Uint8Array {
  return sha256(tx);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Byte-wise lexicographic order: the only key order the state machine uses. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** n as 8 big-endian bytes: store keys whose byte order is numeric order. */
export function uint64BE(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
}

/** The big-endian uint64 at `at` in `b`. */
export const readUint64BE = (b: Uint8Array, at = 0): bigint =>
  new DataView(b.buffer, b.byteOffset + at, 8).getBigUint64(0);

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });
export const utf8 = (s: string): Uint8Array => enc.encode(s);
export const fromUtf8 = (b: Uint8Array): string => dec.decode(b);
