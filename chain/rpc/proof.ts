import { sha256 } from "../crypto/hash.ts";
import { merkleRoot } from "../crypto/merkle.ts";
import type { TxProofView } from "./json.ts";

// Txs.Proof(i) of CometBFT: an RFC 6962 inclusion proof of the i-th tx hash in the block's data
// hash. Aunts are listed from the leaf's sibling up to a child of the root, as merkle.Proof holds them.

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function aunts(items: Uint8Array[], index: number): Uint8Array[] {
  if (items.length <= 1) return [];
  const k = splitPoint(items.length);
  if (index < k) {
    const below = aunts(items.slice(0, k), index);
    below.push(merkleRoot(items.slice(k)));
    return below;
  }
  const below = aunts(items.slice(k), index - k);
  below.push(merkleRoot(items.slice(0, k)));
  return below;
}

/** The proof that txs[index] is in a block whose txs are `txs`; undefined when index is out of range. */
export function txProof(txs: Uint8Array[], index: number): TxProofView | undefined {
  if (index < 0 || index >= txs.length) return undefined;
  const hashes = txs.map((t) => sha256(t));
  return {
    rootHash: merkleRoot(hashes),
    data: txs[index]!,
    total: txs.length,
    index,
    leafHash: sha256(new Uint8Array([0]), hashes[index]!),
    aunts: aunts(hashes, index),
  };
}
