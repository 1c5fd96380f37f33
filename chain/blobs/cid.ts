import { sha256 } from "../crypto/hash.ts";
import { BlobError, BlobErrorCode } from "./errors.ts";

/**
 * Content identifiers of blobs: IPFS CIDv1 with codec raw (0x55) and a sha2-256 multihash (0x12,
 * 32 bytes), written in multibase base32 lower-case ("b" prefix), e.g. the CID of no bytes is
 * bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku. Only this one form is accepted: a
 * blob then has exactly one name (on chain, on disk, on the wire), and anything an IPFS node makes
 * with `ipfs add --cid-version 1 --raw-leaves` for a single-block file is the same string.
 *
 * Binary form (36 bytes): varint version 1 | varint codec 0x55 | varint hash 0x12 | varint 32 | digest.
 * Text form (59 characters): "b" + RFC 4648 base32, lower case, no padding.
 */
export interface ParsedCid {
  /** The canonical text form. */
  text: string;
  /** The binary CID (36 bytes). */
  bytes: Uint8Array;
  /** The sha2-256 digest of the blob (32 bytes). */
  digest: Uint8Array;
}

export const CID_VERSION = 1;
export const RAW_CODEC = 0x55;
export const SHA2_256 = 0x12;
export const DIGEST_BYTES = 32;
export const CID_BYTES = 4 + DIGEST_BYTES;
export const CID_TEXT_LENGTH = 59;
const PREFIX = Uint8Array.from([CID_VERSION, RAW_CODEC, SHA2_256, DIGEST_BYTES]);
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
/** Inputs longer than this are refused before any decoding (a CID is 59 characters). */
const MAX_INPUT = 256;

// Names for the clear errors only: the codes other tools commonly produce.
const MULTIBASES: Record<string, string> = {
  B: "base32upper",
  z: "base58btc",
  f: "base16",
  F: "base16upper",
  k: "base36",
  m: "base64",
  u: "base64url",
  c: "base32pad",
  v: "base32hex",
};
const CODECS = new Map<number, string>([
  [0x70, "dag-pb"],
  [0x71, "dag-cbor"],
  [0x0129, "dag-json"],
  [0x0200, "json"],
  [0x51, "cbor"],
  [0x78, "git-raw"],
]);
const HASHES = new Map<number, string>([
  [0x00, "identity"],
  [0x11, "sha1"],
  [0x13, "sha2-512"],
  [0x16, "sha3-256"],
  [0x1b, "keccak-256"],
  [0x1e, "blake3"],
  [0xb220, "blake2b-256"],
]);

const badCid = (input: string, why: string) =>
  new BlobError(
    { code: BlobErrorCode.BAD_CID, input: input.slice(0, 100) },
    `invalid CID ${JSON.stringify(input.slice(0, 100))}: ${why}`,
  );

const hex = (n: number) => `0x${n.toString(16)}`;

