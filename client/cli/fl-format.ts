/**
 * How the fl commands print tasks, rounds, stages, updates and participants. Text: readable fields
 * and tables, amounts in ucif and CIF. JSON: the records as the chain returns them (camelCase fields,
 * 64-bit integers as strings) with enums by name ("running", "median") instead of numbers.
 */
import {
  DisputeStatus,
  type EvalSet,
  type FlParamsWire,
  type Participant,
  PAYOUT_NAMES,
  type Payout,
  PRIVACY_NAMES,
  Privacy,
  ROOT_STAGE,
  RULE_NAMES,
  type Round,
  RoundStatus,
  type Rule,
  type RuleParams,
  type Stage,
  StageStatus,
  TASK_STATUS_NAMES,
  type Task,
  type TaskStatus,
  type Update,
} from "../../modules/fl/proto.ts";
import { formatTokens } from "./format.ts";

const lower = (s: string | undefined, n: number) => s?.toLowerCase() ?? String(n);
export const taskStatusName = (s: TaskStatus) => TASK_STATUS_NAMES[s] ?? String(s);
export const roundStatusName = (s: RoundStatus) => lower(RoundStatus[s], s);
export const stageStatusName = (s: StageStatus) => lower(StageStatus[s], s);
export const disputeStatusName = (s: DisputeStatus) => lower(DisputeStatus[s], s);
export const ruleName = (r: Rule) => RULE_NAMES[r] ?? String(r);
export const stageName = (index: number) => (index === ROOT_STAGE ? "root" : `subgroup ${index}`);
export const payoutName = (p: Payout) => PAYOUT_NAMES[p] ?? String(p);
export const privacyName = (p: Privacy) => PRIVACY_NAMES[p] ?? String(p);

/** An accuracy in millionths as a percentage: 912345 -> "91.23%". */
export const percentOfPpm = (ppm: number) => `${(ppm / 10_000).toFixed(2)}%`;
/** A score in millionths (trust, contribution; sums of them) as a decimal: 750000 -> "0.7500". */
export const fractionOfPpm = (ppm: number | bigint) => (Number(ppm) / 1_000_000).toFixed(4);

/** "2 validators: cifvaloper1a, cifvaloper1b"; more than 4 are cut after 3 (-o json lists them all). */
export function evaluatorsText(e: EvalSet): string {
  const n = e.wraps.length;
  const names = e.wraps.map((w) => w.validator);
  const shown = n <= 4 ? names.join(", ") : `${names.slice(0, 3).join(", ")} and ${n - 3} more`;
  return `${n} validator${n === 1 ? "" : "s"}: ${shown}`;
}

/** "median", "krum f=1", "multikrum f=1 m=3", "trimmed_mean beta=0.2". */
export function ruleText(rule: Rule, p: RuleParams | undefined): string {
  const parts = [ruleName(rule)];
  if (p?.f) parts.push(`f=${p.f}`);
  if (p?.m) parts.push(`m=${p.m}`);
  if (p?.betaPpm) parts.push(`beta=${p.betaPpm / 1_000_000}`);
  return parts.join(" ");
}

/** Rounds whose rewards were paid. */
export const roundsDone = (rounds: readonly Round[]) =>
  rounds.filter((r) => r.status === RoundStatus.Paid).length;

// ----- JSON -----------------------------------------------------------------------------------------

export const taskJson = (t: Task) => ({
  ...t,
  rule: ruleName(t.rule),
  status: taskStatusName(t.status),
  privacy: privacyName(t.privacy),
  payout: payoutName(t.payout),
});

export const stageJson = (s: Stage) => ({
  ...s,
  status: stageStatusName(s.status),
  dispute: s.dispute ? { ...s.dispute, status: disputeStatusName(s.dispute.status) } : undefined,
});

export const roundJson = (r: Round, stages: readonly Stage[]) => ({
  ...r,
  status: roundStatusName(r.status),
  stages: stages.map(stageJson),
});

export const paramsJson = (p: FlParamsWire) => p;

// ----- text -----------------------------------------------------------------------------------------

