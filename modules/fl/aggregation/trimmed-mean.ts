import { layerRows } from "./canonical.ts";
import { COLUMN_BLOCK, ColumnSorter } from "./columns.ts";
import { AggregationError, AggregationErrorCode } from "./errors.ts";
import type { CanonicalUpdates } from "./types.ts";

/**
 * Coordinate-wise trimmed mean (Flower's `aggregate_trimmed_avg`, scipy's trim_mean): cut =
 * floor(beta * n) values are dropped from each end of every sorted column and the rest averaged.
 * Canonical arithmetic: the kept values are added in ascending order in float64 starting from +0,
 * the sum divided by their count and rounded to float32 once. Sample counts play no part.
 */
export function trimmedMean(c: CanonicalUpdates, beta: number): Float32Array[] {
  checkBeta(beta);
  const n = c.ids.length;
  const cut = Math.floor(beta * n);
  const lo = cut;
  const hi = n - cut;
  const count = hi - lo;
  const sorter = new ColumnSorter(n, lo, hi);
  const acc = new Float64Array(COLUMN_BLOCK);
  return c.shape.map((len, l) => {
    const out = new Float32Array(len);
    sorter.forEachBlock(layerRows(c, l), (sorted, start, m) => {
      acc.fill(0);
      for (let k = lo; k < hi; k++) {
        const row = sorted[k]!;
        for (let j = 0; j < m; j++) acc[j] = acc[j]! + row[j]!;
      }
      for (let j = 0; j < m; j++) out[start + j] = acc[j]! / count;
    });
    return out;
  });
}

/** beta in [0, 0.5): at 0.5 or more the cut could leave nothing (scipy's "proportion too big"). */
export function checkBeta(beta: number): void {
  if (typeof beta !== "number" || !(beta >= 0 && beta < 0.5)) {
    throw new AggregationError(
      { code: AggregationErrorCode.INVALID_BETA, beta: String(beta) },
      `trimmed_mean beta must be a number in [0, 0.5), got ${String(beta)}`,
    );
  }
}
