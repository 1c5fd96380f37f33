import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { accountOf, valBytes } from "../staking/store.ts";
import { amount, amountString } from "./amounts.ts";
import type { Tally } from "./agreement.ts";
import { currentEligible, sampleCommittee, type WeightedValidator } from "./committee.ts";
import { disputeInconclusive } from "./dispute.ts";
import type { FlKeeper } from "./keeper.ts";
import type { FlParams } from "./params.ts";
import { closeCommits, settleEvaluation } from "./evaluation.ts";
import { medianInt } from "./scoring/median.ts";
import {
  DisputeStatus,
  Payout,
  Privacy,
  ROOT_STAGE,
  type Round,
  RoundStatus,
  type Stage,
  StageStatus,
  type Task,
  TaskStatus,
} from "./proto.ts";
import { roundBudget, splitRound } from "./rewards.ts";
import { SeededRng, seedOf, splitSubgroups } from "./sampling.ts";

// The round lifecycle (issue #5): COLLECTING from start to deadline; at the deadline the updaters are
// split into subgroups, each aggregated by a committee (AGGREGATING), then a root stage combines
// several subgroups; when the round's result is agreed it is FINAL and a dispute window opens; when
// the window closes with no open dispute the round is PAID and the next one starts.
//
// Deadlines are handled in BeginBlock of the deadline height (module.ts): before any tx of that
// height, so a tx at height >= deadline always sees the next state, and a committee drawn there can
// report in the same block. Finality happens in the tx that brings the > 2/3 agreement.

/** The block hash the seeds of this height derive from (empty before the first block). */
export const lastBlockHash = (ctx: Context) => ctx.block.lastBlockHash ?? new Uint8Array();

export const stageName = (index: number) => (index === ROOT_STAGE ? "root" : index.toString());

const members = (s: { committee: { validator: string }[] }) => s.committee.map((m) => m.validator).join(",");

const STAGE_PHASE: Partial<Record<StageStatus, string>> = {
  [StageStatus.Committing]: "committing",
  [StageStatus.Revealing]: "revealing",
  [StageStatus.Aggregating]: "aggregating",
};

/** A CKKS round whose rewards are paid but whose decrypted model the owner has not published yet. */
export const awaitingModel = (t: Task, r: Round) =>
  t.privacy === Privacy.Ckks && r.status === RoundStatus.Paid && r.modelCid === "";

/** Round n begins now: collection until now + round_blocks. The caller stores the task. */
export async function startRound(ctx: Context, k: FlKeeper, t: Task, n: number): Promise<void> {
  const h = ctx.block.height;
  const r: Round = {
    taskId: t.id,
    round: n,
    status: RoundStatus.Collecting,
    startHeight: h,
    deadline: h + t.roundBlocks,
    extensions: 0,
    updateCount: 0,
    totalSamples: 0n,
    subgroupCount: 0,
    finalHeight: 0n,
    disputeEnd: 0n,
    aggregateCid: "",
    aggregateHash: "",
    budget: roundBudget(amount(t.rewardPool!.amount), t.rounds, n).toString(),
    paidTrainers: "0",
    paidCommittee: "0",
    evaluated: false,
    globalAccuracyPpm: 0,
    modelCid: "",
    modelHash: "",
    publishDeadline: 0n,
    evalSeed: new Uint8Array(),
  };
  k.store.setRound(ctx, r);
  t.status = TaskStatus.Running;
  t.currentRound = n;
  k.store.schedule(ctx, t, r.deadline);
  ctx.events.emit(
    event("fl_round_started", [
      ["task_id", t.id.toString()],
      ["round", n.toString()],
      ["deadline", r.deadline.toString()],
      ["budget", r.budget],
      ["model_cid", t.globalModelCid],
    ]),
  );
}