/**
 * How a stage's committee stands: "3/4" agreed once final, "-/4 (2 reported)" while aggregating.
 * Several stages (subgroups, then the root) are listed by name.
 */
export function agreementText(stages: readonly Stage[]): string {
  const one = (s: Stage) => {
    const size = s.committee.length;
    switch (s.status) {
      case StageStatus.Final:
        return `${s.agreed.length}/${size}`;
      case StageStatus.Aggregating:
        return `-/${size} (${s.reports.length} reported)`;
      case StageStatus.Waiting:
        return "waiting";
      default:
        return stageStatusName(s.status);
    }
  };
  if (stages.length === 0) return "-";
  if (stages.length === 1) return one(stages[0]!);
  return stages.map((s) => `${s.index === ROOT_STAGE ? "root" : `sg${s.index}`} ${one(s)}`).join(", ");
}

export const ROUND_HEADERS = [
  "ROUND",
  "STATUS",
  "UPDATES",
  "SAMPLES",
  "COMMITTEE",
  "ACCURACY",
  "GLOBAL MODEL",
  "PAID",
];

export function roundRow(r: Round, stages: readonly Stage[]): string[] {
  const paid = BigInt(r.paidTrainers || "0") + BigInt(r.paidCommittee || "0");
  return [
    String(r.round),
    roundStatusName(r.status),
    String(r.updateCount),
    r.totalSamples.toString(),
    agreementText(stages),
    r.evaluated ? percentOfPpm(r.globalAccuracyPpm) : "-",
    r.aggregateCid || "-",
    r.status === RoundStatus.Paid ? `${paid}ucif` : "-",
  ];
}

export function taskFields(t: Task, done?: number): Record<string, string> {
  return {
    task: t.id.toString(),
    owner: t.owner,
    status: taskStatusName(t.status),
    rule: ruleText(t.rule, t.ruleParams),
    ...(t.privacy !== Privacy.Plain
      ? { privacy: `${privacyName(t.privacy)} (public key ${t.ckksPublicKeyCid})` }
      : {}),
    payout: payoutName(t.payout),
    eval_set: t.evalSet ? `${t.evalSet.cid} (${t.evalSet.records} records)` : "none",
    ...(t.evalSet ? { evaluators: evaluatorsText(t.evalSet) } : {}),
    rounds: `${done ?? "?"}/${t.rounds} done${t.currentRound > 0 ? ` (current ${t.currentRound})` : ""}`,
    round_blocks: t.roundBlocks.toString(),
    participants: `${t.participantCount} (min ${t.minParticipants}, max ${t.maxParticipants})`,
    committee_size: String(t.committeeSize),
    subgroup_size: t.subgroupSize === 0 ? "0 (one group)" : String(t.subgroupSize),
    model: `${t.paramCount} float32 parameters (${t.updateBytes} bytes per update)`,
    genesis_weights: t.genesisWeightsCid,
    global_model: t.globalModelCid,
    reward_pool: formatTokens(t.rewardPool?.amount ?? "0"),
    escrow_left: formatTokens(t.escrow || "0"),
    paid: formatTokens(t.paid || "0"),
    refunded: formatTokens(t.refunded || "0"),
    join_bond:
      BigInt(t.joinBond || "0") > 0n
        ? `${formatTokens(t.joinBond)} per trainer, ${formatTokens(t.heldBonds || "0")} held`
        : "none",
    created_height: t.createdHeight.toString(),
    ...(t.endedHeight > 0n ? { ended_height: t.endedHeight.toString() } : {}),
  };
}

export const PARTICIPANT_HEADERS = ["PARTICIPANT", "JOINED", "UPDATES", "EARNED", "BOND", "CONTRIBUTION"];

export const participantRow = (p: Participant): string[] => [
  p.address,
  p.joinedHeight.toString(),
  String(p.updates),
  formatTokens(p.earned || "0"),
  BigInt(p.bond || "0") > 0n ? formatTokens(p.bond) : "-",
  p.contributionTotalPpm > 0n ? fractionOfPpm(p.contributionTotalPpm) : "-",
];

