import {
  DisputeStatus,
  ROOT_STAGE,
  type Round,
  RoundStatus,
  type Stage,
  StageStatus,
  type Task,
  TaskStatus,
} from "../proto.ts";

/** One report this validator owes: a stage's aggregate at an attempt, or a dispute's recomputation. */
export interface StageJob {
  taskId: bigint;
  round: number;
  /** Subgroup index, or ROOT_STAGE. */
  stage: number;
  /** The stage's attempt (a dispute recomputes the attempt that was finalized). */
  attempt: number;
  dispute: boolean;
  /** Reports are accepted while the block height is below this. */
  deadline: bigint;
  /** Members of the committee reporting (the gas of the report that completes its agreement grows with it). */
  committeeSize: number;
}

/** Identifies a job across scans: the same key never needs two reports. */
export const jobKey = (j: StageJob) =>
  `${j.taskId}/${j.round}/${j.stage === ROOT_STAGE ? "root" : j.stage}/${j.attempt}${j.dispute ? "/dispute" : ""}`;

/**
 * The reports `validator` (cifvaloper...) owes in a task's current round, seen at committed height
 * `height` (its tx can land at height + 1 at the earliest, so a deadline at height + 1 is already
 * too late): every stage aggregating with it on the committee and no report of its own yet, and
 * every open dispute with it on the dispute committee and no dispute report yet. A root stage is a
 * job like any other (its inputs are the final subgroup aggregates). Pure.
 */
export function jobsFor(o: {
  task: Task;
  round: Round;
  stages: readonly Stage[];
  validator: string;
  height: bigint;
}): StageJob[] {
  const { task, round, validator } = o;
  if (task.status !== TaskStatus.Running || round.round !== task.currentRound) return [];
  if (round.status !== RoundStatus.Aggregating && round.status !== RoundStatus.Final) return [];
  const open = (deadline: bigint) => o.height + 1n < deadline;
  const jobs: StageJob[] = [];
  const base = { taskId: task.id, round: round.round };
  for (const s of o.stages) {
    if (
      s.status === StageStatus.Aggregating &&
      open(s.aggregateDeadline) &&
      s.committee.some((m) => m.validator === validator) &&
      !s.reports.some((r) => r.validator === validator)
    )
      jobs.push({
        ...base,
        stage: s.index,
        attempt: s.attempt,
        dispute: false,
        deadline: s.aggregateDeadline,
        committeeSize: s.committee.length,
      });
    const d = s.dispute;
    if (
      d?.status === DisputeStatus.Open &&
      s.status === StageStatus.Final &&
      open(d.deadline) &&
      d.committee.some((m) => m.validator === validator) &&
      !d.reports.some((r) => r.validator === validator)
    )
      jobs.push({
        ...base,
        stage: s.index,
        attempt: s.attempt,
        dispute: true,
        deadline: d.deadline,
        committeeSize: d.committee.length,
      });
  }
  return jobs;
}

/** The subgroup stages a root aggregates, in subgroup order; undefined unless all are final. */
export function rootInputsOf(stages: readonly Stage[]): Stage[] | undefined {
  const subgroups = stages.filter((s) => s.index !== ROOT_STAGE).sort((a, b) => a.index - b.index);
  if (subgroups.length === 0 || subgroups.some((s) => s.status !== StageStatus.Final || !s.aggregateCid))
    return undefined;
  return subgroups;
}

/** A score commitment or reveal this validator owes for an evaluated stage. */
export interface ScoreJob {
  taskId: bigint;
  round: number;
  stage: number;
  attempt: number;
  phase: "commit" | "reveal";
  /** The phase's deadline: the tx must land below it. */
  deadline: bigint;
}

export const scoreJobKey = (j: ScoreJob) => `${j.taskId}/${j.round}/${j.stage}/${j.attempt}/${j.phase}`;

/**
 * The score commitments and reveals `validator` owes in a task's current round at committed height
 * `height`: each committing stage with it on the committee and no commitment of its own, and each
 * revealing stage where it committed and has not revealed. Pure.
 */
export function scoreJobsFor(o: {
  task: Task;
  round: Round;
  stages: readonly Stage[];
  validator: string;
  height: bigint;
}): ScoreJob[] {
  const { task, round, validator } = o;
  if (task.status !== TaskStatus.Running || round.round !== task.currentRound || !task.evalSet) return [];
  const open = (deadline: bigint) => o.height + 1n < deadline;
  const base = { taskId: task.id, round: round.round };
  const jobs: ScoreJob[] = [];
  for (const s of o.stages) {
    if (!s.committee.some((m) => m.validator === validator)) continue;
    const committed = s.commits.some((c) => c.validator === validator);
    if (s.status === StageStatus.Committing && !committed && open(s.commitDeadline))
      jobs.push({ ...base, stage: s.index, attempt: s.attempt, phase: "commit", deadline: s.commitDeadline });
    if (
      s.status === StageStatus.Revealing &&
      committed &&
      !s.reveals.some((r) => r.validator === validator) &&
      open(s.revealDeadline)
    )
      jobs.push({ ...base, stage: s.index, attempt: s.attempt, phase: "reveal", deadline: s.revealDeadline });
  }
  return jobs;
}