/** BeginBlock work for a task whose wake-up height came: whatever deadlines have passed. */
export async function tick(ctx: Context, k: FlKeeper, t: Task): Promise<void> {
  if (t.status === TaskStatus.Running) {
    const h = ctx.block.height;
    const r = await k.roundOf(ctx, t, t.currentRound);
    if (r.status === RoundStatus.Collecting && h >= r.deadline) await closeCollection(ctx, k, t, r);
    if (r.status === RoundStatus.Aggregating || r.status === RoundStatus.Final) {
      for (const { index } of await k.stages(ctx, t, r.round)) {
        if (t.status !== TaskStatus.Running) break;
        // Read afresh: an earlier stage's step may have restarted this one (a root after a dispute).
        const s = (await k.store.stage(ctx, t.id, r.round, index))!;
        if (s.dispute?.status === DisputeStatus.Open && h >= s.dispute.deadline)
          await disputeInconclusive(ctx, k, t, s, true);
        if (s.status === StageStatus.Committing && h >= s.commitDeadline) await closeCommits(ctx, k, t, r, s);
        else if (s.status === StageStatus.Revealing && h >= s.revealDeadline)
          await settleEvaluation(ctx, k, t, r, s);
        else if (s.status === StageStatus.Aggregating && h >= s.aggregateDeadline)
          await failAttempt(ctx, k, t, r, s);
      }
    }
    if (
      t.status === TaskStatus.Running &&
      r.status === RoundStatus.Final &&
      h >= r.disputeEnd &&
      !(await hasOpenDispute(ctx, k, t, r))
    )
      await closeRound(ctx, k, t, r);
    if (t.status === TaskStatus.Running && awaitingModel(t, r) && h >= r.publishDeadline)
      await failTask(
        ctx,
        k,
        t,
        `the owner did not publish the decrypted model of round ${r.round} by ${r.publishDeadline}`,
      );
  }
  await reschedule(ctx, k, t);
  k.store.setTask(ctx, t);
}

async function hasOpenDispute(ctx: Context, k: FlKeeper, t: Task, r: Round): Promise<boolean> {
  return (await k.stages(ctx, t, r.round)).some((s) => s.dispute?.status === DisputeStatus.Open);
}

const newStage = (t: Task, r: Round, index: number, updates: number, samples: bigint): Stage => ({
  taskId: t.id,
  round: r.round,
  index,
  status: StageStatus.Waiting,
  attempt: 0,
  committee: [],
  aggregateDeadline: 0n,
  reports: [],
  updateCount: updates,
  samples,
  aggregateCid: "",
  aggregateHash: "",
  excluded: [],
  acceptedSamples: 0n,
  agreed: [],
  finalHeight: 0n,
  dispute: undefined,
  commitDeadline: 0n,
  revealDeadline: 0n,
  commits: [],
  reveals: [],
  evaluation: undefined,
});

/**
 * The collection deadline: too few updates extend the collection by another round length (a bounded
 * number of times, then the task fails); enough are split into subgroups, each with a committee.
 */
async function closeCollection(ctx: Context, k: FlKeeper, t: Task, r: Round): Promise<void> {
  const p = await k.params(ctx);
  if (r.updateCount < t.minParticipants) {
    if (r.extensions >= p.maxExtensions) {
      await failTask(
        ctx,
        k,
        t,
        `round ${r.round} collected ${r.updateCount} updates after ${r.extensions} extensions, ${t.minParticipants} needed`,
      );
      return;
    }
    r.extensions++;
    r.deadline += t.roundBlocks;
    k.store.setRound(ctx, r);
    ctx.events.emit(
      event("fl_collection_extended", [
        ["task_id", t.id.toString()],
        ["round", r.round.toString()],
        ["updates", r.updateCount.toString()],
        ["deadline", r.deadline.toString()],
      ]),
    );
    return;
  }
  const updates = await k.store.updates(ctx, t.id, r.round);
  const rng = new SeededRng(seedOf(lastBlockHash(ctx), t.id, r.round, 0, 0, "split"));
  const groups = splitSubgroups(
    updates.map((u) => u.participant),
    t.subgroupSize,
    t.minParticipants,
    rng,
  );
  r.status = RoundStatus.Aggregating;
  r.subgroupCount = groups.length;
  if (t.evalSet) r.evalSeed = seedOf(lastBlockHash(ctx), t.id, r.round, 0, 0, "eval");
  k.store.setRound(ctx, r);
  ctx.events.emit(
    event("fl_collection_closed", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["updates", r.updateCount.toString()],
      ["samples", r.totalSamples.toString()],
      ["subgroups", groups.length.toString()],
    ]),
  );
  const byAddress = new Map(updates.map((u) => [u.participant, u]));
  const eligible = await currentEligible(ctx, k.staking, k.reputation);
  for (const [i, group] of groups.entries()) {
    let samples = 0n;
    for (const a of group) {
      const u = byAddress.get(a)!;
      samples += u.samples;
      // Updates start in subgroup 0: only the others are written again.
      if (i !== 0) k.store.setUpdate(ctx, { ...u, subgroup: i });
    }
    await startAttempt(ctx, k, t, r, newStage(t, r, i, group.length, samples), eligible, p);
  }
  if (groups.length > 1) k.store.setStage(ctx, newStage(t, r, ROOT_STAGE, groups.length, 0n));
}

