import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { FlCode, flError } from "./errors.ts";
import type { FlKeeper } from "./keeper.ts";
import { type MsgPublishModel, Privacy, TaskStatus } from "./proto.ts";
import { awaitingModel, nextRound, reschedule } from "./rounds.ts";

/**
 * MsgPublishModel: the owner of a CKKS task publishes the decrypted model of the round just paid
 * (its committee agreed on the ciphertext sum, and only the owner holds the secret key). The model's
 * CID and hash go on the round and it becomes the global model the next round trains from. Anyone
 * can check that the published bytes hash to the record; that they are the decryption of the agreed
 * sum only the owner can check (README, privacy mode ckks).
 */
export async function publishModel(ctx: Context, k: FlKeeper, m: MsgPublishModel): Promise<void> {
  const t = await k.taskOr404(ctx, m.taskId);
  if (t.owner !== m.owner) throw flError(FlCode.NotOwner, `${m.owner} is not the owner of task ${t.id}`);
  if (t.privacy !== Privacy.Ckks)
    throw flError(FlCode.NotPublishing, `task ${t.id} is not encrypted: its committees publish its models`);
  if (t.status !== TaskStatus.Running) throw flError(FlCode.WrongTaskStatus, `task ${t.id} is not running`);
  if (m.round !== t.currentRound)
    throw flError(FlCode.WrongRound, `task ${t.id} is in round ${t.currentRound}, not ${m.round}`);
  const r = await k.roundOf(ctx, t, m.round);
  if (!awaitingModel(t, r))
    throw flError(
      FlCode.NotPublishing,
      r.modelCid !== ""
        ? `the model of round ${r.round} is already published`
        : `round ${r.round} is not paid yet: its encrypted sum may still be disputed`,
    );
  r.modelCid = m.cid;
  r.modelHash = m.hash;
  k.store.setRound(ctx, r);
  ctx.events.emit(
    event("fl_model_published", [
      ["task_id", t.id.toString()],
      ["round", r.round.toString()],
      ["cid", m.cid],
      ["hash", m.hash],
      ["encrypted_sum_cid", r.aggregateCid],
    ]),
  );
  await nextRound(ctx, k, t, r, m.cid);
  await reschedule(ctx, k, t);
  k.store.setTask(ctx, t);
}
