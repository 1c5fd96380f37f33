import { canonicalize } from "./canonical.ts";
import { AggregationError, AggregationErrorCode } from "./errors.ts";
import type { CanonicalUpdates, ModelUpdate, Selection, TrustRule } from "./types.ts";
import { validateModel } from "./validate.ts";

/**
 * FLTrust (Cao et al., NDSS 2021). Updates here are full weights W_i, so the gradients of the paper
 * are deltas from the round's global model G: Δi = W_i - G, and the server's root-dataset update is
 * Δ0 = R - G for a reference model R that a committee member trained from G on a small trusted set.
 * The paper's steps, split between the committee and the chain:
 * 1. each member reports, in fixed point, the trust score of every update, ReLU(cos(Δi, Δ0)), and
 *    ||Δ0|| (trustWeights); the chain keeps the median of each (commit-reveal);
 * 2. every member aggregates with those medians (trust): G + Σ w_i (norm / ||Δi||) Δi / Σ w_i.
 * An update pointing away from the trusted direction gets weight 0, and normalising every delta to
 * the reference's length takes away the leverage of a scaled-up one.
 *
 * Arithmetic, shared by both steps and fixed so every machine computes the same bits: IEEE float64,
 * each operation rounded on its own; coordinates in order (layer, then offset); every sum
 * sequential from +0 in that order; a delta coordinate is the float64 difference W[c] - G[c] of the
 * two float32 values; ||x|| = Math.sqrt (correctly rounded) of the sum of squares. Finite inputs
 * keep everything finite: a float32 delta is below 2^129 in magnitude, its square below 2^258, and
 * a sum of fewer than 2^53 of them below 2^311, far from float64's 2^1024.
 */

const PPM = 1_000_000;
/** normNano is a uint64 on chain; the bound also keeps the aggregate finite (trust). */
const MAX_NORM_NANO = 2n ** 64n - 1n;

export interface TrustCosines {
  /** The updates' ids in canonical order, the order of cosines. */
  readonly ids: string[];
  /** cos(Δi, Δ0) in float64; 0 when Δi or Δ0 is zero (no direction to compare). */
  readonly cosines: number[];
  /** ||Δ0|| in float64. */
  readonly referenceNorm: number;
}

/**
 * The float64 quantities behind a member's report (exported so tests can check every bit of them):
 * cos = dot / (||Δi|| x ||Δ0||), the product of the norms first; dot and ||Δi||^2 are summed in the
 * same pass, each sequentially.
 */
export function trustCosines(
  global: readonly Float32Array[],
  updates: CanonicalUpdates | readonly ModelUpdate[],
  reference: readonly Float32Array[],
): TrustCosines {
  const c = Array.isArray(updates)
    ? canonicalize(updates as readonly ModelUpdate[])
    : (updates as CanonicalUpdates);
  validateModel(global, c.shape, "global");
  validateModel(reference, c.shape, "reference");
  const d0 = c.shape.map((len, l) => {
    const out = new Float64Array(len);
    for (let k = 0; k < len; k++) out[k] = reference[l]![k]! - global[l]![k]!;
    return out;
  });
  let sq0 = 0;
  for (const layer of d0) for (let k = 0; k < layer.length; k++) sq0 = sq0 + layer[k]! * layer[k]!;
  const norm0 = Math.sqrt(sq0);
  const cosines = c.rows.map((row) => {
    let dot = 0;
    let sq = 0;
    for (let l = 0; l < d0.length; l++) {
      const w = row[l]!;
      const g = global[l]!;
      const r = d0[l]!;
      for (let k = 0; k < r.length; k++) {
        const x = w[k]! - g[k]!;
        dot = dot + x * r[k]!;
        sq = sq + x * x;
      }
    }
    return sq === 0 || norm0 === 0 ? 0 : dot / (Math.sqrt(sq) * norm0);
  });
  return { ids: [...c.ids], cosines, referenceNorm: norm0 };
}

export interface TrustWeights {
  /** The updates' ids in canonical order, the order of weightsPpm. */
  readonly ids: string[];
  /** floor(max(0, cos(Δi, Δ0)) x 10^6) per update; 0 when Δi or Δ0 is zero (no direction). */
  readonly weightsPpm: number[];
  /** floor(||Δ0|| x 10^9). */
  readonly referenceNormNano: bigint;
}

/**
 * What a committee member reports for FLTrust: the trust weight of every update and the reference
 * delta's norm, in fixed point because the chain takes medians of them. A cos above 1 by rounding
 * counts as 1.
 */
export function trustWeights(
  global: readonly Float32Array[],
  updates: CanonicalUpdates | readonly ModelUpdate[],
  reference: readonly Float32Array[],
): TrustWeights {
  const { ids, cosines, referenceNorm } = trustCosines(global, updates, reference);
  return {
    ids,
    weightsPpm: cosines.map((cos) => (cos > 0 ? Math.floor(Math.min(cos, 1) * PPM) : 0)),
    referenceNormNano: BigInt(Math.floor(referenceNorm * 1e9)),
  };
}