/** A new committee for a stage: attempt + 1, drawn with that attempt's seed. */
export async function startAttempt(
  ctx: Context,
  k: FlKeeper,
  t: Task,
  r: Round,
  s: Stage,
  eligible: readonly WeightedValidator[],
  p: FlParams,
): Promise<void> {
  s.attempt++;
  const rng = new SeededRng(seedOf(lastBlockHash(ctx), t.id, r.round, s.attempt, s.index, "committee"));
  // A subgroup of an evaluated task is first scored, by validators that can read the eval set.
  const evaluates = t.evalSet !== undefined && s.index !== ROOT_STAGE;
  const readers = new Set(t.evalSet?.wraps.map((w) => w.validator));
  s.committee = sampleCommittee(
    evaluates ? eligible.filter((v) => readers.has(v.id)) : eligible,
    t.committeeSize,
    rng,
  );
  s.reports = [];
  s.commits = [];
  s.reveals = [];
  s.evaluation = undefined;
  s.revealDeadline = 0n;
  if (evaluates) {
    s.status = StageStatus.Committing;
    s.commitDeadline = ctx.block.height + p.commitBlocks;
    s.aggregateDeadline = 0n;
  } else {
    s.status = StageStatus.Aggregating;
    s.commitDeadline = 0n;
    s.aggregateDeadline = ctx.block.height + p.aggregateBlocks;
  }
  k.store.setStage(ctx, s);
  ctx.events.emit(
    event("fl_committee_selected", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["subgroup", stageName(s.index)],
      ["attempt", s.attempt.toString()],
      ["committee", members(s)],
      ["commit_deadline", s.commitDeadline.toString()],
      ["aggregate_deadline", s.aggregateDeadline.toString()],
    ]),
  );
}

/** The members that did their part of the stage's current phase: committed, revealed or reported. */
function active(s: Stage): Set<string> {
  if (s.status === StageStatus.Committing) return new Set(s.commits.map((x) => x.validator));
  if (s.status === StageStatus.Revealing) return new Set(s.reveals.map((x) => x.validator));
  return new Set(s.reports.map((x) => x.validator));
}

/**
 * No agreement by the aggregate deadline, or too few score commitments or reveals: members that
 * stayed silent in the phase lose reputation (the ones that reported cannot be told apart yet), and
 * a new committee tries, up to max_attempts.
 */
export async function failAttempt(ctx: Context, k: FlKeeper, t: Task, r: Round, s: Stage): Promise<void> {
  const acted = active(s);
  for (const m of s.committee)
    if (!acted.has(m.validator)) await k.reputation.observe(ctx, m.validator, "fl-disagreed");
  ctx.events.emit(
    event("fl_attempt_failed", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["subgroup", stageName(s.index)],
      ["attempt", s.attempt.toString()],
      ["phase", STAGE_PHASE[s.status] ?? "aggregating"],
      ["reports", acted.size.toString()],
    ]),
  );
  const p = await k.params(ctx);
  if (s.attempt >= p.maxAttempts) {
    s.status = StageStatus.Failed;
    k.store.setStage(ctx, s);
    await failTask(
      ctx,
      k,
      t,
      `subgroup ${stageName(s.index)} of round ${r.round}: no agreement in ${s.attempt} attempts`,
    );
    return;
  }
  await startAttempt(ctx, k, t, r, s, await currentEligible(ctx, k.staking, k.reputation), p);
}

