import { BondStatus, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import type { ValidatorUpdate } from "../../chain/types/block.ts";
import { addSeconds, blockTime, type StakingKeeper } from "./keeper.ts";
import { accBytes, valBytes } from "./store.ts";
import {
  consensusAddress,
  consensusPower,
  consensusPubKey,
  potentialPower,
  sharesOf,
  tokensOf,
} from "./validator.ts";

/**
 * x/staking's EndBlock: matured unbondings, redelegations and unbonding validators complete every
 * block; the consensus set (the top `maxValidators` by power, not jailed) is recomputed only at
 * epoch boundaries, where validators enter (bonded) or leave (unbonding) and the changes go to
 * consensus. `force` recomputes off the epoch (genesis, where the first set is made).
 */
export async function stakingEndBlock(
  ctx: Context,
  k: StakingKeeper,
  force = false,
): Promise<ValidatorUpdate[]> {
  const params = await k.params(ctx);
  const updates =
    force || ctx.block.height % params.epochBlocks === 0n ? await applyValidatorSetUpdates(ctx, k) : [];
  await unbondMatureValidators(ctx, k);
  const now = blockTime(ctx);
  for (const p of await k.store.popMatureUnbondings(ctx, now)) {
    const paid = await k.completeUnbonding(ctx, accBytes(p.delegatorAddress), p.validatorAddress);
    ctx.events.emit(
      event("complete_unbonding", [
        ["amount", `${paid}${params.bondDenom}`],
        ["validator", p.validatorAddress],
        ["delegator", p.delegatorAddress],
      ]),
    );
  }
  for (const t of await k.store.popMatureRedelegations(ctx, now)) {
    await k.completeRedelegation(
      ctx,
      accBytes(t.delegatorAddress),
      t.validatorSrcAddress,
      t.validatorDstAddress,
    );
    ctx.events.emit(
      event("complete_redelegation", [
        ["delegator", t.delegatorAddress],
        ["source_validator", t.validatorSrcAddress],
        ["destination_validator", t.validatorDstAddress],
      ]),
    );
  }
  return updates;
}

/** ApplyAndReturnValidatorSetUpdates (SDK v0.50), run at an epoch boundary. */
export async function applyValidatorSetUpdates(ctx: Context, k: StakingKeeper): Promise<ValidatorUpdate[]> {
  const { maxValidators } = await k.params(ctx);
  const last = await k.store.lastPowers(ctx);
  const updates: ValidatorUpdate[] = [];
  let total = 0n;
  let toBonded = 0n;
  let toNotBonded = 0n;
  const chosen: Uint8Array[] = [];
  for await (const val of k.store.validatorsByPower(ctx)) {
    if (chosen.length >= maxValidators) break;
    chosen.push(Uint8Array.from(val));
  }
  for (const val of chosen) {
    let v = (await k.store.validator(ctx, val))!;
    if (v.jailed) throw new Error("a jailed validator is in the power index");
    if (potentialPower(v) === 0n) break;
    if (v.status !== BondStatus.BOND_STATUS_BONDED) {
      v = await bondValidator(ctx, k, v);
      toBonded += tokensOf(v);
    }
    const power = consensusPower(v);
    const weight = await k.proposerWeight(ctx, v, power);
    const key = Buffer.from(val).toString("hex");
    const before = last.get(key);
    if (before?.power !== power || before.weight !== weight) {
      updates.push({ pubKey: consensusPubKey(v), power, proposerWeight: weight });
      k.store.setLastPower(ctx, val, power, weight);
    }
    last.delete(key);
    total += power;
  }
  // Whoever was in the set and is no longer: by address, as the SDK sorts them.
  const gone = [...last.values()].sort((a, b) => Buffer.compare(Buffer.from(a.val), Buffer.from(b.val)));
  for (const { val } of gone) {
    const v = (await k.store.validator(ctx, val))!;
    const after = await beginUnbondingValidator(ctx, k, v);
    toNotBonded += tokensOf(after);
    k.store.deleteLastPower(ctx, val);
    updates.push({ pubKey: consensusPubKey(v), power: 0n });
  }
  if (toBonded > toNotBonded) await k.moveToBonded(ctx, toBonded - toNotBonded);
  else if (toNotBonded > toBonded) await k.moveToNotBonded(ctx, toNotBonded - toBonded);
  if (updates.length > 0) k.store.setLastTotalPower(ctx, total);
  return updates;
}

async function bondValidator(ctx: Context, k: StakingKeeper, v: Validator): Promise<Validator> {
  if (v.status === BondStatus.BOND_STATUS_UNBONDING)
    await k.store.removeFromValidatorQueue(ctx, v.unbondingTime!, v.unbondingHeight, v.operatorAddress);
  const bonded: Validator = { ...v, status: BondStatus.BOND_STATUS_BONDED };
  await k.store.setValidator(ctx, bonded);
  await k.hooks.call("afterValidatorBonded", ctx, consensusAddress(v), valBytes(v.operatorAddress));
  return bonded;
}

async function beginUnbondingValidator(ctx: Context, k: StakingKeeper, v: Validator): Promise<Validator> {
  if (v.status !== BondStatus.BOND_STATUS_BONDED)
    throw new Error("only a bonded validator can begin unbonding");
  const { unbondingTimeSeconds } = await k.params(ctx);
  const unbondingTime = addSeconds(blockTime(ctx), unbondingTimeSeconds);
  const after: Validator = {
    ...v,
    status: BondStatus.BOND_STATUS_UNBONDING,
    unbondingTime,
    unbondingHeight: ctx.block.height,
  };
  await k.store.setValidator(ctx, after);
  await k.store.pushValidatorQueue(ctx, unbondingTime, ctx.block.height, v.operatorAddress);
  await k.hooks.call("afterValidatorBeginUnbonding", ctx, consensusAddress(v), valBytes(v.operatorAddress));
  return after;
}

/** UnbondAllMatureValidators: unbonding validators whose time has come become unbonded (or go). */
async function unbondMatureValidators(ctx: Context, k: StakingKeeper): Promise<void> {
  for (const valoper of await k.store.popMatureValidators(ctx, blockTime(ctx), ctx.block.height)) {
    const v = await k.store.validator(ctx, valBytes(valoper));
    if (!v || v.status !== BondStatus.BOND_STATUS_UNBONDING) continue;
    const unbonded: Validator = { ...v, status: BondStatus.BOND_STATUS_UNBONDED };
    if (sharesOf(unbonded).isZero()) await k.removeValidator(ctx, unbonded);
    else await k.store.setValidator(ctx, unbonded);
  }
}
