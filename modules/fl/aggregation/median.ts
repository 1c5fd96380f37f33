import { layerRows } from "./canonical.ts";
import { ColumnSorter } from "./columns.ts";
import type { CanonicalUpdates } from "./types.ts";

/**
 * Coordinate-wise median (Flower's `aggregate_median`, i.e. numpy.median along the updates): the
 * middle value for odd n; for even n the mean of the two middle values, (a + b) / 2 in float64
 * rounded to float32 once. Sample counts play no part.
 */
export function median(c: CanonicalUpdates): Float32Array[] {
  const n = c.ids.length;
  const mid = n >> 1;
  const odd = (n & 1) === 1;
  const sorter = new ColumnSorter(n, odd ? mid : mid - 1, mid + 1);
  return c.shape.map((len, l) => {
    const out = new Float32Array(len);
    sorter.forEachBlock(layerRows(c, l), (sorted, start, m) => {
      const hi = sorted[mid]!;
      if (odd) {
        out.set(hi.subarray(0, m), start);
        return;
      }
      const lo = sorted[mid - 1]!;
      for (let j = 0; j < m; j++) out[start + j] = (lo[j]! + hi[j]!) / 2;
    });
    return out;
  });
}
