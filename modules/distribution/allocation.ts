import type { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { moduleAddress } from "../../chain/crypto/address.ts";
import type { Coin64 } from "../../chain/types/coins.ts";
import { Dec } from "../../chain/types/dec.ts";
import {
  addDecCoins,
  type DecCoin,
  decCoinsFromCoins,
  mulDecCoins,
  mulDecCoinsTruncate,
  subDecCoins,
} from "../../chain/types/dec-coins.ts";
import { valBytes } from "../staking/store.ts";
import { scheduledEmission } from "./emission.ts";
import { currentOf } from "./f1.ts";
import { decCoinsString, type DistributionKeeper } from "./keeper.ts";

/**
 * AllocateTokensToValidator: commission (rounded) to the operator, the rest to the current period
 * of its delegators; all of it is outstanding until withdrawn.
 */
export async function allocateTokensToValidator(
  ctx: Context,
  k: DistributionKeeper,
  v: Validator,
  tokens: DecCoin[],
): Promise<void> {
  const val = valBytes(v.operatorAddress);
  const commission = mulDecCoins(tokens, Dec.fromProto(v.commission!.commissionRates!.rate));
  const shared = subDecCoins(tokens, commission);
  const { store } = k;
  ctx.events.emit(
    event("commission", [
      ["amount", decCoinsString(commission)],
      ["validator", v.operatorAddress],
    ]),
  );
  store.setCommission(ctx, val, addDecCoins((await store.commission(ctx, val)) ?? [], commission));
  const cur = await currentOf(ctx, store, v);
  store.setCurrent(ctx, val, { ...cur, rewards: addDecCoins(cur.rewards, shared) });
  ctx.events.emit(
    event("rewards", [
      ["amount", decCoinsString(tokens)],
      ["validator", v.operatorAddress],
    ]),
  );
  store.setOutstanding(ctx, val, addDecCoins((await store.outstanding(ctx, val)) ?? [], tokens));
}

/**
 * Moves this block's emission from the staking-rewards allocation into the distribution account:
 * the schedule's amount, capped by what the allocation still holds (never minted).
 */
async function emit(ctx: Context, k: DistributionKeeper): Promise<Coin64[]> {
  const p = await k.store.emission(ctx);
  const denom = await k.staking.bondDenom(ctx);
  const source = moduleAddress(p.source);
  const scheduled = scheduledEmission(p, ctx.block.height);
  const left = await k.bank.getBalance(ctx, source, denom);
  // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
  const amount = scheduled < left ? scheduled : left;
  if (amount === 0n) return [];
  const coins = [{ denom, amount }];
  await k.bank.sendCoins(ctx, source, k.moduleAddress, coins);
  ctx.events.emit(
    event("emission", [
      ["amount", `${amount}${denom}`],
      ["source", p.source],
    ]),
  );
  return coins;
}

/**
 * The BeginBlock of x/distribution (AllocateTokens, SDK v0.50): the previous block's fees plus this
 * block's emission go to the validators of the last commit in proportion to their power, after the
 * community tax; whatever rounding leaves goes to the community pool. As in the SDK, every member
 * of the set that decided the last block is paid, signer or not (liveness is slashing's business).
 */
export async function allocateTokens(
  ctx: Context,
  k: DistributionKeeper,
  feeCollector: string,
): Promise<void> {
  const votes = ctx.block.lastCommit ?? [];
  if (ctx.block.height <= 1n) return;
  let totalPower = 0n;
  for (const v of votes) totalPower += v.power;
  const fees = await k.bank.getAllBalances(ctx, feeCollector);
  if (fees.length > 0) await k.bank.sendCoins(ctx, feeCollector, k.moduleAddress, fees);
  const emitted = totalPower > 0n ? await emit(ctx, k) : [];
  const collected = addDecCoins(decCoinsFromCoins(fees), decCoinsFromCoins(emitted));
  if (collected.length === 0) return;
  const { store } = k;
  if (totalPower === 0n) {
    store.setCommunityPool(ctx, addDecCoins(await store.communityPool(ctx), collected));
    return;
  }
  const { communityTax } = await k.params(ctx);
  const forValidators = mulDecCoinsTruncate(collected, Dec.ONE.sub(communityTax));
  let remaining = collected;
  const total = Dec.fromInt(totalPower);
  for (const vote of votes) {
    const v = await k.staking.validatorByCons(ctx, vote.validatorAddress);
    // A validator removed since it signed has no accounts to credit: its share stays in the pool.
    if (!v) continue;
    const reward = mulDecCoinsTruncate(forValidators, Dec.fromInt(vote.power).quoTruncate(total));
    await allocateTokensToValidator(ctx, k, v, reward);
    remaining = subDecCoins(remaining, reward);
  }
  store.setCommunityPool(ctx, addDecCoins(await store.communityPool(ctx), remaining));
}
