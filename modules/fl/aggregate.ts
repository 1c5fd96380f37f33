import type { Context } from "../../chain/app/context.ts";
import { checkExcluded } from "./excluded.ts";
import { event } from "../../chain/app/events.ts";
import { tally } from "./agreement.ts";
import { disputeReport } from "./dispute.ts";
import { FlCode, flError } from "./errors.ts";
import type { FlKeeper } from "./keeper.ts";
import type { MsgSubmitAggregate } from "./proto.ts";
import { StageStatus } from "./proto.ts";
import { checkMember, loadStage } from "./stage-access.ts";
import { finalizeStage, reschedule, stageName } from "./rounds.ts";

/**
 * MsgSubmitAggregate: a committee member's report of the aggregate of its stage (or, with
 * `dispute`, a dispute committee member's). One report per member per attempt; the report that
 * brings > 2/3 of the committee to one (hash, excluded) finalizes the stage.
 */
export async function submitAggregate(ctx: Context, k: FlKeeper, m: MsgSubmitAggregate): Promise<void> {
  const { t, r, s, validator } = await loadStage(ctx, k, m);
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
  checkMember(s, validator, m.attempt);
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
