import { createHash } from "node:crypto";

/** `n` pseudo-random bytes from a seed (a sha256 chain): reproducible blobs for tests. */
export function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = createHash("sha256").update(`seed ${seed}`).digest();
  for (let i = 0; i < n; i += 32) {
    out.set(x.subarray(0, Math.min(32, n - i)), i);
    x = createHash("sha256").update(x).digest();
  }
  return out;
}
