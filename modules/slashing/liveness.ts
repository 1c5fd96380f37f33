import type { Context, LastCommitVote } from "../../chain/app/context.ts";
import { addSeconds, blockTime } from "../staking/keeper.ts";
import { slash } from "../staking/slash.ts";
import { livenessEvent, slashEvent } from "./events.ts";
import type { SlashingKeeper } from "./keeper.ts";
import type { SlashingParams } from "./params.ts";
import { consAddressString } from "./store.ts";
import { downtimeDistributionHeight, isDowntime, missedCounterAfter, windowIndex } from "./window.ts";

/**
 * HandleValidatorSignature (x/slashing v0.50 keeper/infractions.go) for one vote of the last
 * commit: the vote goes into the validator's circular window; a validator past its first window
 * with too many misses is slashed (the stake that signed that commit), jailed for the downtime
 * duration, and starts a clean window.
 */
export async function handleValidatorSignature(
  ctx: Context,
  k: SlashingKeeper,
  p: SlashingParams,
  vote: LastCommitVote,
): Promise<void> {
  const cons = vote.validatorAddress;
  const validator = await k.staking.store.validatorByCons(ctx, cons);
  // A jailed validator's votes are not counted (it may still be in the set until the epoch). The
  // SDK fails the block for a vote it cannot attribute; a vote of a removed validator or one without
  // signing info (bonded validators always have one) is skipped instead.
  if (!validator || validator.jailed) return;
  const info = await k.store.signingInfo(ctx, cons);
  if (!info) return;

  const index = windowIndex(info.indexOffset, p.signedBlocksWindow);
  const previous = await k.store.missed(ctx, cons, index);
  const missed = !vote.signed;
  if (previous !== missed) await k.store.setMissed(ctx, cons, index, missed);
  const next = {
    ...info,
    indexOffset: info.indexOffset + 1n,
    missedBlocksCounter: missedCounterAfter(info.missedBlocksCounter, previous, missed),
  };
  const address = consAddressString(cons);
  const height = ctx.block.height;
  if (missed) ctx.events.emit(livenessEvent(address, next.missedBlocksCounter, height));

  if (isDowntime(p, height, next.startHeight, next.missedBlocksCounter)) {
    const burned = await slash(
      ctx,
      k.staking,
      cons,
      downtimeDistributionHeight(height),
      vote.power,
      p.slashFractionDowntime,
    );
    ctx.events.emit(slashEvent(address, vote.power, "missing_signature", burned, true));
    await k.jailInStaking(ctx, cons);
    next.jailedUntil = addSeconds(blockTime(ctx), p.downtimeJailSeconds);
    // A clean window, or the validator would be slashed again as soon as it is back. The start
    // height is reset by AfterValidatorBonded when it rejoins the set.
    next.missedBlocksCounter = 0n;
    next.indexOffset = 0n;
    await k.store.deleteBitmap(ctx, cons);
  }
  k.store.setSigningInfo(ctx, cons, next);
}
