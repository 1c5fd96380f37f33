import {
  BondStatus,
  type Commission,
  type Delegation,
  type Description,
  type Validator,
} from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { Context } from "../../chain/app/context.ts";
import { SdkCode, sdkError } from "../../chain/app/errors.ts";
import { event } from "../../chain/app/events.ts";
import { moduleAddress } from "../../chain/crypto/address.ts";
import type { Coin64 } from "../../chain/types/coins.ts";
import { Dec } from "../../chain/types/dec.ts";
import { StakingCode, stakingError } from "./errors.ts";
import { HookList } from "./hooks.ts";
import { BONDED_POOL, NOT_BONDED_POOL, type StakingParams } from "./params.ts";
import { accountOf, StakingStore, valBytes } from "./store.ts";
import {
  addTokensFromDel,
  consensusAddress,
  invalidExRate,
  isBonded,
  removeDelShares,
  sharesFromTokens,
  sharesOf,
  tokensFromShares,
  tokensOf,
} from "./validator.ts";

/** What staking needs of bank: pool transfers, and delegation transfers that vesting accounts track. */
export interface StakingBank {
  balance(ctx: Context, address: string, denom: string): Promise<bigint>;
  delegateCoins(ctx: Context, delegator: string, pool: string, coins: Coin64[]): Promise<void>;
  undelegateCoins(ctx: Context, pool: string, delegator: string, coins: Coin64[]): Promise<void>;
  /** Between module accounts (bonded and not-bonded pools, the community pool for slashed tokens). */
  sendBetweenModules(ctx: Context, from: string, to: string, coins: Coin64[]): Promise<void>;
}

/**
 * Who may propose and how often, per validator in the next consensus set (reputation tiers); the
 * default is CometBFT's: by voting power.
 */
export type ProposerWeights = (ctx: Context, v: Validator, power: bigint) => Promise<bigint>;

export const blockTime = (ctx: Context): Timestamp => ({
  seconds: ctx.block.timeSeconds,
  nanos: ctx.block.timeNanos,
});
export const addSeconds = (t: Timestamp, s: bigint): Timestamp => ({
  seconds: t.seconds + s,
  nanos: t.nanos,
});
export const timeLte = (a: Timestamp, b: Timestamp) =>
  a.seconds < b.seconds || (a.seconds === b.seconds && a.nanos <= b.nanos);

/**
 * x/staking's keeper (SDK v0.50 semantics): validators with delegation shares, delegations,
 * unbonding and redelegation with their queues, the bonded and not-bonded pools, jailing. The
 * consensus set is computed at epoch boundaries (epoch.ts) and slashing lives in slash.ts.
 */
export class StakingKeeper {
  readonly store = new StakingStore();
  readonly hooks = new HookList();
  proposerWeight: ProposerWeights = async (_ctx, _v, power) => power;

  constructor(readonly bank: StakingBank) {}

  params(ctx: Context): Promise<StakingParams> {
    return this.store.params(ctx);
  }

  async validator(ctx: Context, valoper: string): Promise<Validator> {
    let val: Uint8Array;
    try {
      val = valBytes(valoper);
    } catch (e) {
      throw sdkError(SdkCode.InvalidAddress, `invalid validator address: ${(e as Error).message}`);
    }
    const v = await this.store.validator(ctx, val);
    if (!v) throw stakingError(StakingCode.NoValidatorFound, `validator ${valoper} does not exist`);
    return v;
  }

  // ---- validators -----------------------------------------------------------------------------

