import type { Delegation, Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../../chain/app/context.ts";
import { SdkCode, sdkError } from "../../chain/app/errors.ts";
import { event } from "../../chain/app/events.ts";
import { moduleAddress } from "../../chain/crypto/address.ts";
import { type Coin64, coinString } from "../../chain/types/coins.ts";
import {
  addDecCoins,
  type DecCoin,
  decCoinsFromCoins,
  intersectDecCoins,
  subDecCoins,
  truncateDecCoins,
} from "../../chain/types/dec-coins.ts";
import { accBytes, accountOf, valBytes } from "../staking/store.ts";
import { DistributionCode, distributionError } from "./errors.ts";
import type { DistributionBank, DistributionStaking } from "./expected-keepers.ts";
import {
  calculateDelegationRewards,
  decrementReferenceCount,
  incrementValidatorPeriod,
  initializeDelegation,
} from "./f1.ts";
import { DISTRIBUTION_MODULE, type DistributionParams } from "./params.ts";
import { DistributionStore } from "./store.ts";

/** The SDK's DecCoins.String(): "1.500000000000000000ucif,2.000000000000000000uatom". */
export const decCoinsString = (coins: readonly DecCoin[]) =>
  coins.map((c) => `${c.amount.toString()}${c.denom}`).join(",");

/**
 * x/distribution's keeper (SDK v0.50): withdrawals of delegation rewards and validator commission,
 * withdraw addresses, the community pool. Period accounting is in f1.ts, block allocation in
 * allocation.ts.
 */
export class DistributionKeeper {
  readonly store = new DistributionStore();
  readonly moduleAddress = moduleAddress(DISTRIBUTION_MODULE);

  constructor(
    readonly staking: DistributionStaking,
    readonly bank: DistributionBank,
  ) {}

  params(ctx: Context): Promise<DistributionParams> {
    return this.store.params(ctx);
  }

  /** GetDelegatorWithdrawAddr: where a delegator's rewards (and an operator's commission) go. */
  async withdrawAddress(ctx: Context, del: Uint8Array): Promise<string> {
    return accountOf((await this.store.withdrawAddress(ctx, del)) ?? del);
  }

  async setWithdrawAddress(ctx: Context, del: Uint8Array, to: string): Promise<void> {
    if (this.bank.isBlocked(to))
      throw sdkError(SdkCode.Unauthorized, `${to} is not allowed to receive external funds`);
    if (!(await this.params(ctx)).withdrawAddrEnabled)
      throw distributionError(DistributionCode.SetWithdrawAddrDisabled, "set withdraw address disabled");
    ctx.events.emit(event("set_withdraw_address", [["withdraw_address", to]]));
    // Withdrawing to oneself is the default: keep no record for it.
    const toBytes = accBytes(to);
    if (Buffer.compare(Buffer.from(toBytes), Buffer.from(del)) === 0)
      this.store.deleteWithdrawAddress(ctx, del);
    else this.store.setWithdrawAddress(ctx, del, toBytes);
  }

  async fundCommunityPool(ctx: Context, depositor: string, amount: Coin64[]): Promise<void> {
    await this.bank.sendCoins(ctx, depositor, this.moduleAddress, amount);
    this.store.setCommunityPool(
      ctx,
      addDecCoins(await this.store.communityPool(ctx), decCoinsFromCoins(amount)),
    );
  }

  /** Pays whole coins from the module account; nothing is sent for none. */
  private async pay(ctx: Context, to: string, coins: Coin64[]): Promise<void> {
    if (coins.length > 0) await this.bank.sendCoins(ctx, this.moduleAddress, to, coins);
  }

  async validatorOf(ctx: Context, val: Uint8Array, valoper: string): Promise<Validator> {
    const v = await this.staking.validator(ctx, val);
    if (!v)
      throw distributionError(DistributionCode.NoValidatorExists, `validator ${valoper} does not exist`);
    return v;
  }

  /** WithdrawDelegationRewards: pays what a delegation earned and starts it afresh. */
  async withdrawDelegationRewards(ctx: Context, del: Uint8Array, valoper: string): Promise<Coin64[]> {
    const val = valBytes(valoper);
    const v = await this.validatorOf(ctx, val, valoper);
    const d = await this.staking.delegation(ctx, del, val);
    if (!d)
      throw distributionError(DistributionCode.EmptyDelegationDistInfo, "no delegation distribution info");
    const paid = await this.withdrawRewards(ctx, v, d);
    await initializeDelegation(ctx, this.store, v, d);
    return paid;
  }

  /**
   * withdrawDelegationRewards: ends the validator's period, pays the delegation its whole coins
   * (the decimal change goes to the community pool) and removes its starting info. Staking calls it
   * through the hooks before every change of the delegation's shares.
   */
  async withdrawRewards(ctx: Context, v: Validator, d: Delegation): Promise<Coin64[]> {
    const val = valBytes(v.operatorAddress);
    const del = accBytes(d.delegatorAddress);
    const start = await this.store.startingInfo(ctx, val, del);
    if (!start)
      throw distributionError(DistributionCode.EmptyDelegationDistInfo, "no delegation distribution info");
    const endingPeriod = await incrementValidatorPeriod(ctx, this.store, v);
    const raw = await calculateDelegationRewards(ctx, this.store, v, d, endingPeriod);
    const outstanding = (await this.store.outstanding(ctx, val)) ?? [];
    // Rounding across many periods may leave the last digits above what is outstanding.
    const rewards = intersectDecCoins(raw, outstanding);
    const { coins, change } = truncateDecCoins(rewards);
    await this.pay(ctx, await this.withdrawAddress(ctx, del), coins);
    this.store.setOutstanding(ctx, val, subDecCoins(outstanding, rewards));
    this.store.setCommunityPool(ctx, addDecCoins(await this.store.communityPool(ctx), change));
    await decrementReferenceCount(ctx, this.store, val, start.previousPeriod);
    this.store.deleteStartingInfo(ctx, val, del);
    const bondDenom = await this.staking.bondDenom(ctx);
    ctx.events.emit(
      event("withdraw_rewards", [
        ["amount", coins.length > 0 ? coinString(coins) : `0${bondDenom}`],
        ["validator", v.operatorAddress],
        ["delegator", d.delegatorAddress],
      ]),
    );
    return coins;
  }

  /** WithdrawValidatorCommission: the whole coins of the accumulated commission; the change stays. */
  async withdrawValidatorCommission(ctx: Context, valoper: string): Promise<Coin64[]> {
    const val = valBytes(valoper);
    const commission = (await this.store.commission(ctx, val)) ?? [];
    if (commission.length === 0)
      throw distributionError(DistributionCode.NoValidatorCommission, "no validator commission to withdraw");
    const { coins, change } = truncateDecCoins(commission);
    this.store.setCommission(ctx, val, change);
    const outstanding = (await this.store.outstanding(ctx, val)) ?? [];
    this.store.setOutstanding(ctx, val, subDecCoins(outstanding, decCoinsFromCoins(coins)));
    await this.pay(ctx, await this.withdrawAddress(ctx, val), coins);
    ctx.events.emit(event("withdraw_commission", [["amount", coinString(coins)]]));
    return coins;
  }

  /**
   * The rewards a delegation would withdraw now, without changing state: the caller passes a
   * branched context (queries run on a throwaway cache).
   */
  async pendingRewards(ctx: Context, v: Validator, d: Delegation): Promise<DecCoin[]> {
    const endingPeriod = await incrementValidatorPeriod(ctx, this.store, v);
    return calculateDelegationRewards(ctx, this.store, v, d, endingPeriod);
  }
}
