import type { Context } from "../../chain/app/context.ts";
import { parseAddress, toAddress } from "../../chain/crypto/address.ts";
import { VALOPER_PREFIX } from "../staking/store.ts";
import { FlCode, flError } from "./errors.ts";
import type { FlKeeper } from "./keeper.ts";
import { type Round, type Stage, type Task, TaskStatus } from "./proto.ts";
import { stageName } from "./rounds.ts";

/** What every committee message names: its member (operator account) and its stage. */
export interface StageRef {
  validator: string;
  taskId: bigint;
  round: number;
  subgroup: number;
}

/**
 * The task, round and stage a committee message is about, and its member as an operator address
 * (committees are made of validators; their operator accounts sign). Refuses a task that is not
 * running, another round than the current one and an unknown stage.
 */
export async function loadStage(
  ctx: Context,
  k: FlKeeper,
  m: StageRef,
): Promise<{ t: Task; r: Round; s: Stage; validator: string }> {
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
  return { t, r, s, validator: toAddress(parseAddress(m.validator), VALOPER_PREFIX) };
}

/** The message's attempt is the stage's current one, and its sender sits on that committee. */
export function checkMember(s: Stage, validator: string, attempt: number): void {
  if (attempt !== s.attempt)
    throw flError(
      FlCode.WrongAttempt,
      `subgroup ${stageName(s.index)} is at attempt ${s.attempt}, not ${attempt}`,
    );
  if (!s.committee.some((c) => c.validator === validator))
    throw flError(
      FlCode.NotCommitteeMember,
      `${validator} is not on the committee of subgroup ${stageName(s.index)}, attempt ${s.attempt}`,
    );
}
