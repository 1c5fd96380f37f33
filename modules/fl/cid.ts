import { fromHex } from "../../chain/crypto/hash.ts";

// Content identifiers of blobs (DESIGN section 8): IPFS CIDv1, codec raw (0x55), multihash sha2-256
// (0x12, 32 bytes), multibase base32 lower case ("b" prefix), so every CID here starts "bafkrei".
// A tiny pure validator for the chain; chain/blobs/cid.ts has the node's fuller one (to be merged).

const PREFIX = Uint8Array.of(0x01, 0x55, 0x12, 0x20);
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
/** "b" + base32 of 36 bytes (288 bits = 58 characters, the last one carrying 3 bits). */
export const CID_LENGTH = 59;
const CID_RE = /^b[a-z2-7]{58}$/;

function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(s: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of s) {
    value = (value << 5) | ALPHABET.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return Uint8Array.from(out);
}

/** The CID of a sha256 digest. */
export function cidFromDigest(digest: Uint8Array): string {
  if (digest.length !== 32) throw new Error("a sha2-256 digest has 32 bytes");
  const bytes = new Uint8Array(36);
  bytes.set(PREFIX);
  bytes.set(digest, 4);
  return `b${base32(bytes)}`;
}

/**
 * The sha256 digest a CID names, as lower-case hex; why it is not one otherwise. Only the canonical
 * spelling is accepted (lower case, no padding, zero trailing bits), so one blob has one CID on chain.
 */
export function parseCid(cid: string): { digestHex: string } | { error: string } {
  if (typeof cid !== "string" || cid.length === 0) return { error: "empty cid" };
  if (cid.length !== CID_LENGTH || !CID_RE.test(cid))
    return {
      error: `cid ${JSON.stringify(cid.slice(0, 80))} is not a base32 CIDv1 of ${CID_LENGTH} characters`,
    };
  const bytes = unbase32(cid.slice(1));
  if (bytes.length !== 36 || !PREFIX.every((b, i) => bytes[i] === b))
    return { error: `cid ${cid} is not a CIDv1 raw sha2-256 (bafkrei...)` };
  if (cidFromDigest(bytes.subarray(4)) !== cid) return { error: `cid ${cid} is not canonical` };
  return { digestHex: Buffer.from(bytes.subarray(4)).toString("hex") };
}

export const isCid = (cid: string) => "digestHex" in parseCid(cid);

/** The hex of a sha256 written as the module expects it: 64 lower-case hex digits. */
export const HASH_RE = /^[0-9a-f]{64}$/;

/** The CID of an aggregate hash (hex), the inverse of parseCid's digest. */
export const cidFromHash = (hashHex: string) => cidFromDigest(fromHex(hashHex));