/** The committee's medians of an update (trust, accuracy, contribution), "-" until evaluated. */
const SCORE_HEADERS = ["TRUST", "ACCURACY", "CONTRIBUTION"];
const scoreCells = (u: Update): string[] =>
  u.evaluated
    ? [fractionOfPpm(u.trustPpm), percentOfPpm(u.accuracyPpm), fractionOfPpm(u.contributionPpm)]
    : ["-", "-", "-"];

export const UPDATE_HEADERS = ["PARTICIPANT", "CID", "SAMPLES", "HEIGHT", "SUBGROUP", ...SCORE_HEADERS];

export const updateRow = (u: Update): string[] => [
  u.participant,
  u.cid,
  u.samples.toString(),
  u.height.toString(),
  String(u.subgroup),
  ...scoreCells(u),
];

/** Whether a subgroup's committee left the update out of its aggregate. */
export const isExcluded = (u: Update, stages: readonly Stage[]) =>
  stages.some((s) => s.index === u.subgroup && s.index !== ROOT_STAGE && s.excluded.includes(u.participant));

/** `fl status`'s table of one round: an update per row, its scores, and what it earned. */
export const ROUND_UPDATE_HEADERS = [
  "PARTICIPANT",
  "SUBGROUP",
  "SAMPLES",
  ...SCORE_HEADERS,
  "ACCEPTED",
  "REWARD",
];

/** `reward`: what the round paid the participant, undefined while unpaid (or unknown). */
export const roundUpdateRow = (u: Update, stages: readonly Stage[], reward: bigint | undefined): string[] => [
  u.participant,
  String(u.subgroup),
  u.samples.toString(),
  ...scoreCells(u),
  isExcluded(u, stages) ? "excluded" : "yes",
  reward === undefined ? "-" : formatTokens(reward),
];

export const TASK_HEADERS = ["ID", "STATUS", "RULE", "ROUND", "PARTICIPANTS", "REWARD POOL", "OWNER"];

export const taskRow = (t: Task): string[] => [
  t.id.toString(),
  taskStatusName(t.status),
  ruleText(t.rule, t.ruleParams),
  `${t.currentRound}/${t.rounds}`,
  `${t.participantCount}/${t.maxParticipants}`,
  `${t.rewardPool?.amount ?? "0"}ucif`,
  t.owner,
];

/** One line per stage: committee, reports, result, dispute. */
export function stageLines(s: Stage): string[] {
  const lines = [
    `${stageName(s.index)}: ${stageStatusName(s.status)}, attempt ${s.attempt}, ${s.updateCount} updates, committee ${agreementText([s])}`,
  ];
  if (s.commitDeadline > 0n)
    lines.push(
      `  scores: ${s.commits.length} committed (until height ${s.commitDeadline}), ${s.reveals.length} revealed (until height ${s.revealDeadline})`,
    );
  for (const m of s.committee) {
    const report = s.reports.find((r) => r.validator === m.validator);
    const scored = s.evaluation?.evaluators.find((e) => e.validator === m.validator);
    const acts = [
      s.commits.some((c) => c.validator === m.validator) ? " committed" : "",
      s.reveals.some((r) => r.validator === m.validator) ? " revealed" : "",
      scored
        ? ` agreement ${fractionOfPpm(scored.agreementPpm)}${scored.withinTolerance ? "" : " (outside tolerance)"}`
        : "",
      report ? ` reported ${report.cid}` : "",
    ];
    lines.push(`  ${m.validator} power ${m.power}${acts.join("")}`);
  }
  if (s.evaluation)
    lines.push(
      `  evaluation: global accuracy ${percentOfPpm(s.evaluation.globalAccuracyPpm)}, reference norm ${(Number(s.evaluation.referenceNormNano) / 1e9).toFixed(4)}, ${s.evaluation.medians.length} updates scored`,
    );
  if (s.aggregateCid) lines.push(`  aggregate ${s.aggregateCid}`);
  if (s.excluded.length > 0) lines.push(`  excluded ${s.excluded.join(", ")}`);
  if (s.dispute && s.dispute.status !== DisputeStatus.None)
    lines.push(`  dispute ${disputeStatusName(s.dispute.status)} (opened by ${s.dispute.opener})`);
  return lines;
}
