import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { accountOf, valBytes } from "../staking/store.ts";
import { isSupermajority } from "./agreement.ts";
import { FlCode, flError } from "./errors.ts";
import type { FlKeeper } from "./keeper.ts";
import {
  type Evaluation,
  type MsgCommitScores,
  type MsgRevealScores,
  type Round,
  type ScoreSheet,
  type Stage,
  StageStatus,
  type Task,
} from "./proto.ts";
import { failAttempt, reschedule, stageName } from "./rounds.ts";
import { checkSheet, SALT_BYTES, scoreCommitment } from "./score-commit.ts";
import { blockflow } from "./scoring/blockflow.ts";
import { medianBig, medianInt } from "./scoring/median.ts";
import { checkMember, loadStage } from "./stage-access.ts";

// The committee's evaluation of a subgroup's updates (issue #6, DESIGN section 8.5), for tasks with
// an eval set. Each member decrypts the round's split of the owner's data, scores every update
// (trust: relu(cosine) of its change against the member's reference update; accuracy on the test
// split) and the round's starting model, then:
// 1. COMMITTING: sends sha256 of its sheet and a secret salt (score-commit.ts), until every member
//    has or commit_blocks pass; fewer than > 2/3 of the committee committing fails the attempt;
// 2. REVEALING: sends the sheet and salt, until every committer has or reveal_blocks pass. A reveal
//    that does not match its commitment, or comes late, is refused: the member counts as silent.
//    Fewer than > 2/3 of the committee revealing fails the attempt;
// 3. the chain takes the medians (per update, the reference norm, the global accuracy), BlockFlow
//    contributions (scoring/blockflow.ts) with the trust scores as s[a,k], and the stage goes on to
//    AGGREGATING with the same committee. Silent members and revealers further than
//    score_tolerance_ppm from a median observe "fl-disagreed".
// Medians make the result independent of any minority, and of the small differences between
// honest members' floats (they need not train their references to the same bits).

/** MsgCommitScores: one commitment per member per attempt, while the stage is committing. */
export async function commitScores(ctx: Context, k: FlKeeper, m: MsgCommitScores): Promise<void> {
  const { t, r, s, validator } = await loadStage(ctx, k, m);
  if (s.status !== StageStatus.Committing || ctx.block.height >= s.commitDeadline)
    throw flError(
      FlCode.NotEvaluating,
      `subgroup ${stageName(s.index)} of round ${r.round} is not taking score commitments`,
    );
  checkMember(s, validator, m.attempt);
  if (m.commitment.length !== 32)
    throw flError(FlCode.InvalidScores, `a commitment is a 32-byte sha256, got ${m.commitment.length} bytes`);
  if (s.commits.some((c) => c.validator === validator))
    throw flError(FlCode.DuplicateSubmission, `${validator} already committed for attempt ${s.attempt}`);
  s.commits.push({ validator, commitment: m.commitment, height: ctx.block.height });
  k.store.setStage(ctx, s);
  ctx.events.emit(
    event("fl_scores_committed", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["subgroup", stageName(s.index)],
      ["attempt", s.attempt.toString()],
      ["validator", validator],
    ]),
  );
  if (s.commits.length === s.committee.length) await closeCommits(ctx, k, t, r, s);
  await reschedule(ctx, k, t);
  k.store.setTask(ctx, t);
}

/** MsgRevealScores: the sheet and salt behind the member's commitment, while the stage reveals. */
export async function revealScores(ctx: Context, k: FlKeeper, m: MsgRevealScores): Promise<void> {
  const { t, r, s, validator } = await loadStage(ctx, k, m);
  if (s.status !== StageStatus.Revealing || ctx.block.height >= s.revealDeadline)
    throw flError(
      FlCode.NotEvaluating,
      `subgroup ${stageName(s.index)} of round ${r.round} is not taking score reveals`,
    );
  checkMember(s, validator, m.attempt);
  const commit = s.commits.find((c) => c.validator === validator);
  if (!commit)
    throw flError(FlCode.NotCommitted, `${validator} committed no scores for attempt ${s.attempt}`);
  if (s.reveals.some((x) => x.validator === validator))
    throw flError(FlCode.DuplicateSubmission, `${validator} already revealed for attempt ${s.attempt}`);
  if (m.salt.length !== SALT_BYTES)
    throw flError(FlCode.InvalidScores, `the salt is ${SALT_BYTES} bytes, got ${m.salt.length}`);
  const sheet = checkSheet(m.sheet, await updaters(ctx, k, t, s));
  const expected = scoreCommitment({
    taskId: t.id,
    round: r.round,
    subgroup: s.index,
    attempt: s.attempt,
    validator,
    sheet,
    salt: m.salt,
  });
  if (Buffer.compare(expected, commit.commitment) !== 0)
    throw flError(
      FlCode.CommitmentMismatch,
      `the sheet and salt of ${validator} do not hash to its commitment`,
    );
  s.reveals.push({ validator, sheet, height: ctx.block.height });
  k.store.setStage(ctx, s);
  ctx.events.emit(
    event("fl_scores_revealed", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["subgroup", stageName(s.index)],
      ["attempt", s.attempt.toString()],
      ["validator", validator],
      ["global_accuracy_ppm", sheet.globalAccuracyPpm.toString()],
    ]),
  );
  if (s.reveals.length === s.commits.length) await settleEvaluation(ctx, k, t, r, s);
  await reschedule(ctx, k, t);
  k.store.setTask(ctx, t);
}

