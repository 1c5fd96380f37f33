import type { Delegation, Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import { Dec } from "../../chain/types/dec.ts";
import {
  addDecCoins,
  type DecCoin,
  mulDecCoinsTruncate,
  quoDecCoinsTruncate,
  subDecCoins,
} from "../../chain/types/dec-coins.ts";
import { accBytes, valBytes } from "../staking/store.ts";
import { tokensFromShares, tokensFromSharesTruncated, tokensOf } from "../staking/validator.ts";
import type { DistributionStore } from "./store.ts";

// F1 fee distribution (Ojha, "F1 Fee Distribution", as x/distribution v0.50 implements it). Each
// validator has periods; ending a period adds (rewards of the period / validator tokens) to a
// cumulative reward-per-token ratio. A delegation remembers the period it started in and its stake;
// its rewards are stake x (ratio now - ratio then), with the stake reduced at every slash between.
// Historical ratios are reference counted and deleted when no delegation or slash needs them.

/** A broken F1 invariant: a bug, never bad input (the SDK panics). */
class F1Error extends Error {}

/** initializeValidator: period 0 (ratio zero, one reference: the current period's start), then period 1. */
export function initializeValidator(ctx: Context, store: DistributionStore, val: Uint8Array): void {
  store.setHistorical(ctx, val, 0n, { cumulativeRewardRatio: [], referenceCount: 1 });
  store.setCurrent(ctx, val, { rewards: [], period: 1n });
  store.setCommission(ctx, val, []);
  store.setOutstanding(ctx, val, []);
}

/** The current (open) period of a validator, which every bonded validator has from its creation. */
export async function currentOf(ctx: Context, store: DistributionStore, v: Validator) {
  const cur = await store.current(ctx, valBytes(v.operatorAddress));
  if (!cur) throw new F1Error(`no current rewards for ${v.operatorAddress}`);
  return cur;
}

async function historicalOf(ctx: Context, store: DistributionStore, val: Uint8Array, period: bigint) {
  const h = await store.historical(ctx, val, period);
  if (!h) throw new F1Error(`no historical rewards for period ${period}`);
  return h;
}

export async function incrementReferenceCount(
  ctx: Context,
  store: DistributionStore,
  val: Uint8Array,
  period: bigint,
): Promise<void> {
  const h = await historicalOf(ctx, store, val, period);
  if (h.referenceCount > 2) throw new F1Error("reference count should never exceed 2");
  store.setHistorical(ctx, val, period, { ...h, referenceCount: h.referenceCount + 1 });
}

export async function decrementReferenceCount(
  ctx: Context,
  store: DistributionStore,
  val: Uint8Array,
  period: bigint,
): Promise<void> {
  const h = await historicalOf(ctx, store, val, period);
  if (h.referenceCount === 0) throw new F1Error("cannot set a negative reference count");
  if (h.referenceCount === 1) store.deleteHistorical(ctx, val, period);
  else store.setHistorical(ctx, val, period, { ...h, referenceCount: h.referenceCount - 1 });
}

/**
 * IncrementValidatorPeriod: ends the current period and returns it. A validator without tokens
 * cannot have a ratio, so what it earned meanwhile goes to the community pool.
 */
export async function incrementValidatorPeriod(
  ctx: Context,
  store: DistributionStore,
  v: Validator,
): Promise<bigint> {
  const val = valBytes(v.operatorAddress);
  const cur = await currentOf(ctx, store, v);
  let ratio: DecCoin[] = [];
  if (tokensOf(v) === 0n) {
    if (cur.rewards.length > 0) {
      store.setCommunityPool(ctx, addDecCoins(await store.communityPool(ctx), cur.rewards));
      const outstanding = (await store.outstanding(ctx, val)) ?? [];
      store.setOutstanding(ctx, val, subDecCoins(outstanding, cur.rewards));
    }
  } else {
    // Truncated so that no delegation can withdraw more than was allocated.
    ratio = quoDecCoinsTruncate(cur.rewards, Dec.fromInt(tokensOf(v)));
  }
  const previous = await historicalOf(ctx, store, val, cur.period - 1n);
  await decrementReferenceCount(ctx, store, val, cur.period - 1n);
  store.setHistorical(ctx, val, cur.period, {
    cumulativeRewardRatio: addDecCoins(previous.cumulativeRewardRatio, ratio),
    referenceCount: 1,
  });
  store.setCurrent(ctx, val, { rewards: [], period: cur.period + 1n });
  return cur.period;
}

/** initializeDelegation: the delegation's stake now, from the period its action just ended. */
export async function initializeDelegation(
  ctx: Context,
  store: DistributionStore,
  v: Validator,
  d: Delegation,
): Promise<void> {
  const val = valBytes(v.operatorAddress);
  const cur = await currentOf(ctx, store, v);
  const previousPeriod = cur.period - 1n;
  await incrementReferenceCount(ctx, store, val, previousPeriod);
  store.setStartingInfo(ctx, val, accBytes(d.delegatorAddress), {
    previousPeriod,
    // Truncated so that no delegation can withdraw more than it is owed.
    stake: tokensFromSharesTruncated(v, Dec.fromProto(d.shares)),
    height: ctx.block.height,
  });
}

/** stake x (ratio at `ending` - ratio at `starting`), truncated. */
async function rewardsBetween(
  ctx: Context,
  store: DistributionStore,
  val: Uint8Array,
  starting: bigint,
  ending: bigint,
  stake: Dec,
): Promise<DecCoin[]> {
  if (starting > ending) throw new F1Error("starting period cannot be after the ending period");
  if (stake.isNegative()) throw new F1Error("stake should not be negative");
  const from = await historicalOf(ctx, store, val, starting);
  const to = await historicalOf(ctx, store, val, ending);
  const difference = subDecCoins(to.cumulativeRewardRatio, from.cumulativeRewardRatio);
  return mulDecCoinsTruncate(difference, stake);
}

/** Three of the smallest decimal: the rounding the SDK tolerates between stake computed two ways. */
const STAKE_MARGIN = Dec.fromAtomics(3n);

/**
 * CalculateDelegationRewards: the rewards of a delegation up to `endingPeriod` (just ended by the
 * caller), walking the validator's slash events since the delegation started.
 */
export async function calculateDelegationRewards(
  ctx: Context,
  store: DistributionStore,
  v: Validator,
  d: Delegation,
  endingPeriod: bigint,
): Promise<DecCoin[]> {
  const val = valBytes(v.operatorAddress);
  const start = await store.startingInfo(ctx, val, accBytes(d.delegatorAddress));
  if (!start) throw new F1Error(`no starting info for ${d.delegatorAddress} on ${v.operatorAddress}`);
  // Started at this height: no rewards yet.
  if (start.height === ctx.block.height) return [];
  let rewards: DecCoin[] = [];
  let stake = start.stake;
  let startingPeriod = start.previousPeriod;
  // Slashes happen in BeginBlock after allocation, so those of the starting height count too;
  // those of this height are included for the stake check below.
  if (ctx.block.height > start.height) {
    for (const e of await store.slashEventsBetween(ctx, val, start.height, ctx.block.height)) {
      if (e.validatorPeriod <= startingPeriod) continue;
      rewards = addDecCoins(
        rewards,
        await rewardsBetween(ctx, store, val, startingPeriod, e.validatorPeriod, stake),
      );
      stake = stake.mulTruncate(Dec.ONE.sub(e.fraction));
      startingPeriod = e.validatorPeriod;
    }
  }
  const currentStake = tokensFromShares(v, Dec.fromProto(d.shares));
  if (stake.gt(currentStake)) {
    // Stake slashed period by period may round down less than the one multiplication staking does.
    if (stake.lte(currentStake.add(STAKE_MARGIN))) stake = currentStake;
    else
      throw new F1Error(
        `calculated final stake ${stake} for ${d.delegatorAddress} is greater than the current stake ${currentStake}`,
      );
  }
  return addDecCoins(rewards, await rewardsBetween(ctx, store, val, startingPeriod, endingPeriod, stake));
}

/** updateValidatorSlashFraction: ends the period at the slash and records the fraction taken. */
export async function recordSlash(
  ctx: Context,
  store: DistributionStore,
  v: Validator,
  fraction: Dec,
): Promise<void> {
  if (fraction.isNegative() || fraction.gt(Dec.ONE))
    throw new F1Error(`slash fraction must be between 0 and 1, got ${fraction}`);
  const val = valBytes(v.operatorAddress);
  const newPeriod = await incrementValidatorPeriod(ctx, store, v);
  await incrementReferenceCount(ctx, store, val, newPeriod);
  store.setSlashEvent(ctx, val, { height: ctx.block.height, validatorPeriod: newPeriod, fraction });
}