  async createValidator(
    ctx: Context,
    m: {
      valoper: string;
      pubkey: Any;
      value: bigint;
      description: Description;
      commission: { rate: Dec; maxRate: Dec; maxChangeRate: Dec };
      minSelfDelegation: bigint;
    },
  ): Promise<Validator> {
    const val = valBytes(m.valoper);
    if (await this.store.validator(ctx, val))
      throw stakingError(StakingCode.ValidatorOwnerExists, `validator ${m.valoper} already exists`);
    const params = await this.params(ctx);
    if (m.commission.rate.lt(params.minCommissionRate))
      throw stakingError(
        StakingCode.CommissionLTMinRate,
        `commission rate ${m.commission.rate} is below the minimum ${params.minCommissionRate}`,
      );
    if (m.value < m.minSelfDelegation)
      throw stakingError(StakingCode.SelfDelegationBelowMinimum, "self delegation is below the minimum");
    const v: Validator = {
      operatorAddress: m.valoper,
      consensusPubkey: m.pubkey,
      jailed: false,
      status: BondStatus.BOND_STATUS_UNBONDED,
      tokens: "0",
      delegatorShares: Dec.ZERO.toProto(),
      description: m.description,
      unbondingHeight: 0n,
      unbondingTime: { seconds: 0n, nanos: 0 },
      commission: {
        commissionRates: {
          rate: m.commission.rate.toProto(),
          maxRate: m.commission.maxRate.toProto(),
          maxChangeRate: m.commission.maxChangeRate.toProto(),
        },
        updateTime: blockTime(ctx),
      },
      minSelfDelegation: m.minSelfDelegation.toString(),
      unbondingOnHoldRefCount: 0n,
      unbondingIds: [],
    };
    if (await this.store.validatorByCons(ctx, consensusAddress(v)))
      throw stakingError(
        StakingCode.ValidatorPubKeyExists,
        "a validator with this consensus key already exists",
      );
    await this.store.setValidator(ctx, v);
    await this.hooks.call("afterValidatorCreated", ctx, val);
    await this.delegate(ctx, val, m.value, BondStatus.BOND_STATUS_UNBONDED, v, true);
    ctx.events.emit(
      event("create_validator", [
        ["validator", m.valoper],
        ["amount", `${m.value}${params.bondDenom}`],
      ]),
    );
    return (await this.store.validator(ctx, val))!;
  }

  async editValidator(
    ctx: Context,
    valoper: string,
    edit: { description?: Description; rate?: Dec; minSelfDelegation?: bigint },
  ): Promise<void> {
    const v = await this.validator(ctx, valoper);
    let next: Validator = { ...v };
    if (edit.description) next.description = edit.description;
    if (edit.rate) next.commission = await this.updatedCommission(ctx, v, edit.rate);
    if (edit.minSelfDelegation !== undefined) {
      if (edit.minSelfDelegation <= BigInt(v.minSelfDelegation))
        throw stakingError(
          StakingCode.MinSelfDelegationDecreased,
          "minimum self delegation can only increase",
        );
      if (edit.minSelfDelegation > tokensOf(v))
        throw stakingError(
          StakingCode.SelfDelegationBelowMinimum,
          "minimum self delegation exceeds the validator's tokens",
        );
      next = { ...next, minSelfDelegation: edit.minSelfDelegation.toString() };
    }
    await this.store.setValidator(ctx, next);
    ctx.events.emit(
      event("edit_validator", [
        ["commission_rate", Dec.fromProto(next.commission!.commissionRates!.rate).toString()],
        ["min_self_delegation", next.minSelfDelegation],
      ]),
    );
  }

  /** UpdateValidatorCommission: within the max rate and max daily change, at most once per 24 h. */
  private async updatedCommission(ctx: Context, v: Validator, rate: Dec): Promise<Commission> {
    const c = v.commission!;
    const rates = c.commissionRates!;
    const now = blockTime(ctx);
    if (now.seconds - c.updateTime!.seconds < 86_400n)
      throw stakingError(StakingCode.CommissionUpdateTime, "commission can be changed once per 24 hours");
    if (rate.isNegative()) throw stakingError(StakingCode.CommissionNegative, "commission must be positive");
    if (rate.gt(Dec.fromProto(rates.maxRate)))
      throw stakingError(StakingCode.CommissionGTMaxRate, "commission cannot be more than the max rate");
    if (rate.sub(Dec.fromProto(rates.rate)).gt(Dec.fromProto(rates.maxChangeRate)))
      throw stakingError(
        StakingCode.CommissionGTMaxChangeRate,
        "commission cannot change more than the max change rate",
      );
    const params = await this.params(ctx);
    if (rate.lt(params.minCommissionRate))
      throw stakingError(StakingCode.CommissionLTMinRate, "commission cannot be less than the minimum rate");
    return { commissionRates: { ...rates, rate: rate.toProto() }, updateTime: now };
  }

