import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import type { MarketKeeper } from "./keeper.ts";

// Base rewards of $Data holders (issue #7): every reward_epoch_blocks, each $Data asset whose owners
// earned at least reward_min_revenue from its sales (directly or in portfolios) earns its owner
// data_base_reward from the community allocation; when
// there are more such assets than max_epoch_rewards covers, each earns an equal share of the cap
// (rounded down). Payment stops when the allocation is spent.

/** Each asset's reward of one epoch (pure). */
export function epochReward(assets: number, base: bigint, cap: bigint): bigint {
  if (assets === 0) return 0n;
  const share = cap / BigInt(assets);
  return base < share ? base : share;
}

export async function payEpochRewards(ctx: Context, k: MarketKeeper): Promise<void> {
  const p = await k.params(ctx);
  if (ctx.block.height % p.rewardEpochBlocks !== 0n) return;
  const ids = await k.store.rewardable(ctx);
  const each = epochReward(ids.length, p.dataBaseReward, p.maxEpochRewards);
  if (each === 0n) return;
  let total = 0n;
  for (const id of ids) {
    const a = await k.store.asset(ctx, id);
    if (!a) continue;
    const paid = await k.fromCommunity(ctx, a.owner, each);
    if (paid === 0n) break;
    total += paid;
    ctx.events.emit(
      event("market_data_reward", [
        ["asset_id", id.toString()],
        ["owner", a.owner],
        ["amount", paid.toString()],
      ]),
    );
  }
  ctx.events.emit(
    event("market_epoch_rewards", [
      ["assets", ids.length.toString()],
      ["each", each.toString()],
      ["total", total.toString()],
    ]),
  );
}
