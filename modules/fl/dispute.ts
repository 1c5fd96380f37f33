import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { Dec } from "../../chain/types/dec.ts";
import { accountOf, valBytes } from "../staking/store.ts";
import { consensusAddress } from "../staking/validator.ts";
import { agreementKey, type Tally, tally } from "./agreement.ts";
import { amount, amountString } from "./amounts.ts";
import { currentEligible, sampleCommittee } from "./committee.ts";
import { FlCode, flError } from "./errors.ts";
import { checkExcluded } from "./excluded.ts";
import type { FlKeeper } from "./keeper.ts";
import {
  DisputeStatus,
  type MsgOpenDispute,
  ROOT_STAGE,
  type Round,
  RoundStatus,
  type Stage,
  StageStatus,
  type Task,
  TaskStatus,
} from "./proto.ts";
import { advanceRound, lastBlockHash, reschedule, setStageResult, stageName } from "./rounds.ts";
import { SeededRng, seedOf } from "./sampling.ts";

// Disputes (issue #5): aggregation is deterministic, so a wrong aggregate is provable. Within the
// dispute window a member of the stage's committee or a participant of the round may dispute a
// final stage, once, against a deposit. A committee twice as large, drawn avoiding the original
// members where possible, recomputes; > 2/3 of it agreeing settles the dispute:
// - on another result (UPHELD): every member that signed the finalized result is slashed (param
//   slash_fraction_ppm of the stake it had when it reported) and loses reputation, the stage takes
//   the new result (and its fee goes to the dispute members that found it), a root built on it
//   starts over, and the deposit returns to the opener;
// - on the same result (REJECTED): the deposit goes to the community pool (distribution), so a
//   dispute is not free to open just to delay a task;
// - no agreement in time (INCONCLUSIVE): nobody is proven wrong, the deposit returns to the opener.
// The round's rewards are paid, and the next round starts, only once no dispute is open and the
// window has closed, so trainers never train on a model under dispute.

export async function openDispute(ctx: Context, k: FlKeeper, m: MsgOpenDispute): Promise<void> {
  const t = await k.taskOr404(ctx, m.taskId);
  if (t.status !== TaskStatus.Running) throw flError(FlCode.WrongTaskStatus, `task ${t.id} is not running`);
  const h = ctx.block.height;
  if (m.round !== t.currentRound)
    throw flError(
      FlCode.DisputeNotAllowed,
      `round ${m.round} of task ${t.id} cannot be disputed: the current round is ${t.currentRound}`,
    );
  const r = await k.roundOf(ctx, t, m.round);
  if (r.status !== RoundStatus.Aggregating && r.status !== RoundStatus.Final)
    throw flError(FlCode.DisputeNotAllowed, `round ${r.round} of task ${t.id} has no aggregate yet`);
  if (r.status === RoundStatus.Final && h >= r.disputeEnd)
    throw flError(
      FlCode.DisputeNotAllowed,
      `the dispute window of round ${r.round} closed at ${r.disputeEnd}`,
    );
  const s = await k.store.stage(ctx, t.id, r.round, m.subgroup);
  if (!s) throw flError(FlCode.UnknownSubgroup, `round ${r.round} has no subgroup ${stageName(m.subgroup)}`);
  if (s.status !== StageStatus.Final)
    throw flError(FlCode.DisputeNotAllowed, `subgroup ${stageName(s.index)} has no final aggregate`);
  if (s.dispute && s.dispute.status !== DisputeStatus.None)
    throw flError(FlCode.DisputeNotAllowed, `subgroup ${stageName(s.index)} was already disputed`);
  const member = s.committee.some((c) => accountOf(valBytes(c.validator)) === m.opener);
  if (!member && !(await k.store.update(ctx, t.id, r.round, m.opener)))
    throw flError(
      FlCode.DisputeNotAllowed,
      `only the committee of subgroup ${stageName(s.index)} and the participants of round ${r.round} may dispute`,
    );
  const p = await k.params(ctx);
  await k.bank.sendCoins(ctx, m.opener, k.moduleAddress, [
    { denom: await k.staking.bondDenom(ctx), amount: p.disputeDeposit },
  ]);
  t.heldDeposits = amountString(amount(t.heldDeposits) + p.disputeDeposit);
  const rng = new SeededRng(seedOf(lastBlockHash(ctx), t.id, r.round, s.attempt, s.index, "dispute"));
  const committee = sampleCommittee(
    await currentEligible(ctx, k.staking, k.reputation),
    2 * s.committee.length,
    rng,
    new Set(s.committee.map((c) => c.validator)),
  );
  s.dispute = {
    status: DisputeStatus.Open,
    opener: m.opener,
    deposit: p.disputeDeposit.toString(),
    openedHeight: h,
    deadline: h + p.aggregateBlocks,
    committee,
    reports: [],
    resultHash: "",
  };
  k.store.setStage(ctx, s);
  ctx.events.emit(
    event("fl_dispute_opened", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["subgroup", stageName(s.index)],
      ["opener", m.opener],
      ["deposit", p.disputeDeposit.toString()],
      ["committee", committee.map((c) => c.validator).join(",")],
      ["deadline", s.dispute.deadline.toString()],
    ]),
  );
  await reschedule(ctx, k, t);
  k.store.setTask(ctx, t);
}

