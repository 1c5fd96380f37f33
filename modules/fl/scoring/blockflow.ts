import { medianInt } from "./median.ts";

// BlockFlow contribution scoring (Mugunthan et al. 2020, Alg. 1), exactly as DESIGN section 8.5
// writes it, in fixed point: every value is an integer in millionths (1_000_000 = 1.0), every
// division floors. The largest product is 1_000_000 x 1_000_000 = 10^12, far below 2^53, so plain
// JS integers are exact.
//
//   s[a,k]   evaluator a's score of trainer k
//   m[k]     median over a of s[a,k]                       (medianInt: floor of the middle two's mean)
//   m'[k]    m[k] / max m                                  (0 when max m = 0)
//   t[a,k]   |s[a,k] - m[k]|
//   t'[a,k]  max(0, (0.5 - t) / (0.5 + t))
//   d[a]     min over k of t'[a,k]
//   d'[a]    d[a] / max d                                  (0 when max d = 0)
//   p[k]     min(m'[k], d'[a]) when trainer k is evaluator a (held to its worst evaluation), else m'[k]

const ONE = 1_000_000;
const HALF = 500_000;

export interface BlockflowInput {
  evaluators: readonly string[];
  trainers: readonly string[];
  /** scores[a][k], millionths. */
  scores: readonly (readonly number[])[];
  /** Evaluator id -> the trainer id of the same agent. */
  evaluatorAsTrainer?: ReadonlyMap<string, string>;
}

export interface BlockflowResult {
  /** m[k] and m'[k] per trainer. */
  median: number[];
  medianNorm: number[];
  /** d[a] and d'[a] per evaluator. */
  agreement: number[];
  agreementNorm: number[];
  /** p[k] per trainer. */
  contribution: number[];
}

const isPpm = (v: number) => Number.isInteger(v) && v >= 0 && v <= ONE;

/**
 * Contributions of the trainers and agreement of the evaluators. The result does not depend on
 * the order of the evaluators (medians and minima are order-free); trainers keep the given order.
 */
export function blockflow(input: BlockflowInput): BlockflowResult {
  const { evaluators, trainers, scores } = input;
  if (evaluators.length === 0) throw new Error("blockflow: no evaluators");
  if (new Set(evaluators).size !== evaluators.length)
    throw new Error("blockflow: an evaluator appears twice");
  if (new Set(trainers).size !== trainers.length) throw new Error("blockflow: a trainer appears twice");
  if (scores.length !== evaluators.length) throw new Error("blockflow: one score row per evaluator");
  for (const [a, row] of scores.entries()) {
    if (row.length !== trainers.length)
      throw new Error(`blockflow: evaluator ${a} scores ${row.length} trainers`);
    for (const v of row) if (!isPpm(v)) throw new Error(`blockflow: score ${v} is not in 0..${ONE}`);
  }
  const median = trainers.map((_, k) => medianInt(scores.map((row) => row[k]!)));
  const maxM = Math.max(0, ...median);
  const medianNorm = median.map((m) => (maxM === 0 ? 0 : Math.floor((m * ONE) / maxM)));
  const agreement = scores.map((row) =>
    row.reduce((min, s, k) => {
      const t = Math.abs(s - median[k]!);
      const tp = t >= HALF ? 0 : Math.floor(((HALF - t) * ONE) / (HALF + t));
      return Math.min(min, tp);
    }, ONE),
  );
  const maxD = Math.max(0, ...agreement);
  const agreementNorm = agreement.map((d) => (maxD === 0 ? 0 : Math.floor((d * ONE) / maxD)));
  const asEvaluator = new Map<string, number>();
  for (const [a, e] of evaluators.entries()) {
    const t = input.evaluatorAsTrainer?.get(e);
    if (t !== undefined) asEvaluator.set(t, agreementNorm[a]!);
  }
  const contribution = trainers.map((t, k) => {
    const d = asEvaluator.get(t);
    return d === undefined ? medianNorm[k]! : Math.min(medianNorm[k]!, d);
  });
  return { median, medianNorm, agreement, agreementNorm, contribution };
}
