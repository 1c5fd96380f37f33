/**
 * Sorting networks: a fixed list of compare-exchanges that sorts any input. Their branches do not
 * depend on the data, so applied across a block of columns they run branch-free (see columns.ts),
 * where insertion sort or quickselect pay a mispredicted branch per element.
 */

/**
 * Batcher's odd-even merge sort for n inputs as flat pairs [a0, b0, a1, b1, ...], a < b: after
 * compare-exchange (min to a, max to b) of every pair in order, positions 0..n-1 are ascending.
 * Built for the next power of two and restricted to pairs inside 0..n-1, which is the same as
 * padding with +infinity: a padded position never holds anything but the largest value, so a
 * pair reaching into the padding never exchanges.
 */
export function sortingNetwork(n: number): Int32Array {
  let size = 1;
  while (size < n) size <<= 1;
  const pairs: number[] = [];
  for (let p = 1; p < size; p <<= 1) {
    for (let k = p; k >= 1; k >>= 1) {
      for (let j = k % p; j + k < size; j += 2 * k) {
        for (let i = 0; i < Math.min(k, size - j - k); i++) {
          const a = i + j;
          const b = i + j + k;
          if (Math.floor(a / (2 * p)) === Math.floor(b / (2 * p)) && b < n) pairs.push(a, b);
        }
      }
    }
  }
  return Int32Array.from(pairs);
}

/**
 * Keeps only the pairs that can affect the sorted positions lo..hi-1 (a backward pass: a pair
 * matters if one of its outputs is read later by something that matters). A median needs one or
 * two positions, which drops about a third of the network.
 */
export function pruneNetwork(net: Int32Array, n: number, lo: number, hi: number): Int32Array {
  const needed = new Uint8Array(n);
  needed.fill(1, lo, hi);
  const keep: number[] = [];
  for (let p = net.length - 2; p >= 0; p -= 2) {
    const a = net[p]!;
    const b = net[p + 1]!;
    if (needed[a] || needed[b]) {
      needed[a] = 1;
      needed[b] = 1;
      keep.push(p);
    }
  }
  const out = new Int32Array(keep.length * 2);
  for (let q = 0; q < keep.length; q++) {
    const p = keep[keep.length - 1 - q]!;
    out[2 * q] = net[p]!;
    out[2 * q + 1] = net[p + 1]!;
  }
  return out;
}