/** The updaters of a stage, in the chain's (address byte) order: the order a sheet scores them in. */
async function updaters(ctx: Context, k: FlKeeper, t: Task, s: Stage): Promise<string[]> {
  return (await k.store.updates(ctx, t.id, s.round))
    .filter((u) => u.subgroup === s.index)
    .map((u) => u.participant);
}

/** Every member committed, or the commit deadline came: reveals open, or the attempt fails. */
export async function closeCommits(ctx: Context, k: FlKeeper, t: Task, r: Round, s: Stage): Promise<void> {
  if (!isSupermajority(s.commits.length, s.committee.length)) {
    await failAttempt(ctx, k, t, r, s);
    return;
  }
  const p = await k.params(ctx);
  s.status = StageStatus.Revealing;
  s.revealDeadline = ctx.block.height + p.revealBlocks;
  k.store.setStage(ctx, s);
  ctx.events.emit(
    event("fl_reveal_opened", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["subgroup", stageName(s.index)],
      ["attempt", s.attempt.toString()],
      ["committed", s.commits.map((c) => c.validator).join(",")],
      ["reveal_deadline", s.revealDeadline.toString()],
    ]),
  );
}

/**
 * Every committer revealed, or the reveal deadline came: with > 2/3 of the committee revealed, the
 * medians and contributions are recorded and the same committee aggregates; otherwise the attempt
 * fails and a new committee evaluates.
 */
export async function settleEvaluation(
  ctx: Context,
  k: FlKeeper,
  t: Task,
  r: Round,
  s: Stage,
): Promise<void> {
  if (!isSupermajority(s.reveals.length, s.committee.length)) {
    await failAttempt(ctx, k, t, r, s);
    return;
  }
  const p = await k.params(ctx);
  const updates = (await k.store.updates(ctx, t.id, s.round)).filter((u) => u.subgroup === s.index);
  const sheets = s.reveals.map((x) => ({ validator: x.validator, sheet: x.sheet! }));
  const ev = evaluate(
    sheets,
    updates.map((u) => u.participant),
    p.scoreTolerancePpm,
  );
  s.evaluation = ev;
  for (const [i, u] of updates.entries())
    k.store.setUpdate(ctx, {
      ...u,
      evaluated: true,
      trustPpm: ev.medians[i]!.trustPpm,
      accuracyPpm: ev.medians[i]!.accuracyPpm,
      contributionPpm: ev.contributionPpm[i]!,
    });
  const revealed = new Set(s.reveals.map((x) => x.validator));
  const within = new Map(ev.evaluators.map((e) => [e.validator, e.withinTolerance]));
  for (const c of s.committee)
    if (!revealed.has(c.validator) || !within.get(c.validator))
      await k.reputation.observe(ctx, c.validator, "fl-disagreed");
  s.status = StageStatus.Aggregating;
  s.aggregateDeadline = ctx.block.height + p.aggregateBlocks;
  s.reports = [];
  k.store.setStage(ctx, s);
  ctx.events.emit(
    event("fl_stage_evaluated", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["subgroup", stageName(s.index)],
      ["attempt", s.attempt.toString()],
      ["revealed", s.reveals.map((x) => x.validator).join(",")],
      ["global_accuracy_ppm", ev.globalAccuracyPpm.toString()],
      ["reference_norm_nano", ev.referenceNormNano.toString()],
      ["trust_ppm", ev.medians.map((m) => m.trustPpm).join(",")],
      ["contribution_ppm", ev.contributionPpm.join(",")],
      ["aggregate_deadline", s.aggregateDeadline.toString()],
    ]),
  );
}

/**
 * The chain's reading of the revealed sheets (pure): medians per update, of the reference norm and
 * of the global accuracy; BlockFlow contributions from the trust scores, where a member that is
 * also a trainer of the stage (its operator account) is held to its worst evaluation; and whether
 * each revealer stayed within `tolerancePpm` of every median.
 */
export function evaluate(
  sheets: readonly { validator: string; sheet: ScoreSheet }[],
  participants: readonly string[],
  tolerancePpm: number,
): Evaluation {
  const medians = participants.map((participant, k) => ({
    participant,
    trustPpm: medianInt(sheets.map((x) => x.sheet.scores[k]!.trustPpm)),
    accuracyPpm: medianInt(sheets.map((x) => x.sheet.scores[k]!.accuracyPpm)),
  }));
  const referenceNormNano = medianBig(sheets.map((x) => x.sheet.referenceNormNano));
  const globalAccuracyPpm = medianInt(sheets.map((x) => x.sheet.globalAccuracyPpm));
  const isTrainer = new Set(participants);
  const evaluatorAsTrainer = new Map<string, string>();
  for (const x of sheets) {
    const account = accountOf(valBytes(x.validator));
    if (isTrainer.has(account)) evaluatorAsTrainer.set(x.validator, account);
  }
  const bf = blockflow({
    evaluators: sheets.map((x) => x.validator),
    trainers: [...participants],
    scores: sheets.map((x) => x.sheet.scores.map((sc) => sc.trustPpm)),
    evaluatorAsTrainer,
  });
  const evaluators = sheets.map((x, a) => {
    const off = (v: number, m: number) => Math.abs(v - m) > tolerancePpm;
    const far =
      off(x.sheet.globalAccuracyPpm, globalAccuracyPpm) ||
      x.sheet.scores.some(
        (sc, k) => off(sc.trustPpm, medians[k]!.trustPpm) || off(sc.accuracyPpm, medians[k]!.accuracyPpm),
      );
    return { validator: x.validator, agreementPpm: bf.agreementNorm[a]!, withinTolerance: !far };
  });
  return { medians, referenceNormNano, globalAccuracyPpm, evaluators, contributionPpm: bf.contribution };
}
