import { cidFromDigest, parseCid as parseBlobCid } from "../../chain/blobs/cid.ts";

// Content identifiers of blobs (DESIGN section 8): the node's blob store defines them
// (chain/blobs/cid.ts: CIDv1, raw, sha2-256, base32, one canonical spelling); the chain keeps only the
// CIDs and checks them with the same code, as a result it can put in a tx log.

export { cidFromDigest };

/** The sha256 digest a CID names, as lower-case hex, or why the string is not a CID of a blob. */
export function parseCid(cid: string): { digestHex: string } | { error: string } {
  try {
    return { digestHex: Buffer.from(parseBlobCid(cid).digest).toString("hex") };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The hex of a sha256 written as the module expects it: 64 lower-case hex digits. */
export const HASH_RE = /^[0-9a-f]{64}$/;
