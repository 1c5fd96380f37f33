import { sha256 } from "./hash.ts";

// RFC 6962 simple Merkle tree, exactly as CometBFT's crypto/merkle.HashFromByteSlices, so that
// data_hash, validators_hash, last_commit_hash and the header hash match CometBFT's definitions.
const LEAF = new Uint8Array([0]);
const INNER = new Uint8Array([1]);

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function merkleRoot(items: Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256();
  return root(items, 0, items.length);
}

function root(items: Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return sha256(LEAF, items[start]!);
  const k = splitPoint(n);
  return sha256(INNER, root(items, start, start + k), root(items, start + k, end));
}
