import { bulyan } from "./bulyan.ts";
import { canonicalize } from "./canonical.ts";
import { AggregationError, AggregationErrorCode } from "./errors.ts";
import { fedavg } from "./fedavg.ts";
import { krum, multikrum } from "./krum.ts";
import { median } from "./median.ts";
import { trimmedMean } from "./trimmed-mean.ts";
import { trust } from "./trust.ts";
import type {
  AggregationResult,
  AggregationRule,
  CanonicalUpdates,
  ModelUpdate,
  Selection,
} from "./types.ts";
import { assertFinite } from "./validate.ts";

/**
 * Aggregates a round's updates with the task's rule: the canonical implementation every committee
 * member runs (DESIGN section 8, point 4). The result is the same bytes on every machine and for
 * every order of `updates`:
 * - the updates are validated (validate.ts; FedAvg detects NaN and infinities in its sums instead
 *   of a separate scan, with the same error) and sorted by id bytes first (canonical.ts);
 * - all arithmetic is IEEE float64, each operation rounded on its own (JS has no extended
 *   precision and never fuses a multiply-add), in an order each rule fixes and documents: FedAvg
 *   (fedavg.ts), median (median.ts), trimmed mean (trimmed-mean.ts), Krum distances and scores
 *   (distances.ts, krum.ts), Bulyan (bulyan.ts), FLTrust (trust.ts); sorted columns use the IEEE
 *   total order (columns.ts);
 * - each output value is rounded to float32 exactly once;
 * - ties (equal Krum scores, values equally far from Bulyan's median) have a stated winner.
 * The rules follow Flower's aggregate.py, which does the same math in float32 and leaves ties to
 * numpy. Plain typed-array loops, single-threaded, except FedAvg's weighted sums, which run in
 * WebAssembly SIMD where it is available (fedavg-wasm.ts: the same operations in the same order,
 * tested bit for bit against the JS loop that is used elsewhere). Another implementation (GPU,
 * WASM) may replace this one only if it produces the same bytes; test/fixtures/aggregation/gen.py
 * is a second, independent one.
 */
export function aggregate(updates: readonly ModelUpdate[], rule: AggregationRule): AggregationResult {
  // FedAvg's sums show whether any input is NaN or infinite (fedavg.ts), so it skips that scan.
  const c = canonicalize(updates, rule?.kind !== "fedavg");
  const out = apply(c, rule, updates);
  const kept = new Set(out.selected);
  return {
    layers: out.layers,
    selected: out.selected.map((i) => c.ids[i]!),
    excluded: c.ids.filter((_, i) => !kept.has(i)),
  };
}

function apply(c: CanonicalUpdates, rule: AggregationRule, updates: readonly ModelUpdate[]): Selection {
  const everyone = () => c.ids.map((_, i) => i);
  switch (rule?.kind) {
    case "fedavg": {
      const { layers, finite } = fedavg(c);
      // Some input is NaN or infinite: the error validation would have thrown, naming the first.
      if (!finite) assertFinite(updates);
      return { layers, selected: everyone() };
    }
    case "median":
      return { layers: median(c), selected: everyone() };
    case "trimmed_mean":
      return { layers: trimmedMean(c, rule.beta), selected: everyone() };
    case "krum":
      return krum(c, rule.f);
    case "multikrum":
      return multikrum(c, rule.f, rule.m);
    case "bulyan":
      return bulyan(c, rule.f);
    case "trust":
      return trust(c, rule);
    default:
      throw new AggregationError(
        { code: AggregationErrorCode.UNKNOWN_RULE, kind: String((rule as { kind?: unknown })?.kind) },
        `unknown aggregation rule ${String((rule as { kind?: unknown })?.kind)}`,
      );
  }
}
