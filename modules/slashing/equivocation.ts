import type { Context, Misbehavior } from "../../chain/app/context.ts";
import { isUnbonded } from "../staking/validator.ts";
import type { SlashingKeeper } from "./keeper.ts";
import type { SlashingParams } from "./params.ts";
import { equivocationDistributionHeight } from "./window.ts";

/** DoubleSignJailEndTime (x/evidence): 9999-12-31T23:59:59Z, jailed for good. */
export const DOUBLE_SIGN_JAIL_END = { seconds: 253_402_300_799n, nanos: 0 };

/**
 * x/evidence's handleEquivocationEvidence (SDK v0.50) for a committed duplicate vote: slash the
 * stake the validator had at the infraction (unbondings and redelegations made since included),
 * jail it for good and tombstone it, so that the same key can never be punished, nor unjailed,
 * again.
 *
 * The SDK also ignores evidence older than the consensus params' max age (in both blocks and
 * time); here the chain's evidence pool never lets evidence older than max_age_num_blocks into a
 * block, and the app has no consensus params to check it again.
 */
export async function handleEquivocation(
  ctx: Context,
  k: SlashingKeeper,
  p: SlashingParams,
  m: Misbehavior,
): Promise<void> {
  const cons = m.validatorAddress;
  const validator = await k.staking.store.validatorByCons(ctx, cons);
  // An unbonded (or removed) validator is no threat any more, and its stake has left.
  if (!validator || isUnbonded(validator)) return;
  const info = await k.store.signingInfo(ctx, cons);
  // The SDK panics without signing info (a bonded validator always has one); ignore instead.
  if (!info || info.tombstoned) return;
  await k.slash(
    ctx,
    cons,
    p.slashFractionDoubleSign,
    m.validatorPower,
    equivocationDistributionHeight(m.height),
    "double_sign",
  );
  if (!validator.jailed) await k.jail(ctx, cons);
  await k.jailUntil(ctx, cons, DOUBLE_SIGN_JAIL_END);
  await k.tombstone(ctx, cons);
}