/** Samples of a stage's updates that the aggregate used. */
async function acceptedSamples(
  ctx: Context,
  k: FlKeeper,
  t: Task,
  s: Stage,
  excluded: string[],
): Promise<bigint> {
  let out = s.samples;
  for (const a of excluded) out -= (await k.store.update(ctx, t.id, s.round, a))!.samples;
  return out;
}

/** Sets a stage's result (at finality, or when a dispute replaces it). */
export async function setStageResult(
  ctx: Context,
  k: FlKeeper,
  t: Task,
  s: Stage,
  winner: { cid: string; hash: string; excluded: string[] },
  agreed: string[],
): Promise<void> {
  s.aggregateCid = winner.cid;
  s.aggregateHash = winner.hash;
  s.excluded = [...winner.excluded];
  s.acceptedSamples = await acceptedSamples(ctx, k, t, s, s.excluded);
  s.agreed = agreed;
}

/**
 * > 2/3 of a stage's committee agree: its result is recorded, agreeing members observe "fl-agreed",
 * every other member (a different report, or none yet) "fl-disagreed"; then the round moves on.
 */
export async function finalizeStage(
  ctx: Context,
  k: FlKeeper,
  t: Task,
  r: Round,
  s: Stage,
  tl: Tally,
): Promise<void> {
  await setStageResult(ctx, k, t, s, tl.winner!, tl.agreed);
  s.status = StageStatus.Final;
  s.finalHeight = ctx.block.height;
  k.store.setStage(ctx, s);
  const agreed = new Set(tl.agreed);
  for (const m of s.committee)
    await k.reputation.observe(ctx, m.validator, agreed.has(m.validator) ? "fl-agreed" : "fl-disagreed");
  ctx.events.emit(
    event("fl_stage_final", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["subgroup", stageName(s.index)],
      ["attempt", s.attempt.toString()],
      ["cid", s.aggregateCid],
      ["hash", s.aggregateHash],
      ["excluded", s.excluded.join(",")],
      ["agreed", tl.agreed.join(",")],
    ]),
  );
  await advanceRound(ctx, k, t, r);
}

/**
 * After a stage's result changed: once every subgroup is final, the root stage starts (several
 * subgroups: a committee combines their aggregates, weighted by accepted samples); once the round's
 * result (the root's, or the single subgroup's) is final, the round is FINAL and its dispute window
 * opens. A root whose inputs changed (a dispute replaced a subgroup's aggregate) starts over.
 */
export async function advanceRound(ctx: Context, k: FlKeeper, t: Task, r: Round, restartRoot = false) {
  const stages = await k.stages(ctx, t, r.round);
  const subgroups = stages.filter((s) => s.index !== ROOT_STAGE);
  const root = stages.find((s) => s.index === ROOT_STAGE);
  if (!subgroups.every((s) => s.status === StageStatus.Final)) return;
  const p = await k.params(ctx);
  if (root && (root.status === StageStatus.Waiting || restartRoot)) {
    if (root.dispute?.status === DisputeStatus.Open) await disputeInconclusive(ctx, k, t, root);
    root.samples = subgroups.reduce((sum, s) => sum + s.acceptedSamples, 0n);
    root.dispute = undefined;
    root.excluded = [];
    root.agreed = [];
    root.aggregateCid = "";
    root.aggregateHash = "";
    root.finalHeight = 0n;
    if (r.status === RoundStatus.Final) {
      r.status = RoundStatus.Aggregating;
      r.finalHeight = 0n;
      r.disputeEnd = 0n;
      r.aggregateCid = "";
      r.aggregateHash = "";
      k.store.setRound(ctx, r);
    }
    await startAttempt(ctx, k, t, r, root, await currentEligible(ctx, k.staking, k.reputation), p);
    return;
  }
  const result = root ?? subgroups[0]!;
  if (result.status !== StageStatus.Final) return;
  r.aggregateCid = result.aggregateCid;
  r.aggregateHash = result.aggregateHash;
  if (r.status !== RoundStatus.Final) {
    r.status = RoundStatus.Final;
    r.finalHeight = ctx.block.height;
    r.disputeEnd = ctx.block.height + p.disputeBlocks;
    ctx.events.emit(
      event("fl_round_final", [
        ["task_id", t.id.toString()],
        ["round", r.round.toString()],
        ["cid", r.aggregateCid],
        ["hash", r.aggregateHash],
        ["dispute_end", r.disputeEnd.toString()],
      ]),
    );
  }
  k.store.setRound(ctx, r);
}