export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let value = 0;
  let bits = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xfff; // at most 12 bits are ever pending
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes unpadded base32 lower-case; the unused low bits of the last character must be zero. */
export function base32Decode(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let value = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < text.length; i++) {
    const v = ALPHABET.indexOf(text[i]!);
    if (v < 0) throw new Error(`character ${JSON.stringify(text[i])} at ${i} is not base32 lower-case`);
    value = ((value << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out[j++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if (bits >= 5) throw new Error("impossible base32 length");
  if ((value & ((1 << bits) - 1)) !== 0) throw new Error("non-zero padding bits (not canonical base32)");
  return out;
}

/** Unsigned LEB128 as multiformats defines it: at most 9 bytes, minimally encoded. */
function readVarint(b: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (pos + i >= b.length) throw new Error("truncated varint");
    const byte = b[pos + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (i > 0 && byte === 0) throw new Error("varint not minimally encoded");
      return { value, next: pos + i + 1 };
    }
  }
  throw new Error("varint longer than 9 bytes");
}

/** The CID of a sha2-256 digest. */
export function cidFromDigest(digest: Uint8Array): string {
  if (digest.length !== DIGEST_BYTES) throw new Error(`a sha2-256 digest is ${DIGEST_BYTES} bytes`);
  const bytes = new Uint8Array(CID_BYTES);
  bytes.set(PREFIX);
  bytes.set(digest, PREFIX.length);
  return `b${base32Encode(bytes)}`;
}

/** The CID of some bytes. */
export function cidOf(data: Uint8Array): string {
  return cidFromDigest(sha256(data));
}

/** Parses a binary CID; throws BAD_CID naming what is wrong (version, codec, hash, length). */
export function decodeCidBytes(bytes: Uint8Array, shown?: string): ParsedCid {
  const input = shown ?? `0x${Buffer.from(bytes.subarray(0, 48)).toString("hex")}`;
  let pos = 0;
  const next = (what: string) => {
    try {
      const r = readVarint(bytes, pos);
      pos = r.next;
      return r.value;
    } catch (e) {
      throw badCid(input, `${what}: ${(e as Error).message}`);
    }
  };
  if (bytes.length >= 2 && bytes[0] === 0x12 && bytes[1] === 0x20)
    throw badCid(input, "CIDv0 (a bare sha2-256 multihash, dag-pb) is not accepted: use CIDv1 raw");
  const version = next("version");
  if (version !== CID_VERSION) throw badCid(input, `CID version ${version} is not accepted: expected 1`);
  const codec = next("codec");
  if (codec !== RAW_CODEC)
    throw badCid(
      input,
      `codec ${hex(codec)}${CODECS.has(codec) ? ` (${CODECS.get(codec)})` : ""} is not accepted: expected 0x55 (raw)`,
    );
  const hash = next("multihash code");
  if (hash !== SHA2_256)
    throw badCid(
      input,
      `hash function ${hex(hash)}${HASHES.has(hash) ? ` (${HASHES.get(hash)})` : ""} is not accepted: expected 0x12 (sha2-256)`,
    );
  const len = next("digest length");
  if (len !== DIGEST_BYTES) throw badCid(input, `digest length ${len} is not 32`);
  if (bytes.length - pos < DIGEST_BYTES) throw badCid(input, "digest truncated");
  if (bytes.length - pos > DIGEST_BYTES) throw badCid(input, "trailing bytes after the digest");
  const digest = bytes.slice(pos);
  const canonical = Uint8Array.from(bytes);
  return { text: cidFromDigest(digest), bytes: canonical, digest };
}

/** Parses the text form; throws BAD_CID with the reason. Only the canonical spelling is accepted. */
export function parseCid(input: unknown): ParsedCid {
  if (typeof input !== "string") throw badCid(String(input), "expected a string");
  if (input.length === 0) throw badCid(input, "empty");
  if (input.length > MAX_INPUT) throw badCid(input, `longer than ${MAX_INPUT} characters`);
  if (/^Qm[1-9A-HJ-NP-Za-km-z]{44}$/.test(input))
    throw badCid(input, "CIDv0 (base58btc, dag-pb) is not accepted: use CIDv1 raw (bafkrei...)");
  const base = input[0]!;
  if (base !== "b") {
    const name = MULTIBASES[base];
    throw badCid(
      input,
      `multibase ${JSON.stringify(base)}${name ? ` (${name})` : ""} is not accepted: expected "b" (base32 lower-case)`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = base32Decode(input.slice(1));
  } catch (e) {
    throw badCid(input, (e as Error).message);
  }
  const parsed = decodeCidBytes(bytes, input);
  // Same bytes, other spelling (cannot happen after the checks above, but the file name depends on it).
  if (parsed.text !== input) throw badCid(input, "not the canonical spelling");
  return parsed;
}

export function isCid(input: unknown): input is string {
  try {
    parseCid(input);
    return true;
  } catch {
    return false;
  }
}
