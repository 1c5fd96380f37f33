import type { Context } from "../../chain/app/context.ts";
import type { AppModule } from "../../chain/app/module.ts";
import { Dec } from "../../chain/types/dec.ts";
import { addDecCoins, type DecCoin } from "../../chain/types/dec-coins.ts";
import { allocateTokens } from "./allocation.ts";
import type { DistributionBank, DistributionStaking } from "./expected-keepers.ts";
import { exportDistributionGenesis, initDistributionGenesis, parseDistributionGenesis } from "./genesis.ts";
import { distributionHooks } from "./hooks.ts";
import { DistributionKeeper } from "./keeper.ts";
import { distributionMsgs } from "./msg-server.ts";
import { distributionQueries } from "./query-server.ts";
import { DISTRIBUTION_STORE_KEY } from "./store.ts";

/**
 * x/distribution (SDK v0.50, F1): in BeginBlock, the previous block's fees and this block's emission
 * from the staking-rewards allocation are split among the validators that decided the last block,
 * minus the community tax; delegators withdraw their share of each validator's rewards, operators
 * their commission.
 */
export class DistributionModule implements AppModule {
  readonly name = "distribution";
  readonly storeKey = DISTRIBUTION_STORE_KEY;
  readonly keeper: DistributionKeeper;

  constructor(
    staking: DistributionStaking,
    bank: DistributionBank,
    /** The module account fees are collected in (auth's fee_collector). */
    private readonly feeCollector: string,
  ) {
    this.keeper = new DistributionKeeper(staking, bank);
    staking.addHooks(distributionHooks(this.keeper));
  }

  msgs() {
    return distributionMsgs(this.keeper);
  }

  queries() {
    return distributionQueries(this.keeper);
  }

  beginBlock(ctx: Context): Promise<void> {
    return allocateTokens(ctx, this.keeper, this.feeCollector);
  }

  /**
   * The SDK's distribution invariants: the module account holds exactly every validator's
   * outstanding rewards plus the community pool (their sum is whole: only whole coins enter or
   * leave), and every historical period is referenced exactly by its validator's current period,
   * delegations and slash events.
   */
  async invariants(ctx: Context): Promise<string[]> {
    const { store } = this.keeper;
    const broken: string[] = [];
    let expected: DecCoin[] = await store.communityPool(ctx);
    for await (const o of store.allOutstanding(ctx)) expected = addDecCoins(expected, o.rewards);
    const held = await this.keeper.bank.getAllBalances(ctx, this.keeper.moduleAddress);
    const denoms = new Set([...expected.map((c) => c.denom), ...held.map((c) => c.denom)]);
    for (const denom of [...denoms].sort()) {
      const want = expected.find((c) => c.denom === denom)?.amount ?? Dec.ZERO;
      const has = held.find((c) => c.denom === denom)?.amount ?? 0n;
      if (!want.eq(Dec.fromInt(has)))
        broken.push(
          `distribution account holds ${has}${denom}, outstanding rewards and community pool ${want}`,
        );
    }
    let references = 0;
    for await (const h of store.allHistorical(ctx)) references += h.referenceCount;
    let starting = 0;
    for await (const _ of store.allStartingPeriods(ctx)) starting++;
    const want = (await store.validatorCount(ctx)) + starting + (await store.slashEventCount(ctx));
    if (references !== want)
      broken.push(
        `historical rewards hold ${references} references, validators, delegations and slashes need ${want}`,
      );
    return broken;
  }

  validateGenesis(state: unknown): void {
    parseDistributionGenesis(state);
  }

  initGenesis(ctx: Context, state: unknown): Promise<void> {
    return initDistributionGenesis(ctx, this.keeper, parseDistributionGenesis(state));
  }

  exportGenesis(ctx: Context): Promise<unknown> {
    return exportDistributionGenesis(ctx, this.keeper);
  }
}