/**
 * The dispute window closed with no open dispute: the round's budget is paid (committee fee to the
 * agreeing members, the rest to trainers by accepted samples), its model becomes the task's global
 * model, and the next round starts, or the task finishes and the escrow left returns to the owner.
 */
async function closeRound(ctx: Context, k: FlKeeper, t: Task, r: Round): Promise<void> {
  const p = await k.params(ctx);
  const stages = await k.stages(ctx, t, r.round);
  const excluded = new Map(
    stages.filter((s) => s.index !== ROOT_STAGE).map((s) => [s.index, new Set(s.excluded)]),
  );
  const accepted = (await k.store.updates(ctx, t.id, r.round)).filter(
    (u) => !excluded.get(u.subgroup)?.has(u.participant),
  );
  const byContribution = t.payout === Payout.Contribution;
  const trainers = accepted.map((u) => ({
    address: u.participant,
    weight: byContribution ? BigInt(u.contributionPpm) : u.samples,
  }));
  const evaluations = stages.flatMap((s) => (s.evaluation ? [s.evaluation.globalAccuracyPpm] : []));
  if (evaluations.length > 0) {
    r.evaluated = true;
    r.globalAccuracyPpm = medianInt(evaluations);
  }
  for (const u of accepted) {
    if (u.contributionPpm === 0) continue;
    const who = (await k.store.participant(ctx, t.id, u.participant))!;
    k.store.setParticipant(ctx, {
      ...who,
      contributionTotalPpm: who.contributionTotalPpm + BigInt(u.contributionPpm),
    });
  }
  const split = splitRound(
    amount(r.budget),
    p.committeeFeePpm,
    stages.flatMap((s) => s.agreed),
    trainers,
  );
  const reward = (recipient: string, value: bigint, role: string) =>
    event("fl_reward", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["role", role],
      ["recipient", recipient],
      ["amount", value.toString()],
    ]);
  let committee = 0n;
  for (const c of split.committee) {
    await k.payFromEscrow(ctx, t, accountOf(valBytes(c.address)), c.amount);
    committee += c.amount;
    ctx.events.emit(reward(accountOf(valBytes(c.address)), c.amount, "committee"));
  }
  let trainersPaid = 0n;
  for (const tr of split.trainers) {
    await k.payFromEscrow(ctx, t, tr.address, tr.amount);
    trainersPaid += tr.amount;
    const who = (await k.store.participant(ctx, t.id, tr.address))!;
    k.store.setParticipant(ctx, { ...who, earned: amountString(amount(who.earned) + tr.amount) });
    ctx.events.emit(reward(tr.address, tr.amount, "trainer"));
  }
  r.paidCommittee = committee.toString();
  r.paidTrainers = trainersPaid.toString();
  r.status = RoundStatus.Paid;
  if (t.privacy === Privacy.Ckks) r.publishDeadline = ctx.block.height + p.publishBlocks;
  k.store.setRound(ctx, r);
  ctx.events.emit(
    event("fl_round_paid", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["model_cid", r.aggregateCid],
      ["budget", r.budget],
      ["committee", committee.toString()],
      ["trainers", trainersPaid.toString()],
      ["global_accuracy_ppm", r.evaluated ? r.globalAccuracyPpm.toString() : ""],
    ]),
  );
  // A CKKS round's aggregate is a ciphertext sum: the task moves on once the owner publishes the
  // decrypted model (publish.ts).
  if (t.privacy === Privacy.Ckks) return;
  await nextRound(ctx, k, t, r, r.aggregateCid);
}

