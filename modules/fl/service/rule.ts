import type { AggregationRule } from "../aggregation/types.ts";
import { PPM } from "../params.ts";
import { RULE_NAMES, Rule, type RuleParams } from "../proto.ts";
import { FlServiceError, FlServiceErrorCode } from "./errors.ts";

/**
 * The aggregation library's rule for a task's on-chain Rule and RuleParams. beta is
 * beta_ppm / 10^6 as a float64 (one correctly rounded division, the same on every machine); the
 * library then cuts floor(beta x n) updates at each end, as Flower does. Pure.
 */
export function aggregationRuleOf(rule: Rule, p: RuleParams | undefined): AggregationRule {
  const f = p?.f ?? 0;
  switch (rule) {
    case Rule.FedAvg:
      return { kind: "fedavg" };
    case Rule.Median:
      return { kind: "median" };
    case Rule.TrimmedMean:
      return { kind: "trimmed_mean", beta: (p?.betaPpm ?? 0) / Number(PPM) };
    case Rule.Krum:
      return { kind: "krum", f };
    case Rule.MultiKrum:
      return { kind: "multikrum", f, m: p?.m ?? 0 };
    case Rule.Bulyan:
      return { kind: "bulyan", f };
    default:
      throw new FlServiceError(
        FlServiceErrorCode.UNSUPPORTED_RULE,
        `no aggregation for rule ${RULE_NAMES[rule] ?? rule}`,
      );
  }
}
