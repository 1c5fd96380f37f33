import type { Context } from "../../chain/app/context.ts";
import { checkExcluded } from "./excluded.ts";
import { event } from "../../chain/app/events.ts";
import { parseAddress, toAddress } from "../../chain/crypto/address.ts";
import { VALOPER_PREFIX } from "../staking/store.ts";
import { tally } from "./agreement.ts";
import { disputeReport } from "./dispute.ts";
import { FlCode, flError } from "./errors.ts";
import type { FlKeeper } from "./keeper.ts";
import { type MsgSubmitAggregate, StageStatus, TaskStatus } from "./proto.ts";
import { finalizeStage, reschedule, stageName } from "./rounds.ts";

/**
 * MsgSubmitAggregate: a committee member's report of the aggregate of its stage (or, with
 * `dispute`, a dispute committee member's). One report per member per attempt; the report that
 * brings > 2/3 of the committee to one (hash, excluded) finalizes the stage.
 */
export async function submitAggregate(ctx: Context, k: FlKeeper, m: MsgSubmitAggregate): Promise<void> {
  const t = await k.taskOr404(ctx, m.taskId);
  if (t.status !== TaskStatus.Running) throw flError(FlCode.WrongTaskStatus, `task ${t.id} is not running`);
  if (m.round !== t.currentRound)
    throw flError(FlCode.WrongRound, `task ${t.id} is in round ${t.currentRound}, not ${m.round}`);
  const r = await k.roundOf(ctx, t, m.round);
  const s = await k.store.stage(ctx, t.id, r.round, m.subgroup);
  if (!s)
    throw flError(
      FlCode.UnknownSubgroup,
      `round ${r.round} of task ${t.id} has no subgroup ${stageName(m.subgroup)}`,
    );
  // The committee is made of validators; their operator account signs.
  const validator = toAddress(parseAddress(m.validator), VALOPER_PREFIX);
  const excluded = [...m.excluded].sort();
  const report = { validator, attempt: m.attempt, cid: m.cid, hash: m.hash, excluded };
  if (m.dispute) {
    await disputeReport(ctx, k, t, r, s, report);
    return;
  }
  if (s.status !== StageStatus.Aggregating || ctx.block.height >= s.aggregateDeadline)
    throw flError(
      FlCode.NotAggregating,
      `subgroup ${stageName(s.index)} of round ${r.round} is not aggregating`,
    );
  if (m.attempt !== s.attempt)
    throw flError(
      FlCode.WrongAttempt,
      `subgroup ${stageName(s.index)} is at attempt ${s.attempt}, not ${m.attempt}`,
    );
  if (!s.committee.some((c) => c.validator === validator))
    throw flError(
      FlCode.NotCommitteeMember,
      `${validator} is not on the committee of subgroup ${stageName(s.index)}, attempt ${s.attempt}`,
    );
  if (s.reports.some((x) => x.validator === validator))
    throw flError(FlCode.DuplicateSubmission, `${validator} already reported for attempt ${s.attempt}`);
  await checkExcluded(ctx, k, t, s, excluded);
  s.reports.push({ validator, cid: m.cid, hash: m.hash, excluded, height: ctx.block.height });
  k.store.setStage(ctx, s);
  ctx.events.emit(
    event("fl_aggregate_submitted", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["subgroup", stageName(s.index)],
      ["attempt", s.attempt.toString()],
      ["validator", validator],
      ["cid", m.cid],
      ["hash", m.hash],
      ["excluded", excluded.join(",")],
    ]),
  );
  const tl = tally(s.reports, s.committee.length);
  if (!tl.final) return;
  await finalizeStage(ctx, k, t, r, s, tl);
  await reschedule(ctx, k, t);
  k.store.setTask(ctx, t);
}
