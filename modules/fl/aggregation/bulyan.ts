import { ColumnSorter } from "./columns.ts";
import { squaredDistances } from "./distances.ts";
import { AggregationError, AggregationErrorCode } from "./errors.ts";
import { checkF, krumPick } from "./krum.ts";
import type { CanonicalUpdates, Selection } from "./types.ts";

/**
 * Bulyan (El Mhamdi et al. 2018) as Flower's `aggregate_bulyan` with Krum as the first rule. Needs
 * n >= 4f + 3.
 * 1. Selection: theta = n - 2f times, run Krum (with the same f) on the updates not yet chosen and
 *    move its pick to the chosen set. Scores come from the distance matrix computed once (a
 *    distance does not depend on which other updates remain; Flower recomputes it every round);
 *    Krum's k = max(1, remaining - f - 2) shrinks as the set does; ties go to the lowest canonical
 *    index, as numpy.argmin does (Flower then finds the pick by comparing weights, which lands on
 *    the same index: identical updates have identical scores).
 * 2. Per coordinate, over the theta chosen: the median in float64 (as `median`, but not rounded
 *    to float32 as Flower's is), then the mean of the beta = theta - 2f values closest to it.
 *    Flower leaves ties in distance to numpy.argpartition; here, of two values equally far from
 *    the median, the smaller is kept. The kept values form a window of the sorted column (found by
 *    dropping the farther end 2f times) and are added in ascending order in float64 from +0,
 *    divided by beta, rounded to float32 once.
 */
export function bulyan(c: CanonicalUpdates, f: number): Selection {
  const n = c.ids.length;
  checkF(f, "bulyan");
  if (n < 4 * f + 3) {
    throw new AggregationError(
      { code: AggregationErrorCode.TOO_FEW_UPDATES, rule: "bulyan", n, f, required: 4 * f + 3 },
      `bulyan with f = ${f} needs at least 4f + 3 = ${4 * f + 3} updates, got ${n}`,
    );
  }
  const theta = n - 2 * f;
  const d = squaredDistances(c);
  const remaining = c.ids.map((_, i) => i);
  const chosen: number[] = [];
  for (let t = 0; t < theta; t++) {
    const pick = krumPick(d, n, remaining, f);
    chosen.push(pick);
    remaining.splice(remaining.indexOf(pick), 1);
  }
  chosen.sort((a, b) => a - b);
  const sorter = new ColumnSorter(theta);
  const layers = c.shape.map((len, l) => {
    const out = new Float32Array(len);
    sorter.forEachBlock(
      chosen.map((i) => c.rows[i]![l]!),
      (sorted, start, m) => trimAroundMedian(sorted, theta, f, start, m, out),
    );
    return out;
  });
  return { layers, selected: chosen };
}

/** Step 2 for one block of sorted columns (sorted[k][j]: k-th smallest of coordinate start + j). */
function trimAroundMedian(
  sorted: readonly Float32Array[],
  theta: number,
  f: number,
  start: number,
  m: number,
  out: Float32Array,
): void {
  const mid = theta >> 1;
  const odd = (theta & 1) === 1;
  const beta = theta - 2 * f;
  for (let j = 0; j < m; j++) {
    const med = odd ? sorted[mid]![j]! : (sorted[mid - 1]![j]! + sorted[mid]![j]!) / 2;
    let lo = 0;
    let hi = theta - 1;
    for (let drop = 0; drop < 2 * f; drop++) {
      // The farther end goes; on a tie the larger value (hi) goes, keeping the smaller.
      if (med - sorted[lo]![j]! > sorted[hi]![j]! - med) lo++;
      else hi--;
    }
    let s = 0;
    for (let k = lo; k <= hi; k++) s += sorted[k]![j]!;
    out[start + j] = s / beta;
  }
}
