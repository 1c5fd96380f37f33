import { AggregationError, AggregationErrorCode } from "./errors.ts";
import { weightedSumsWasm } from "./fedavg-wasm.ts";
import type { CanonicalUpdates } from "./types.ts";

/**
 * FedAvg (Flower's `aggregate`): sum over updates of layer x samples, divided by the total sample
 * count. Canonical arithmetic: each coordinate's sum starts at +0 and adds x_i * s_i in float64 in
 * canonical order (i ascending), each product and sum rounded as IEEE float64 does (JS never fuses a
 * multiply-add); the sum is divided by the total in float64 and rounded to float32 once. Flower does
 * the same in float32 (NumPy 2 keeps a float32 layer times a Python int in float32).
 *
 * `finite` is whether every input value is finite, read off the sums, which is what lets FedAvg do
 * without the separate scan for NaN and infinities that the other rules need (validate.ts;
 * aggregate() then calls assertFinite for the exact error). Why the sums tell: the weights are
 * integers in 1..2^53 - 1, and so is their total (validate.ts). With finite inputs, |x| < 2^128, so
 * every partial sum is below 2^128 * 2^53 = 2^181 in magnitude (float64 rounding adds a factor
 * 1 + n * 2^-53 at most), far from float64's overflow at 2^1024: every sum is finite, and so is
 * the check value, the sum of all sums (fewer than 2^53 of them: below 2^234). A NaN input makes
 * its product NaN, an infinity makes it an infinity (w >= 1 is finite and never 0, so there is no
 * 0 * Inf); from there the coordinate's sum stays NaN or infinite (NaN + anything is NaN, Inf plus
 * a finite value or Inf is Inf, Inf + -Inf is NaN), and so does the check value. So the check value
 * is finite exactly when every input value is.
 */
export function fedavg(c: CanonicalUpdates): { layers: Float32Array[]; finite: boolean } {
  return weightedMeanChecked(
    c,
    c.ids.map((_, i) => i),
  );
}

/**
 * FedAvg over the updates at `members` (ascending canonical indices), e.g. Multi-Krum's choice;
 * for updates already checked to be finite.
 */
export function weightedMean(c: CanonicalUpdates, members: readonly number[]): Float32Array[] {
  return weightedMeanChecked(c, members).layers;
}

function weightedMeanChecked(
  c: CanonicalUpdates,
  members: readonly number[],
): { layers: Float32Array[]; finite: boolean } {
  if (members.length === 0)
    throw new AggregationError(AggregationErrorCode.NO_UPDATES, "no updates to average");
  let total = 0;
  for (const i of members) total += c.samples[i]!;
  const weights = Float64Array.from(members, (i) => c.samples[i]!);
  let check = 0;
  const layers = c.shape.map((len, l) => {
    const out = new Float32Array(len);
    check += weightedMeanLayer(
      members.map((i) => c.rows[i]![l]!),
      weights,
      total,
      out,
    );
    return out;
  });
  return { layers, finite: Number.isFinite(check) };
}

/**
 * Writes the weighted mean of `rows` into `out` and returns the sum of the coordinates' sums (the
 * check value, see fedavg): WebAssembly SIMD (fedavg-wasm.ts) for all but the last len % 8
 * coordinates where available, the JS loop for the rest. The two give the same bytes.
 */
function weightedMeanLayer(rows: Float32Array[], w: Float64Array, total: number, out: Float32Array): number {
  const simd = out.length >= 8 ? weightedSumsWasm(rows, w, total, out, out.length & ~7) : undefined;
  if (simd === undefined) return weightedMeanLayerJs(rows, w, total, out, 0);
  return simd + weightedMeanLayerJs(rows, w, total, out, out.length & ~7);
}

/**
 * The JS loop: weightedMeanLayer for coordinates `from` .. out.length - 1, returning their part of
 * the check value. Eight coordinates at a time, each sum in a local variable while every row is
 * added in (the addition order per coordinate is the canonical one: +0, then row 0, 1, ...): no
 * accumulator array to load and store, and one typed-array lookup per row for eight values.
 * Exported for the test that compares it with the WebAssembly path.
 */
export function weightedMeanLayerJs(
  rows: readonly Float32Array[],
  w: Float64Array,
  total: number,
  out: Float32Array,
  from: number,
): number {
  const n = rows.length;
  const len = out.length;
  let check = 0;
  let c = from;
  for (; c + 8 <= len; c += 8) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let i = 0; i < n; i++) {
      const a = rows[i]!;
      const wi = w[i]!;
      s0 = s0 + a[c]! * wi;
      s1 = s1 + a[c + 1]! * wi;
      s2 = s2 + a[c + 2]! * wi;
      s3 = s3 + a[c + 3]! * wi;
      s4 = s4 + a[c + 4]! * wi;
      s5 = s5 + a[c + 5]! * wi;
      s6 = s6 + a[c + 6]! * wi;
      s7 = s7 + a[c + 7]! * wi;
    }
    check = check + (s0 + s1 + (s2 + s3) + (s4 + s5 + (s6 + s7)));
    out[c] = s0 / total;
    out[c + 1] = s1 / total;
    out[c + 2] = s2 / total;
    out[c + 3] = s3 / total;
    out[c + 4] = s4 / total;
    out[c + 5] = s5 / total;
    out[c + 6] = s6 / total;
    out[c + 7] = s7 / total;
  }
  for (; c < len; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s = s + rows[i]![c]! * w[i]!;
    check = check + s;
    out[c] = s / total;
  }
  return check;
}