/** A dispute committee's report (MsgSubmitAggregate with dispute set); checked like a stage report. */
export async function disputeReport(
  ctx: Context,
  k: FlKeeper,
  t: Task,
  r: Round,
  s: Stage,
  report: { validator: string; attempt: number; cid: string; hash: string; excluded: string[] },
): Promise<void> {
  const d = s.dispute;
  if (!d || d.status !== DisputeStatus.Open)
    throw flError(
      FlCode.NoOpenDispute,
      `subgroup ${stageName(s.index)} of round ${r.round} has no open dispute`,
    );
  if (ctx.block.height >= d.deadline)
    throw flError(FlCode.LateSubmission, `the dispute closed for reports at ${d.deadline}`);
  if (report.attempt !== s.attempt)
    throw flError(
      FlCode.WrongAttempt,
      `the disputed aggregate is of attempt ${s.attempt}, not ${report.attempt}`,
    );
  if (!d.committee.some((c) => c.validator === report.validator))
    throw flError(FlCode.NotCommitteeMember, `${report.validator} is not on the dispute committee`);
  if (d.reports.some((x) => x.validator === report.validator))
    throw flError(FlCode.DuplicateSubmission, `${report.validator} already reported on this dispute`);
  await checkExcluded(ctx, k, t, s, report.excluded);
  d.reports.push({
    validator: report.validator,
    cid: report.cid,
    hash: report.hash,
    excluded: report.excluded,
    height: ctx.block.height,
  });
  k.store.setStage(ctx, s);
  ctx.events.emit(
    event("fl_dispute_report", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["subgroup", stageName(s.index)],
      ["validator", report.validator],
      ["hash", report.hash],
    ]),
  );
  const tl = tally(d.reports, d.committee.length);
  if (tl.final) await settleDispute(ctx, k, t, r, s, tl);
  await reschedule(ctx, k, t);
  k.store.setTask(ctx, t);
}

async function settleDispute(
  ctx: Context,
  k: FlKeeper,
  t: Task,
  r: Round,
  s: Stage,
  tl: Tally,
): Promise<void> {
  const d = s.dispute!;
  const w = tl.winner!;
  const agreed = new Set(tl.agreed);
  for (const m of d.committee)
    await k.reputation.observe(ctx, m.validator, agreed.has(m.validator) ? "fl-agreed" : "fl-disagreed");
  d.resultHash = w.hash;
  const deposit = amount(d.deposit);
  const base: Array<[string, string]> = [
    ["task_id", t.id.toString()],
    ["round", r.round.toString()],
    ["subgroup", stageName(s.index)],
  ];
  if (agreementKey(w) === agreementKey({ hash: s.aggregateHash, excluded: s.excluded })) {
    d.status = DisputeStatus.Rejected;
    k.store.setStage(ctx, s);
    await k.releaseDeposit(ctx, t, deposit, "community_pool");
    ctx.events.emit(event("fl_dispute_resolved", [...base, ["result", "rejected"], ["hash", w.hash]]));
    return;
  }
  const p = await k.params(ctx);
  const fraction = Dec.withPrec(BigInt(p.slashFractionPpm), 6);
  for (const v of s.agreed) {
    const member = s.committee.find((c) => c.validator === v);
    const reported = s.reports.find((x) => x.validator === v);
    const validator = await k.staking.validator(ctx, valBytes(v));
    let burned = 0n;
    if (validator && member)
      burned = await k.staking.slash(
        ctx,
        consensusAddress(validator),
        reported?.height ?? ctx.block.height,
        member.power,
        fraction,
      );
    await k.reputation.observe(ctx, v, "fl-disagreed");
    ctx.events.emit(
      event("fl_slash", [
        ...base,
        ["validator", v],
        ["power", (member?.power ?? 0n).toString()],
        ["reason", "fl_wrong_aggregate"],
        ["burned_coins", burned.toString()],
      ]),
    );
  }
  const old = s.aggregateHash;
  d.status = DisputeStatus.Upheld;
  await setStageResult(ctx, k, t, s, w, tl.agreed);
  k.store.setStage(ctx, s);
  await k.releaseDeposit(ctx, t, deposit, d.opener);
  ctx.events.emit(
    event("fl_dispute_resolved", [
      ...base,
      ["result", "upheld"],
      ["old_hash", old],
      ["hash", w.hash],
      ["cid", w.cid],
    ]),
  );
  // A subgroup's new aggregate changes the root's inputs: the root starts over.
  await advanceRound(ctx, k, t, r, s.index !== ROOT_STAGE && r.subgroupCount > 1);
}

/**
 * A dispute ends without a verdict: its deadline passed with no agreement (members that reported
 * nothing lose reputation), or its round ended or was restarted under it. The deposit goes back.
 */
export async function disputeInconclusive(
  ctx: Context,
  k: FlKeeper,
  t: Task,
  s: Stage,
  deadlinePassed = false,
): Promise<void> {
  const d = s.dispute!;
  if (deadlinePassed) {
    const reported = new Set(d.reports.map((x) => x.validator));
    for (const m of d.committee)
      if (!reported.has(m.validator)) await k.reputation.observe(ctx, m.validator, "fl-disagreed");
  }
  d.status = DisputeStatus.Inconclusive;
  k.store.setStage(ctx, s);
  await k.releaseDeposit(ctx, t, amount(d.deposit), d.opener);
  ctx.events.emit(
    event("fl_dispute_resolved", [
      ["task_id", t.id.toString()],
      ["round", s.round.toString()],
      ["subgroup", stageName(s.index)],
      ["result", "inconclusive"],
    ]),
  );
}
