import type { CanonicalUpdates } from "./types.ts";

/** Coordinates per pass over all pairs: n rows of this many float32 stay in L2. */
const BLOCK = 4096;

/**
 * The n x n matrix of squared Euclidean distances between the updates (all layers as one vector),
 * row-major, computed once in float64; Krum and Bulyan read scores from it. Canonical arithmetic
 * for a pair (i, j), i < j: each difference x_i - x_j and its square are float64 operations on the
 * float32 values; the squares go to four lanes by the coordinate's index q within its layer (lane
 * q mod 4), each lane a sequential float64 sum over the layers in order and within a layer over q
 * ascending, starting from +0; the distance is (lane0 + lane1) + (lane2 + lane3); D[j][i] = D[i][j],
 * D[i][i] = 0. Four lanes break the add-latency chain; blocking over coordinates keeps all rows
 * of a block in cache for the n(n-1)/2 pairs (each row is read from memory once instead of n-1
 * times); pairs (i, j) and (i, j + 1) go together so x_i is loaded once for both (~20% faster). The
 * result does not depend on any of this, only on the lane rule. Flower computes
 * numpy.linalg.norm(x_i - x_j)**2 in float32.
 */
export function squaredDistances(c: CanonicalUpdates): Float64Array {
  const n = c.ids.length;
  const lanes = new Float64Array(n * n * 4);
  for (let l = 0; l < c.shape.length; l++) {
    const len = c.shape[l]!;
    const rows = c.rows.map((r) => r[l]!);
    for (let start = 0; start < len; start += BLOCK) {
      const end = Math.min(start + BLOCK, len);
      for (let i = 0; i < n; i++) {
        let j = i + 1;
        for (; j + 1 < n; j += 2)
          accumulateTwoPairs(rows[i]!, rows[j]!, rows[j + 1]!, start, end, lanes, (i * n + j) * 4);
        if (j < n) accumulatePair(rows[i]!, rows[j]!, start, end, lanes, (i * n + j) * 4);
      }
    }
  }
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const k = (i * n + j) * 4;
      d[i * n + j] = d[j * n + i] = lanes[k]! + lanes[k + 1]! + (lanes[k + 2]! + lanes[k + 3]!);
    }
  }
  return d;
}

/**
 * accumulatePair for (x, y) into lanes[k..k+3] and (x, z) into lanes[k+4..k+7], in one pass:
 * eight independent sums, each value of x loaded once.
 */
function accumulateTwoPairs(
  x: Float32Array,
  y: Float32Array,
  z: Float32Array,
  start: number,
  end: number,
  lanes: Float64Array,
  k: number,
): void {
  let a0 = lanes[k]!;
  let a1 = lanes[k + 1]!;
  let a2 = lanes[k + 2]!;
  let a3 = lanes[k + 3]!;
  let b0 = lanes[k + 4]!;
  let b1 = lanes[k + 5]!;
  let b2 = lanes[k + 6]!;
  let b3 = lanes[k + 7]!;
  const end4 = start + ((end - start) & ~3);
  for (let q = start; q < end4; q += 4) {
    const v0 = x[q]!;
    const v1 = x[q + 1]!;
    const v2 = x[q + 2]!;
    const v3 = x[q + 3]!;
    let d = v0 - y[q]!;
    a0 += d * d;
    d = v1 - y[q + 1]!;
    a1 += d * d;
    d = v2 - y[q + 2]!;
    a2 += d * d;
    d = v3 - y[q + 3]!;
    a3 += d * d;
    d = v0 - z[q]!;
    b0 += d * d;
    d = v1 - z[q + 1]!;
    b1 += d * d;
    d = v2 - z[q + 2]!;
    b2 += d * d;
    d = v3 - z[q + 3]!;
    b3 += d * d;
  }
  lanes[k] = a0;
  lanes[k + 1] = a1;
  lanes[k + 2] = a2;
  lanes[k + 3] = a3;
  lanes[k + 4] = b0;
  lanes[k + 5] = b1;
  lanes[k + 6] = b2;
  lanes[k + 7] = b3;
  if (end4 < end) {
    accumulateTail(x, y, end4, end, lanes, k);
    accumulateTail(x, z, end4, end, lanes, k + 4);
  }
}

/** Adds the squared differences of x and y over [start, end) to the four lanes at lanes[k..k+3]. */
function accumulatePair(
  x: Float32Array,
  y: Float32Array,
  start: number,
  end: number,
  lanes: Float64Array,
  k: number,
): void {
  // start is a multiple of 4 (BLOCK is), so coordinate q's lane is q & 3.
  let s0 = lanes[k]!;
  let s1 = lanes[k + 1]!;
  let s2 = lanes[k + 2]!;
  let s3 = lanes[k + 3]!;
  const end4 = start + ((end - start) & ~3);
  let q = start;
  for (; q < end4; q += 4) {
    const d0 = x[q]! - y[q]!;
    const d1 = x[q + 1]! - y[q + 1]!;
    const d2 = x[q + 2]! - y[q + 2]!;
    const d3 = x[q + 3]! - y[q + 3]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  lanes[k] = s0;
  lanes[k + 1] = s1;
  lanes[k + 2] = s2;
  lanes[k + 3] = s3;
  if (q < end) accumulateTail(x, y, q, end, lanes, k);
}

/** The last 1-3 coordinates of a layer (from a multiple of 4): coordinate q to lane q & 3. */
function accumulateTail(
  x: Float32Array,
  y: Float32Array,
  from: number,
  end: number,
  lanes: Float64Array,
  k: number,
) {
  for (let q = from; q < end; q++) {
    const d = x[q]! - y[q]!;
    const lane = k + (q & 3);
    lanes[lane] = lanes[lane]! + d * d;
  }
}