/**
 * The round's model becomes the task's global model, and the next round starts, or the task
 * finishes: the escrow left returns to the owner and the join bonds are settled.
 */
export async function nextRound(
  ctx: Context,
  k: FlKeeper,
  t: Task,
  r: Round,
  modelCid: string,
): Promise<void> {
  t.globalModelCid = modelCid;
  if (r.round < t.rounds) {
    await startRound(ctx, k, t, r.round + 1);
    return;
  }
  const refunded = await k.refundEscrow(ctx, t);
  await k.settleBonds(ctx, t, true);
  t.status = TaskStatus.Finished;
  t.endedHeight = ctx.block.height;
  ctx.events.emit(
    event("fl_task_finished", [
      ["task_id", t.id.toString()],
      ["model_cid", t.globalModelCid],
      ["paid", t.paid],
      ["refunded", refunded.toString()],
    ]),
  );
}

/** The current round ends unpaid (the task failed or was cancelled): open disputes' deposits go back. */
export async function endRound(ctx: Context, k: FlKeeper, t: Task, status: RoundStatus): Promise<void> {
  if (t.currentRound === 0) return;
  const r = await k.roundOf(ctx, t, t.currentRound);
  if (r.status === RoundStatus.Paid) return;
  r.status = status;
  k.store.setRound(ctx, r);
  for (const s of await k.stages(ctx, t, r.round))
    if (s.dispute?.status === DisputeStatus.Open) await disputeInconclusive(ctx, k, t, s);
}

/** The task cannot go on: the current round is abandoned and the escrow left returns to the owner. */
export async function failTask(ctx: Context, k: FlKeeper, t: Task, reason: string): Promise<void> {
  await endRound(ctx, k, t, RoundStatus.Failed);
  const refunded = await k.refundEscrow(ctx, t);
  await k.settleBonds(ctx, t, false);
  t.status = TaskStatus.Failed;
  t.endedHeight = ctx.block.height;
  ctx.events.emit(
    event("fl_task_failed", [
      ["task_id", t.id.toString()],
      ["round", t.currentRound.toString()],
      ["reason", reason],
      ["refunded", refunded.toString()],
    ]),
  );
}

/**
 * The task's next wake-up: the earliest deadline still ahead (collection, a stage's aggregation, a
 * dispute, the dispute window), never this block or earlier. The caller stores the task.
 */
export async function reschedule(ctx: Context, k: FlKeeper, t: Task): Promise<void> {
  if (t.status !== TaskStatus.Running) {
    k.store.schedule(ctx, t, 0n);
    return;
  }
  const r = await k.roundOf(ctx, t, t.currentRound);
  let next: bigint | undefined;
  const consider = (h: bigint) => {
    if (next === undefined || h < next) next = h;
  };
  if (r.status === RoundStatus.Collecting) consider(r.deadline);
  else if (awaitingModel(t, r)) consider(r.publishDeadline);
  else {
    let open = false;
    for (const s of await k.stages(ctx, t, r.round)) {
      if (s.status === StageStatus.Committing) consider(s.commitDeadline);
      if (s.status === StageStatus.Revealing) consider(s.revealDeadline);
      if (s.status === StageStatus.Aggregating) consider(s.aggregateDeadline);
      if (s.dispute?.status === DisputeStatus.Open) {
        open = true;
        consider(s.dispute.deadline);
      }
    }
    if (r.status === RoundStatus.Final && !open) consider(r.disputeEnd);
  }
  if (next !== undefined && next <= ctx.block.height) next = ctx.block.height + 1n;
  k.store.schedule(ctx, t, next ?? 0n);
}
