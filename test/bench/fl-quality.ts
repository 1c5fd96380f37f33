/**
 * pnpm bench:fl-quality [--rounds 20] [--trainers 10] [--attackers 3] [--seed 1] [--rules a,b] [--json]
 *
 * How well each aggregation rule learns under attack, in process (no chain: the same training and
 * aggregation code the trainers and the committee run): the digits dataset, a held-out 20% test set,
 * the rest split over the trainers IID or non-IID (2 label shards each, McMahan et al.), with no
 * attackers or with `--attackers` of them doing one attack (sign flip x10, Gaussian noise, label
 * flip), every rule, `--rounds` rounds of one local epoch each. Prints the final held-out accuracy per
 * rule and setting. The robust rules' f is the attackers' count where their precondition allows it
 * (Krum n > 2f+2, Bulyan n >= 4f+3) and the largest allowed f otherwise; the table says which f ran.
 */
import { parseArgs } from "node:util";
import { ATTACKS, type Attack, trainWithAttack } from "../../client/fl/attacks.ts";
import { initTf } from "../../client/fl/backend.ts";
import { DIGITS_PATH, type Dataset, loadCsvDataset } from "../../client/fl/dataset.ts";
import { createMlp, type ModelSpec, weightsBytes, weightsOf } from "../../client/fl/model.ts";
import { holdOut, splitByLabelShards, splitIid } from "../../client/fl/split.ts";
import { accuracy } from "../../client/fl/train.ts";
import { aggregate } from "../../modules/fl/aggregation/aggregate.ts";
import type { AggregationRule } from "../../modules/fl/aggregation/types.ts";

const HELP = `pnpm bench:fl-quality [options]
  --rounds N      federated rounds per run (default 20)
  --trainers N    trainers (default 10)
  --attackers N   attackers in the attacked settings (default 3)
  --seed N        seed of the splits, initial weights and noise (default 1)
  --rules LIST    comma-separated subset of fedavg,median,trimmed_mean,krum,multikrum,bulyan
  --json          print the results as JSON too`;

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "20" },
    trainers: { type: "string", default: "10" },
    attackers: { type: "string", default: "3" },
    seed: { type: "string", default: "1" },
    rules: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const int = (name: string, v: string, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`Error: --${name} must be an integer in ${min}..${max}, got ${v}`);
    process.exit(2);
  }
  return n;
};
const ROUNDS = int("rounds", values.rounds!, 1, 1000);
const TRAINERS = int("trainers", values.trainers!, 2, 100);
const ATTACKERS = int("attackers", values.attackers!, 0, TRAINERS - 1);
const SEED = int("seed", values.seed!, 0, 2 ** 31);

/** The rule with the f this run uses: the attackers' count, capped by the rule's precondition. */
function rules(n: number, attackers: number): Record<string, AggregationRule> {
  const krumF = Math.max(0, Math.min(attackers, Math.floor((n - 3) / 2)));
  const bulyanF = Math.max(0, Math.min(attackers, Math.floor((n - 3) / 4)));
  return {
    fedavg: { kind: "fedavg" },
    median: { kind: "median" },
    trimmed_mean: { kind: "trimmed_mean", beta: Math.min(0.45, Math.max(0.1, attackers / n)) },
    krum: { kind: "krum", f: krumF },
    multikrum: { kind: "multikrum", f: krumF, m: n - krumF },
    bulyan: { kind: "bulyan", f: bulyanF },
  };
}
const ALL = Object.keys(rules(TRAINERS, ATTACKERS));
const RULES = values.rules ? values.rules.split(",") : ALL;
for (const r of RULES) {
  if (!ALL.includes(r)) {
    console.error(`Error: unknown rule ${r}; expected some of ${ALL.join(",")}`);
    process.exit(2);
  }
}

const describeRule = (r: AggregationRule) =>
  r.kind === "trimmed_mean"
    ? `beta=${r.beta}`
    : r.kind === "multikrum"
      ? `f=${r.f},m=${r.m}`
      : "f" in r
        ? `f=${r.f}`
        : "";

async function run(
  spec: ModelSpec,
  initial: Uint8Array,
  parts: Dataset[],
  test: Dataset,
  rule: AggregationRule,
  attack: Attack | undefined,
): Promise<number> {
  const { tf } = await initTf();
  let global = initial;
  for (let round = 0; round < ROUNDS; round++) {
    const updates = [];
    for (let t = 0; t < parts.length; t++) {
      const bad = attack !== undefined && t < ATTACKERS;
      const bytes = await trainWithAttack(
        tf,
        spec,
        global,
        parts[t]!,
        bad ? attack : undefined,
        SEED * 1000 + round * 100 + t,
      );
      // A trainer that sent non-finite weights would be excluded by the committee; keep it finite here.
      updates.push({
        id: `trainer-${String(t).padStart(3, "0")}`,
        samples: parts[t]!.count,
        layers: weightsOf(spec, bytes),
      });
    }
    global = weightsBytes(aggregate(updates, rule).layers);
  }
  return accuracy(tf, spec, global, test);
}

const { tf, backend } = await initTf();
const { train, test } = holdOut(loadCsvDataset(DIGITS_PATH), 0.2, SEED);
const { spec, weights } = await createMlp(tf, {
  inputs: train.features,
  hidden: [32],
  seed: SEED,
  training: { featureScale: 16, classes: 10, epochs: 1, batchSize: 16, learningRate: 0.1 },
});
console.log(
  `digits: ${train.count} training samples over ${TRAINERS} trainers, ${test.count} held out; ${ROUNDS} rounds of 1 local epoch; MLP 64-32-10; TensorFlow.js backend ${backend}`,
);

const settings: Array<{ split: "iid" | "non-iid"; attack: Attack | undefined }> = [];
for (const split of ["iid", "non-iid"] as const) {
  settings.push({ split, attack: undefined });
  if (ATTACKERS > 0) for (const attack of ATTACKS) settings.push({ split, attack });
}

const results: Array<{ split: string; attack: string; rule: string; params: string; accuracy: number }> = [];
const started = Date.now();
const header = [
  "split",
  "attack",
  ...RULES.map((r) => {
    const p = describeRule(rules(TRAINERS, ATTACKERS)[r]!);
    return p ? `${r} (${p})` : r;
  }),
];
const rows: string[][] = [];
for (const s of settings) {
  const parts =
    s.split === "iid" ? splitIid(train, TRAINERS, SEED) : splitByLabelShards(train, TRAINERS, SEED);
  const row = [s.split, s.attack ? `${s.attack} x${ATTACKERS}` : "none"];
  for (const name of RULES) {
    // A task sets f without knowing whether attackers will come: the same rule for every row.
    const rule = rules(TRAINERS, ATTACKERS)[name]!;
    const acc = await run(spec, weights, parts, test, rule, s.attack);
    results.push({ split: s.split, attack: row[1]!, rule: name, params: describeRule(rule), accuracy: acc });
    row.push(`${(acc * 100).toFixed(1)}%`);
    process.stderr.write(`  ${s.split} ${row[1]} ${name}: ${(acc * 100).toFixed(1)}%\n`);
  }
  rows.push(row);
}

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(
  `\nfinal held-out accuracy after ${ROUNDS} rounds (f = attackers where the rule allows, as in the header)`,
);
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
console.log(`\n${results.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (values.json) console.log(JSON.stringify(results, null, 2));
