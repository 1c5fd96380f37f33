import { AggregationError, AggregationErrorCode } from "./errors.ts";
import type { CanonicalUpdates } from "./types.ts";

/** Coordinates summed per pass: the float64 accumulator (32 KB) stays in L1/L2 across all rows. */
const BLOCK = 4096;

/**
 * FedAvg (Flower's `aggregate`): sum over updates of layer x samples, divided by the total sample
 * count. Canonical arithmetic: each coordinate's sum starts at +0 and adds x_i * s_i in float64 in
 * canonical order (i ascending), each product and sum rounded as IEEE float64 does (JS never fuses a
 * multiply-add); the sum is divided by the total in float64 and rounded to float32 once. Flower does
 * the same in float32 (NumPy 2 keeps a float32 layer times a Python int in float32).
 */
export function fedavg(c: CanonicalUpdates): Float32Array[] {
  return weightedMean(
    c,
    c.ids.map((_, i) => i),
  );
}

/** FedAvg over the updates at `members` (ascending canonical indices), e.g. Multi-Krum's choice. */
export function weightedMean(c: CanonicalUpdates, members: readonly number[]): Float32Array[] {
  if (members.length === 0)
    throw new AggregationError(AggregationErrorCode.NO_UPDATES, "no updates to average");
  let total = 0;
  for (const i of members) total += c.samples[i]!;
  const weights = members.map((i) => c.samples[i]!);
  return c.shape.map((len, l) =>
    weightedMeanLayer(
      members.map((i) => c.rows[i]![l]!),
      weights,
      total,
      len,
    ),
  );
}

function weightedMeanLayer(rows: Float32Array[], w: number[], total: number, len: number): Float32Array {
  const out = new Float32Array(len);
  const acc = new Float64Array(BLOCK);
  const n = rows.length;
  for (let start = 0; start < len; start += BLOCK) {
    const end = Math.min(start + BLOCK, len);
    const m = end - start;
    acc.fill(0);
    let i = 0;
    // Four rows a pass: a quarter of the accumulator loads and stores, same addition order.
    for (; i + 3 < n; i += 4) {
      const a = rows[i]!;
      const b = rows[i + 1]!;
      const d = rows[i + 2]!;
      const e = rows[i + 3]!;
      const wa = w[i]!;
      const wb = w[i + 1]!;
      const wd = w[i + 2]!;
      const we = w[i + 3]!;
      for (let k = 0, c = start; k < m; k++, c++) {
        acc[k] = acc[k]! + a[c]! * wa + b[c]! * wb + d[c]! * wd + e[c]! * we;
      }
    }
    for (; i < n; i++) {
      const a = rows[i]!;
      const wa = w[i]!;
      for (let k = 0, c = start; k < m; k++, c++) acc[k] = acc[k]! + a[c]! * wa;
    }
    for (let k = 0, c = start; k < m; k++, c++) out[c] = acc[k]! / total;
  }
  return out;
}
