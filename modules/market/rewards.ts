import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import type { MarketKeeper } from "./keeper.ts";

// Base rewards of $Data holders (issue #7): at the end of each reward epoch (reward_epoch_blocks),
// each $Data asset whose owners earned at least reward_min_revenue from its sales in that epoch
// (directly or, by its weight, in portfolios) earns its owner data_base_reward from the community
// allocation; when more assets qualify than max_epoch_rewards covers, each earns an equal share of
// the cap (rounded down). Payment stops when the allocation is spent.
//
// Why per epoch and not once for all: a reward that any asset qualifies for forever could be bought
// once by wash trading and collected every epoch after. Here qualifying costs every epoch: a wash
// sale of reward_min_revenue pays at least half its protocol fee (use bonuses return at most the
// other half), and the params require that half to be at least data_base_reward
// (validateMarketParams), so wash trading never pays.

/** Each asset's reward of one epoch (pure). */
export function epochReward(assets: number, base: bigint, cap: bigint): bigint {
  if (assets === 0) return 0n;
  const share = cap / BigInt(assets);
  return base < share ? base : share;
}

export async function payEpochRewards(ctx: Context, k: MarketKeeper): Promise<void> {
  const p = await k.params(ctx);
  const h = ctx.block.height;
  if (h === 0n || h % p.rewardEpochBlocks !== 0n) return;
  const epoch = h / p.rewardEpochBlocks - 1n;
  const qualified = (await k.store.takeEpochEarned(ctx, epoch)).filter((e) => e.earned >= p.rewardMinRevenue);
  const each = epochReward(qualified.length, p.dataBaseReward, p.maxEpochRewards);
  if (each === 0n) return;
  let total = 0n;
  for (const { dataId } of qualified) {
    const a = await k.store.asset(ctx, dataId);
    if (!a) continue;
    const paid = await k.fromCommunity(ctx, a.owner, each);
    if (paid === 0n) break;
    total += paid;
    ctx.events.emit(
      event("market_data_reward", [
        ["asset_id", dataId.toString()],
        ["owner", a.owner],
        ["amount", paid.toString()],
        ["epoch", epoch.toString()],
      ]),
    );
  }
  ctx.events.emit(
    event("market_epoch_rewards", [
      ["epoch", epoch.toString()],
      ["assets", qualified.length.toString()],
      ["each", each.toString()],
      ["total", total.toString()],
    ]),
  );
}
