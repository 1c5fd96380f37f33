import { BondStatus, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import { Dec } from "../../chain/types/dec.ts";
import { blockTime, type StakingKeeper, timeLte } from "./keeper.ts";
import { BONDED_POOL, NOT_BONDED_POOL, POWER_REDUCTION } from "./params.ts";
import { accBytes, valBytes } from "./store.ts";
import { isBonded, removeTokens, tokensOf } from "./validator.ts";

/**
 * Where slashed tokens go. The SDK burns them; here the supply is fixed at 1B CIF (DESIGN section
 * 10), so they move from the staking pools to the community allocation instead.
 */
export const SLASHED_TOKENS_RECIPIENT = "community";

/**
 * Slash (SDK v0.50 keeper.Slash): takes `fraction` of the stake the validator had at
 * `infractionHeight` (`power` then), first from unbonding delegations and redelegations created
 * since, the rest from its tokens, which devalues every delegator's shares. Returns the tokens taken
 * from the validator (the SDK's tokensToBurn: what its slash event reports as burned).
 */
export async function slash(
  ctx: Context,
  k: StakingKeeper,
  cons: Uint8Array,
  infractionHeight: bigint,
  power: bigint,
  fraction: Dec,
): Promise<bigint> {
  if (fraction.isNegative() || fraction.gt(Dec.ONE))
    throw new Error(`slash fraction ${fraction} out of range`);
  if (infractionHeight > ctx.block.height) throw new Error("cannot slash for an infraction in the future");
  const v = await k.store.validatorByCons(ctx, cons);
  // A validator already removed (fully unbonded) has nothing left to slash: the SDK logs and moves on.
  if (!v) return 0n;
  const val = valBytes(v.operatorAddress);
  const slashAmount = Dec.fromInt(power * POWER_REDUCTION)
    .mul(fraction)
    .truncateInt();
  let remaining = slashAmount;
  if (infractionHeight < ctx.block.height) {
    for (const ubd of await k.store.unbondingsFrom(ctx, val))
      remaining -= await slashUnbonding(ctx, k, ubd, infractionHeight, fraction);
    for (const red of await k.store.redelegationsFrom(ctx, val))
      remaining -= await slashRedelegation(ctx, k, red, infractionHeight, fraction);
  }
  const current = (await k.store.validator(ctx, val))!;
  let fromTokens = remaining > 0n ? remaining : 0n;
  if (fromTokens > tokensOf(current)) fromTokens = tokensOf(current);
  if (fromTokens === 0n) return 0n;
  // Distribution must learn the fraction of the tokens actually taken (the SDK's effective
  // fraction): unbondings may have absorbed part of the slash, and power may have changed since.
  const effective = Dec.min(Dec.fromInt(fromTokens).quoRoundUp(Dec.fromInt(tokensOf(current))), Dec.ONE);
  await k.hooks.call("beforeValidatorSlashed", ctx, val, effective);
  await k.store.setValidator(ctx, removeTokens(current, fromTokens));
  await takeFrom(ctx, k, isBonded(current) ? BONDED_POOL : NOT_BONDED_POOL, fromTokens);
  // The caller (slashing) emits the event with the reason, as the SDK's x/slashing does.
  return fromTokens;
}

async function takeFrom(ctx: Context, k: StakingKeeper, pool: string, amount: bigint): Promise<void> {
  if (amount === 0n) return;
  const { bondDenom } = await k.params(ctx);
  await k.bank.sendBetweenModules(ctx, pool, SLASHED_TOKENS_RECIPIENT, [{ denom: bondDenom, amount }]);
}

type Unbonding = Awaited<ReturnType<StakingKeeper["store"]["unbondingsFrom"]>>[number];
type Redel = Awaited<ReturnType<StakingKeeper["store"]["redelegationsFrom"]>>[number];

/** SlashUnbondingDelegation: entries created at or after the infraction and not yet mature. */
async function slashUnbonding(
  ctx: Context,
  k: StakingKeeper,
  ubd: Unbonding,
  infractionHeight: bigint,
  fraction: Dec,
): Promise<bigint> {
  const now = blockTime(ctx);
  let total = 0n;
  let taken = 0n;
  const entries = ubd.entries.map((e) => {
    if (e.creationHeight < infractionHeight || timeLte(e.completionTime!, now)) return e;
    const amount = fraction.mulInt(BigInt(e.initialBalance)).truncateInt();
    total += amount;
    const balance = BigInt(e.balance);
    const take = amount < balance ? amount : balance;
    if (take === 0n) return e;
    taken += take;
    return { ...e, balance: (balance - take).toString() };
  });
  k.store.setUnbonding(ctx, { ...ubd, entries });
  await takeFrom(ctx, k, NOT_BONDED_POOL, taken);
  return total;
}

/** SlashRedelegation: the redelegated shares are unbonded from the destination and taken. */
async function slashRedelegation(
  ctx: Context,
  k: StakingKeeper,
  red: Redel,
  infractionHeight: bigint,
  fraction: Dec,
): Promise<bigint> {
  const now = blockTime(ctx);
  let total = 0n;
  let fromBonded = 0n;
  let fromNotBonded = 0n;
  const del = accBytes(red.delegatorAddress);
  const dstVal = valBytes(red.validatorDstAddress);
  for (const e of red.entries) {
    if (e.creationHeight < infractionHeight || timeLte(e.completionTime!, now)) continue;
    total += fraction.mulInt(BigInt(e.initialBalance)).truncateInt();
    let shares = fraction.mul(Dec.fromProto(e.sharesDst));
    if (shares.isZero()) continue;
    const d = await k.store.delegation(ctx, del, dstVal);
    if (!d) continue;
    if (shares.gt(Dec.fromProto(d.shares))) shares = Dec.fromProto(d.shares);
    const tokens = await k.unbond(ctx, del, dstVal, shares);
    const dst: Validator | undefined = await k.store.validator(ctx, dstVal);
    if (dst?.status === BondStatus.BOND_STATUS_BONDED) fromBonded += tokens;
    else fromNotBonded += tokens;
  }
  await takeFrom(ctx, k, BONDED_POOL, fromBonded);
  await takeFrom(ctx, k, NOT_BONDED_POOL, fromNotBonded);
  return total;
}
