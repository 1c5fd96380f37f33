import { FlCode, flError } from "./errors.ts";
import { PPM } from "./params.ts";
import { RULE_NAMES, Rule, type RuleParams } from "./proto.ts";

// The preconditions of the aggregation rules (Flower's definitions, DESIGN section 8). A task is
// split into subgroups, each aggregated on its own, so each subgroup must satisfy its rule; the
// smallest subgroup a round can have is min_participants (a short last chunk is merged into the one
// before it), and every precondition here only gets easier as n grows, so checking at n =
// min_participants covers every subgroup of every round.

const impossible = (why: string) => flError(FlCode.ImpossibleRuleParams, why);

/** The rules the chain accepts. */
export const SUPPORTED_RULES: readonly Rule[] = [
  Rule.FedAvg,
  Rule.Median,
  Rule.TrimmedMean,
  Rule.Krum,
  Rule.MultiKrum,
  Rule.Bulyan,
  Rule.Trust,
];

/** Throws the typed error of the first precondition the rule misses with n updates. */
export function checkRule(rule: Rule, p: RuleParams, n: number): void {
  if (!SUPPORTED_RULES.includes(rule)) throw flError(FlCode.UnknownRule, `unknown aggregation rule ${rule}`);
  const name = RULE_NAMES[rule];
  const { f, m, betaPpm } = p;
  // Parameters a rule does not read are refused rather than ignored: they are a mistake of the owner.
  const usesF = rule === Rule.Krum || rule === Rule.MultiKrum || rule === Rule.Bulyan;
  if (!usesF && f !== 0) throw impossible(`${name} has no parameter f (got ${f})`);
  if (rule !== Rule.MultiKrum && m !== 0) throw impossible(`${name} has no parameter m (got ${m})`);
  if (rule !== Rule.TrimmedMean && betaPpm !== 0)
    throw impossible(`${name} has no parameter beta (got ${betaPpm} ppm)`);
  switch (rule) {
    case Rule.TrimmedMean:
      // beta in [0, 0.5): at least one update survives the trimming at both ends.
      if (BigInt(betaPpm) * 2n >= PPM)
        throw impossible(`trimmed_mean needs 0 <= beta < 0.5, got ${betaPpm} ppm`);
      break;
    case Rule.Krum:
    case Rule.MultiKrum:
      if (n <= 2 * f + 2)
        throw impossible(
          `${name} with f = ${f} needs subgroups of more than ${2 * f + 2} updates, min is ${n}`,
        );
      if (rule === Rule.MultiKrum && (m < 1 || m > n - f))
        throw impossible(`multikrum needs 1 <= m <= n - f = ${n - f}, got m = ${m}`);
      break;
    case Rule.Bulyan:
      if (n < 4 * f + 3)
        throw impossible(
          `bulyan with f = ${f} needs subgroups of at least ${4 * f + 3} updates, min is ${n}`,
        );
      break;
    default:
      break;
  }
}