/**
 * The FLTrust aggregate with the agreed weights w_i (millionths) and norm = normNano / 10^9 (one
 * float64 division of the float64 nearest normNano), in this order:
 *   W = Σ w_i over every update (integers: exact);
 *   for i in canonical order with w_i > 0 and ||Δi|| > 0: k_i = w_i x (norm / ||Δi||), and per
 *   coordinate acc[c] = acc[c] + k_i x (W_i[c] - G[c]), acc starting at +0;
 *   out[c] = float32(G[c] + acc[c] / W), rounded to float32 once.
 * A weight-0 update is not trusted and contributes nothing. A zero delta has no direction to scale
 * (0/0): its term is 0, but its weight still counts in W, as a vote for staying at G. If W = 0 no
 * update is trusted, and the aggregate is G unchanged: the round leaves the model where it was
 * rather than follow updates the reference disagrees with. `selected` = the updates with w_i > 0.
 *
 * Weights of ids that are not among the updates are ignored: a member aggregates the updates it
 * could fetch, while the chain's weights cover the whole round. normNano <= 2^64 - 1 keeps the
 * aggregate finite: each scaled delta has length norm < 2^35, so |acc[c] / W| < 2^35, far below
 * the float32 rounding step near its maximum (2^104).
 */
export function trust(c: CanonicalUpdates, rule: TrustRule): Selection {
  const G = rule.global;
  validateModel(G, c.shape, "global");
  const weights = weightsOf(c, rule.weightsPpm);
  const normNano = rule.normNano;
  if (typeof normNano !== "bigint" || normNano < 0n || normNano > MAX_NORM_NANO) {
    throw new AggregationError(
      { code: AggregationErrorCode.INVALID_NORM, normNano: String(normNano) },
      `normNano ${String(normNano)} is not a bigint in 0..2^64 - 1`,
    );
  }
  const selected = weights.flatMap((w, i) => (w > 0 ? [i] : []));
  if (selected.length === 0) return { layers: G.map((l) => l.slice()), selected };
  const { values } = trustTerms(c, G, weights, Number(normNano) / 1e9);
  return { layers: values.map((v) => Float32Array.from(v)), selected };
}

export interface TrustTerms {
  /** ||Δi|| per update, canonical order. */
  readonly norms: number[];
  /** k_i per update; 0 for the updates that contribute nothing (weight 0 or zero delta). */
  readonly coefficients: number[];
  /** G[c] + acc[c] / W per layer, in float64: the aggregate before its one rounding to float32. */
  readonly values: Float64Array[];
}

/**
 * The float64 steps of trust() for checked inputs with W > 0 (exported so tests can check every
 * bit of them).
 */
export function trustTerms(
  c: CanonicalUpdates,
  G: readonly Float32Array[],
  weights: readonly number[],
  norm: number,
): TrustTerms {
  let total = 0;
  for (const w of weights) total += w;
  const norms = c.rows.map((row) => deltaNorm(row, G));
  const coefficients = norms.map((n, i) => (weights[i]! > 0 && n > 0 ? weights[i]! * (norm / n) : 0));
  const acc = c.shape.map((len) => new Float64Array(len));
  coefficients.forEach((k, i) => {
    if (k === 0) return;
    const row = c.rows[i]!;
    for (let l = 0; l < acc.length; l++) {
      const a = acc[l]!;
      const w = row[l]!;
      const g = G[l]!;
      for (let x = 0; x < a.length; x++) a[x] = a[x]! + k * (w[x]! - g[x]!);
    }
  });
  for (let l = 0; l < acc.length; l++) {
    const a = acc[l]!;
    const g = G[l]!;
    for (let x = 0; x < a.length; x++) a[x] = g[x]! + a[x]! / total;
  }
  return { norms, coefficients, values: acc };
}

/** ||W - G||: the sum of squares sequential in coordinate order from +0, then Math.sqrt. */
function deltaNorm(row: readonly Float32Array[], G: readonly Float32Array[]): number {
  let sq = 0;
  for (let l = 0; l < row.length; l++) {
    const w = row[l]!;
    const g = G[l]!;
    for (let x = 0; x < w.length; x++) {
      const d = w[x]! - g[x]!;
      sq = sq + d * d;
    }
  }
  return Math.sqrt(sq);
}

/** Each update's weight, canonical order, checked: an integer in 0..10^6 for every update. */
function weightsOf(c: CanonicalUpdates, map: ReadonlyMap<string, number>): number[] {
  if (!(map instanceof Map)) {
    throw new AggregationError(AggregationErrorCode.INVALID_WEIGHT, "weightsPpm must be a Map");
  }
  return c.ids.map((id) => {
    const w = map.get(id);
    if (w === undefined) {
      throw new AggregationError(
        { code: AggregationErrorCode.MISSING_WEIGHT, id },
        `update ${id} has no trust weight`,
      );
    }
    if (!Number.isInteger(w) || w < 0 || w > PPM) {
      throw new AggregationError(
        { code: AggregationErrorCode.INVALID_WEIGHT, id, weight: String(w) },
        `update ${id}: trust weight ${String(w)} is not an integer in 0..${PPM}`,
      );
    }
    return w;
  });
}
