/**
 * How the fl commands print tasks, rounds, stages, updates and participants. Text: readable fields
 * and tables, amounts in ucif and CIF. JSON: the records as the chain returns them (camelCase fields,
 * 64-bit integers as strings) with enums by name ("running", "median") instead of numbers.
 */
import {
  DisputeStatus,
  type FlParamsWire,
  type Participant,
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

export const taskJson = (t: Task) => ({ ...t, rule: ruleName(t.rule), status: taskStatusName(t.status) });

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

export const ROUND_HEADERS = ["ROUND", "STATUS", "UPDATES", "SAMPLES", "COMMITTEE", "GLOBAL MODEL", "PAID"];

export function roundRow(r: Round, stages: readonly Stage[]): string[] {
  const paid = BigInt(r.paidTrainers || "0") + BigInt(r.paidCommittee || "0");
  return [
    String(r.round),
    roundStatusName(r.status),
    String(r.updateCount),
    r.totalSamples.toString(),
    agreementText(stages),
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
    created_height: t.createdHeight.toString(),
    ...(t.endedHeight > 0n ? { ended_height: t.endedHeight.toString() } : {}),
  };
}

export const PARTICIPANT_HEADERS = ["PARTICIPANT", "JOINED", "UPDATES", "EARNED"];

export const participantRow = (p: Participant): string[] => [
  p.address,
  p.joinedHeight.toString(),
  String(p.updates),
  formatTokens(p.earned || "0"),
];

export const UPDATE_HEADERS = ["PARTICIPANT", "CID", "SAMPLES", "HEIGHT", "SUBGROUP"];

export const updateRow = (u: Update): string[] => [
  u.participant,
  u.cid,
  u.samples.toString(),
  u.height.toString(),
  String(u.subgroup),
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
  for (const m of s.committee) {
    const report = s.reports.find((r) => r.validator === m.validator);
    lines.push(`  ${m.validator} power ${m.power}${report ? ` reported ${report.cid}` : ""}`);
  }
  if (s.aggregateCid) lines.push(`  aggregate ${s.aggregateCid}`);
  if (s.excluded.length > 0) lines.push(`  excluded ${s.excluded.join(", ")}`);
  if (s.dispute && s.dispute.status !== DisputeStatus.None)
    lines.push(`  dispute ${disputeStatusName(s.dispute.status)} (opened by ${s.dispute.opener})`);
  return lines;
}
