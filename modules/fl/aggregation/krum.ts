import { squaredDistances } from "./distances.ts";
import { AggregationError, AggregationErrorCode } from "./errors.ts";
import { weightedMean } from "./fedavg.ts";
import type { CanonicalUpdates, Selection } from "./types.ts";

/**
 * Krum (Blanchard et al. 2017, as Flower's `aggregate_krum`): the update with the lowest score,
 * returned unchanged. Needs n > 2f + 2.
 */
export function krum(c: CanonicalUpdates, f: number): Selection {
  checkKrum(c.ids.length, f, "krum");
  const d = squaredDistances(c);
  const all = c.ids.map((_, i) => i);
  const best = krumPick(d, c.ids.length, all, f);
  return { layers: c.rows[best]!.map((layer) => layer.slice()), selected: [best] };
}

/**
 * Multi-Krum: the m updates with the lowest scores (ties: lower canonical index first), averaged
 * with sample-count weights (FedAvg over the chosen, in canonical order), as Flower's
 * `aggregate_krum` with to_keep = m. Needs n > 2f + 2 and 1 <= m <= n.
 */
export function multikrum(c: CanonicalUpdates, f: number, m: number): Selection {
  const n = c.ids.length;
  checkKrum(n, f, "multikrum");
  if (!Number.isSafeInteger(m) || m < 1 || m > n) {
    throw new AggregationError(
      { code: AggregationErrorCode.INVALID_M, m: String(m), n },
      `multikrum m must be an integer in 1..${n}, got ${String(m)}`,
    );
  }
  const all = c.ids.map((_, i) => i);
  const scores = krumScores(squaredDistances(c), n, all, f);
  const selected = all
    .slice()
    .sort((a, b) => scores[a]! - scores[b]! || a - b)
    .slice(0, m)
    .sort((a, b) => a - b);
  return { layers: weightedMean(c, selected), selected };
}

/**
 * Krum scores of the updates at `members` (ascending canonical indices): for each, the sum of its
 * squared distances to the k = max(1, |members| - f - 2) nearest other members (self excluded by
 * index, not by distance, so an identical copy still counts), added in ascending order in float64
 * from +0; with fewer than k others, all of them. The max(1, ...) is Flower's; it matters only for
 * the small sets Bulyan's last rounds leave. Returns scores indexed by canonical index.
 */
export function krumScores(d: Float64Array, n: number, members: readonly number[], f: number): Float64Array {
  const k = Math.max(1, members.length - f - 2);
  const scores = new Float64Array(n);
  const others = new Float64Array(members.length - 1);
  for (const i of members) {
    let o = 0;
    for (const j of members) if (j !== i) others[o++] = d[i * n + j]!;
    others.sort();
    let s = 0;
    for (let q = 0; q < Math.min(k, others.length); q++) s += others[q]!;
    scores[i] = s;
  }
  return scores;
}

/** The member with the lowest Krum score; ties go to the lowest canonical index (numpy.argmin's first). */
export function krumPick(d: Float64Array, n: number, members: readonly number[], f: number): number {
  const scores = krumScores(d, n, members, f);
  let best = members[0]!;
  for (const i of members) if (scores[i]! < scores[best]!) best = i;
  return best;
}

/** Krum's precondition n > 2f + 2 (at least one honest update closer than every Byzantine one). */
export function checkKrum(n: number, f: number, rule: string): void {
  checkF(f, rule);
  if (n <= 2 * f + 2) {
    throw new AggregationError(
      { code: AggregationErrorCode.TOO_FEW_UPDATES, rule, n, f, required: 2 * f + 3 },
      `${rule} with f = ${f} needs more than 2f + 2 = ${2 * f + 2} updates, got ${n}`,
    );
  }
}

export function checkF(f: number, rule: string): void {
  if (!Number.isSafeInteger(f) || f < 0) {
    throw new AggregationError(
      { code: AggregationErrorCode.INVALID_F, rule, f: String(f) },
      `${rule} f must be a non-negative integer, got ${String(f)}`,
    );
  }
}