  // ---- delegation -----------------------------------------------------------------------------

  /**
   * Delegate: `amount` tokens from `del` (or, with subtractAccount false, tokens already in a pool
   * whose status `tokenSrc` names: a redelegation) become shares of `v`.
   */
  async delegate(
    ctx: Context,
    del: Uint8Array,
    amount: bigint,
    tokenSrc: BondStatus,
    v: Validator,
    subtractAccount: boolean,
  ): Promise<Dec> {
    if (invalidExRate(v))
      throw stakingError(
        StakingCode.DelegatorShareExRateInvalid,
        "validator has no tokens behind its shares",
      );
    const val = valBytes(v.operatorAddress);
    const existing = await this.store.delegation(ctx, del, val);
    await this.hooks.call(
      existing ? "beforeDelegationSharesModified" : "beforeDelegationCreated",
      ctx,
      del,
      val,
    );
    const { bondDenom } = await this.params(ctx);
    const coins = [{ denom: bondDenom, amount }];
    if (subtractAccount) {
      await this.bank.delegateCoins(ctx, accountOf(del), isBonded(v) ? BONDED_POOL : NOT_BONDED_POOL, coins);
    } else {
      const fromBonded = tokenSrc === BondStatus.BOND_STATUS_BONDED;
      if (fromBonded && !isBonded(v)) await this.moveToNotBonded(ctx, amount);
      else if (!fromBonded && isBonded(v)) await this.moveToBonded(ctx, amount);
    }
    // Re-read: the hooks may have changed the validator (distribution does not, but keep the rule simple).
    const current = (await this.store.validator(ctx, val)) ?? v;
    const { validator, issued } = addTokensFromDel(current, amount);
    await this.store.setValidator(ctx, validator);
    const d: Delegation = existing
      ? { ...existing, shares: Dec.fromProto(existing.shares).add(issued).toProto() }
      : { delegatorAddress: accountOf(del), validatorAddress: v.operatorAddress, shares: issued.toProto() };
    this.store.setDelegation(ctx, d);
    await this.hooks.call("afterDelegationModified", ctx, del, val);
    return issued;
  }

  /** ValidateUnbondAmount: the shares worth `amount` tokens, capped at the delegation's shares. */
  async sharesForAmount(ctx: Context, del: Uint8Array, valoper: string, amount: bigint): Promise<Dec> {
    const v = await this.validator(ctx, valoper);
    const d = await this.store.delegation(ctx, del, valBytes(valoper));
    if (!d) throw stakingError(StakingCode.NoDelegation, "no delegation for (address, validator) tuple");
    const shares = sharesFromTokens(v, amount);
    if (shares.gt(Dec.fromProto(d.shares))) throw sdkError(SdkCode.InvalidRequest, "invalid shares amount");
    return shares;
  }

  /** Unbond: removes `shares` from a delegation and returns the tokens they were worth. */
  async unbond(ctx: Context, del: Uint8Array, val: Uint8Array, shares: Dec): Promise<bigint> {
    const d = await this.store.delegation(ctx, del, val);
    if (!d) throw stakingError(StakingCode.NoDelegation, "no delegation for (address, validator) tuple");
    const delShares = Dec.fromProto(d.shares);
    if (delShares.lt(shares))
      throw stakingError(
        StakingCode.NotEnoughDelegationShares,
        `${shares} is more than the delegation's ${delShares}`,
      );
    await this.hooks.call("beforeDelegationSharesModified", ctx, del, val);
    let v = (await this.store.validator(ctx, val))!;
    const remaining = delShares.sub(shares);
    // A validator whose own stake falls below its minimum self delegation is jailed (SDK rule).
    const isSelf = Buffer.compare(Buffer.from(del), Buffer.from(val)) === 0;
    if (isSelf && !v.jailed && tokensFromShares(v, remaining).truncateInt() < BigInt(v.minSelfDelegation)) {
      await this.jail(ctx, v);
      v = (await this.store.validator(ctx, val))!;
    }
    if (remaining.isZero()) {
      await this.hooks.call("beforeDelegationRemoved", ctx, del, val);
      this.store.removeDelegation(ctx, d);
    } else {
      this.store.setDelegation(ctx, { ...d, shares: remaining.toProto() });
      await this.hooks.call("afterDelegationModified", ctx, del, val);
    }
    const { validator, tokens } = removeDelShares(v, shares);
    if (sharesOf(validator).isZero() && validator.status === BondStatus.BOND_STATUS_UNBONDED)
      await this.removeValidator(ctx, validator);
    else await this.store.setValidator(ctx, validator);
    return tokens;
  }

