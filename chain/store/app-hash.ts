import { sha256, uint64BE, utf8 } from "../crypto/hash.ts";
import { merkleRoot } from "../crypto/merkle.ts";
import type { Write } from "./cache-store.ts";

const DOMAIN = utf8("cifer/app-hash/v1");

function u32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * The app hash after a block: sha256(domain || previous app hash || height || merkle root of the
 * block's sorted writes). It chains every state write since genesis, so two nodes agree on it exactly
 * when they applied the same writes in the same order (DESIGN section 4's minimum). It is not an
 * authenticated tree: it proves no single key; an IAVL-like tree can replace it behind this function.
 */
export function nextAppHash(prev: Uint8Array, height: bigint, writes: Write[]): Uint8Array {
  const leaves = writes.map(([k, v]) =>
    v === null
      ? Buffer.concat([u32(k.length), k, Buffer.from([0])])
      : Buffer.concat([u32(k.length), k, Buffer.from([1]), v]),
  );
  return sha256(DOMAIN, u32(prev.length), prev, uint64BE(height), merkleRoot(leaves));
}
