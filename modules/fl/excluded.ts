import type { Context } from "../../chain/app/context.ts";
import { FlCode, flError } from "./errors.ts";
import type { FlKeeper } from "./keeper.ts";
import { ROOT_STAGE, type Stage, type Task } from "./proto.ts";

/**
 * The participants an aggregate leaves out must be updaters of its subgroup in this round, and at
 * least one update must remain; a root aggregate combines whole subgroups and leaves nobody out.
 */
export async function checkExcluded(
  ctx: Context,
  k: FlKeeper,
  t: Task,
  s: Stage,
  excluded: string[],
): Promise<void> {
  if (s.index === ROOT_STAGE) {
    if (excluded.length > 0)
      throw flError(
        FlCode.InvalidExcluded,
        "the root aggregate combines subgroups and excludes no participant",
      );
    return;
  }
  if (excluded.length >= s.updateCount)
    throw flError(
      FlCode.InvalidExcluded,
      `an aggregate of subgroup ${s.index} must keep at least one of its ${s.updateCount} updates`,
    );
  for (const a of excluded) {
    const u = await k.store.update(ctx, t.id, s.round, a);
    if (!u || u.subgroup !== s.index)
      throw flError(
        FlCode.InvalidExcluded,
        `${a} has no update in subgroup ${s.index} of round ${s.round} of task ${t.id}`,
      );
  }
}