  /** Undelegate: unbond, then the tokens wait in the not-bonded pool until the unbonding time. */
  async undelegate(
    ctx: Context,
    del: Uint8Array,
    valoper: string,
    shares: Dec,
  ): Promise<{ completionTime: Timestamp; amount: bigint }> {
    const v = await this.validator(ctx, valoper);
    const val = valBytes(valoper);
    const params = await this.params(ctx);
    const ubd = await this.store.unbonding(ctx, del, val);
    if (ubd && ubd.entries.length >= params.maxEntries)
      throw stakingError(
        StakingCode.MaxUnbondingDelegationEntries,
        "too many unbonding entries for this delegation",
      );
    const amount = await this.unbond(ctx, del, val, shares);
    if (isBonded(v)) await this.moveToNotBonded(ctx, amount);
    const completionTime = addSeconds(blockTime(ctx), params.unbondingTimeSeconds);
    const entry = {
      creationHeight: ctx.block.height,
      completionTime,
      initialBalance: amount.toString(),
      balance: amount.toString(),
      unbondingId: 0n,
      unbondingOnHoldRefCount: 0n,
    };
    this.store.setUnbonding(ctx, {
      delegatorAddress: accountOf(del),
      validatorAddress: valoper,
      entries: [...(ubd?.entries ?? []), entry],
    });
    await this.store.pushUnbondingQueue(ctx, completionTime, accountOf(del), valoper);
    return { completionTime, amount };
  }

  /** CompleteUnbonding: pays out every matured entry of (del, val). */
  async completeUnbonding(ctx: Context, del: Uint8Array, valoper: string): Promise<bigint> {
    const ubd = await this.store.unbonding(ctx, del, valBytes(valoper));
    if (!ubd) return 0n;
    const now = blockTime(ctx);
    const { bondDenom } = await this.params(ctx);
    let paid = 0n;
    const left = [];
    for (const e of ubd.entries) {
      if (!timeLte(e.completionTime!, now)) {
        left.push(e);
        continue;
      }
      const balance = BigInt(e.balance);
      if (balance > 0n)
        await this.bank.undelegateCoins(ctx, NOT_BONDED_POOL, accountOf(del), [
          { denom: bondDenom, amount: balance },
        ]);
      paid += balance;
    }
    this.store.setUnbonding(ctx, { ...ubd, entries: left });
    return paid;
  }

