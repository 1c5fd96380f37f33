import type { Context } from "../../chain/app/context.ts";
import type { AppModule } from "../../chain/app/module.ts";
import { tickEscrow } from "./escrow.ts";
import type { MarketBank, MarketDistribution, MarketFl } from "./expected-keepers.ts";
import { exportMarketGenesis, initMarketGenesis, parseMarketGenesis } from "./genesis.ts";
import { amount, MarketKeeper } from "./keeper.ts";
import { WakeKind } from "./keys.ts";
import { marketMsgs } from "./msg-server.ts";
import { EscrowStatus } from "./proto.ts";
import { marketQueries } from "./query-server.ts";
import { matureReview } from "./reviews.ts";
import { payEpochRewards } from "./rewards.ts";
import { MARKET_STORE_KEY } from "./store.ts";

/**
 * cifer.market: the data and model marketplace (DESIGN section 9, issue #7). $Data, $Portfolio and
 * $Model NFTs, bonding-curve listings, access grants, accuracy-threshold escrows evaluated by
 * validator committees, use bonuses and base rewards from the community allocation, and reviews.
 * See README.md.
 */
export class MarketModule implements AppModule {
  readonly name = "market";
  readonly storeKey = MARKET_STORE_KEY;
  readonly keeper: MarketKeeper;

  constructor(
    bank: MarketBank,
    distribution: MarketDistribution,
    fl: MarketFl,
    bondDenom: (ctx: Context) => Promise<string>,
  ) {
    this.keeper = new MarketKeeper(bank, distribution, fl, bondDenom);
  }

  msgs() {
    return marketMsgs(this.keeper);
  }

  queries() {
    return marketQueries(this.keeper);
  }

  /** Escrow phases and deadlines, review maturities (in height, kind, id order), then epoch rewards. */
  async beginBlock(ctx: Context): Promise<void> {
    for (const due of await this.keeper.store.popDue(ctx, ctx.block.height))
      if (due.kind === WakeKind.Escrow) await tickEscrow(ctx, this.keeper, due.id);
      else if (due.kind === WakeKind.Review) await matureReview(ctx, this.keeper, due.id);
    await payEpochRewards(ctx, this.keeper);
  }

  /**
   * The module account holds exactly the open escrows' max prices and the unsettled reviews'
   * deposits; a settled escrow paid + refunded its max price exactly.
   */
  async invariants(ctx: Context): Promise<string[]> {
    const k = this.keeper;
    const broken: string[] = [];
    let expected = 0n;
    for (const status of [
      EscrowStatus.Committing,
      EscrowStatus.Revealing,
      EscrowStatus.Passed,
      EscrowStatus.Failed,
    ])
      for await (const e of k.store.escrowsWithStatus(ctx, status)) expected += amount(e.maxPrice);
    for (const status of [EscrowStatus.Released, EscrowStatus.Refunded])
      for await (const e of k.store.escrowsWithStatus(ctx, status))
        if (amount(e.paid) + amount(e.refunded) !== amount(e.maxPrice))
          broken.push(`escrow ${e.id}: paid ${e.paid} + refunded ${e.refunded} != max price ${e.maxPrice}`);
    for await (const r of k.store.reviews(ctx)) if (!r.settled) expected += amount(r.deposit);
    const denom = await k.bondDenom(ctx);
    const held = await k.bank.getBalance(ctx, k.moduleAddress, denom);
    if (held !== expected)
      broken.push(`market account holds ${held}${denom}, escrows and deposits are ${expected}${denom}`);
    return broken;
  }

  validateGenesis(state: unknown): void {
    parseMarketGenesis(state);
  }

  initGenesis(ctx: Context, state: unknown): Promise<void> {
    return initMarketGenesis(ctx, this.keeper, parseMarketGenesis(state));
  }

  exportGenesis(ctx: Context): Promise<unknown> {
    return exportMarketGenesis(ctx, this.keeper);
  }
}