  /** BeginRedelegation: shares move from src to dst at once; slashing can still reach them until maturity. */
  async beginRedelegation(
    ctx: Context,
    del: Uint8Array,
    srcoper: string,
    dstoper: string,
    shares: Dec,
  ): Promise<Timestamp> {
    if (srcoper === dstoper)
      throw stakingError(StakingCode.SelfRedelegation, "cannot redelegate to the same validator");
    const src = await this.validator(ctx, srcoper);
    let dst: Validator;
    try {
      dst = await this.validator(ctx, dstoper);
    } catch {
      throw stakingError(StakingCode.BadRedelegationDst, `redelegation destination ${dstoper} not found`);
    }
    const srcVal = valBytes(srcoper);
    const dstVal = valBytes(dstoper);
    if (await this.store.hasReceivingRedelegation(ctx, del, srcVal))
      throw stakingError(
        StakingCode.TransitiveRedelegation,
        "a redelegation into the source validator is in progress",
      );
    const params = await this.params(ctx);
    const red = await this.store.redelegation(ctx, del, srcVal, dstVal);
    if (red && red.entries.length >= params.maxEntries)
      throw stakingError(StakingCode.MaxRedelegationEntries, "too many redelegation entries");
    const amount = await this.unbond(ctx, del, srcVal, shares);
    if (amount === 0n) throw stakingError(StakingCode.TinyRedelegationAmount, "too few tokens to redelegate");
    const dstNow = (await this.store.validator(ctx, dstVal)) ?? dst;
    const sharesDst = await this.delegate(ctx, del, amount, src.status, dstNow, false);
    // getBeginInfo: from an unbonded source there is nothing left to slash: complete at once.
    if (src.status === BondStatus.BOND_STATUS_UNBONDED) return blockTime(ctx);
    const completionTime =
      src.status === BondStatus.BOND_STATUS_UNBONDING
        ? src.unbondingTime!
        : addSeconds(blockTime(ctx), params.unbondingTimeSeconds);
    const creationHeight =
      src.status === BondStatus.BOND_STATUS_UNBONDING ? src.unbondingHeight : ctx.block.height;
    const entry = {
      creationHeight,
      completionTime,
      initialBalance: amount.toString(),
      sharesDst: sharesDst.toProto(),
      unbondingId: 0n,
      unbondingOnHoldRefCount: 0n,
    };
    this.store.setRedelegation(ctx, {
      delegatorAddress: accountOf(del),
      validatorSrcAddress: srcoper,
      validatorDstAddress: dstoper,
      entries: [...(red?.entries ?? []), entry],
    });
    await this.store.pushRedelegationQueue(ctx, completionTime, accountOf(del), srcoper, dstoper);
    return completionTime;
  }

  async completeRedelegation(ctx: Context, del: Uint8Array, srcoper: string, dstoper: string): Promise<void> {
    const red = await this.store.redelegation(ctx, del, valBytes(srcoper), valBytes(dstoper));
    if (!red) return;
    const now = blockTime(ctx);
    this.store.setRedelegation(ctx, {
      ...red,
      entries: red.entries.filter((e) => !timeLte(e.completionTime!, now)),
    });
  }

  // ---- jailing and removal --------------------------------------------------------------------

  /** Jails: out of the power index at once, out of the consensus set at the next epoch. */
  async jail(ctx: Context, v: Validator): Promise<void> {
    if (v.jailed) return;
    await this.store.setValidator(ctx, { ...v, jailed: true });
  }

  async unjail(ctx: Context, v: Validator): Promise<void> {
    if (!v.jailed) return;
    await this.store.setValidator(ctx, { ...v, jailed: false });
  }

  async removeValidator(ctx: Context, v: Validator): Promise<void> {
    if (tokensOf(v) !== 0n) throw new Error("cannot remove a validator that still has tokens");
    this.store.removeValidator(ctx, v);
    await this.hooks.call("afterValidatorRemoved", ctx, consensusAddress(v), valBytes(v.operatorAddress));
  }

  // ---- pools ----------------------------------------------------------------------------------

  async moveToNotBonded(ctx: Context, amount: bigint): Promise<void> {
    if (amount === 0n) return;
    const { bondDenom } = await this.params(ctx);
    await this.bank.sendBetweenModules(ctx, BONDED_POOL, NOT_BONDED_POOL, [{ denom: bondDenom, amount }]);
  }

  async moveToBonded(ctx: Context, amount: bigint): Promise<void> {
    if (amount === 0n) return;
    const { bondDenom } = await this.params(ctx);
    await this.bank.sendBetweenModules(ctx, NOT_BONDED_POOL, BONDED_POOL, [{ denom: bondDenom, amount }]);
  }

  async poolBalances(ctx: Context): Promise<{ bonded: bigint; notBonded: bigint }> {
    const { bondDenom } = await this.params(ctx);
    return {
      bonded: await this.bank.balance(ctx, moduleAddress(BONDED_POOL), bondDenom),
      notBonded: await this.bank.balance(ctx, moduleAddress(NOT_BONDED_POOL), bondDenom),
    };
  }
}
