import type { Context } from "../../chain/app/context.ts";
import { moduleAddress } from "../../chain/crypto/address.ts";
import { amount } from "../fl/amounts.ts";
import { MarketCode, marketError } from "./errors.ts";
import type { MarketBank, MarketDistribution, MarketFl } from "./expected-keepers.ts";
import { COMMUNITY_ALLOCATION, MARKET_MODULE, type MarketParams } from "./params.ts";
import { type Asset, type AssetKind, ASSET_KIND_NAMES, type Escrow, type Review } from "./proto.ts";
import { MarketStore } from "./store.ts";

/**
 * The market keeper: assets and the money around them. The module account holds exactly the open
 * escrows (each up to its max price) and the unsettled review deposits; everything else a sale moves
 * goes straight from payer to payees. Rules live in assets.ts, sales.ts, escrow.ts, reviews.ts and
 * rewards.ts; this class holds what they share.
 */
export class MarketKeeper {
  readonly store = new MarketStore();
  readonly moduleAddress = moduleAddress(MARKET_MODULE);
  /** The community & ecosystem allocation: base rewards and use bonuses come from it. */
  readonly communityAddress = moduleAddress(COMMUNITY_ALLOCATION);

  constructor(
    readonly bank: MarketBank,
    readonly distribution: MarketDistribution,
    readonly fl: MarketFl,
    readonly bondDenom: (ctx: Context) => Promise<string>,
  ) {}

  params(ctx: Context): Promise<MarketParams> {
    return this.store.params(ctx);
  }

  async assetOr404(ctx: Context, id: bigint): Promise<Asset> {
    const a = id > 0n ? await this.store.asset(ctx, id) : undefined;
    if (!a) throw marketError(MarketCode.AssetNotFound, `asset ${id} does not exist`);
    return a;
  }

  /** The asset, which `owner` must own. */
  async ownedAsset(ctx: Context, id: bigint, owner: string): Promise<Asset> {
    const a = await this.assetOr404(ctx, id);
    if (a.owner !== owner)
      throw marketError(MarketCode.NotOwner, `asset ${id} belongs to ${a.owner}, not ${owner}`);
    return a;
  }

  async assetOfKind(ctx: Context, id: bigint, kind: AssetKind, what: string): Promise<Asset> {
    const a = await this.assetOr404(ctx, id);
    if (a.kind !== kind)
      throw marketError(
        MarketCode.WrongAssetKind,
        `${what}: asset ${id} is a ${ASSET_KIND_NAMES[a.kind]} asset, not ${ASSET_KIND_NAMES[kind]}`,
      );
    return a;
  }

  async escrowOr404(ctx: Context, id: bigint): Promise<Escrow> {
    const e = id > 0n ? await this.store.escrow(ctx, id) : undefined;
    if (!e) throw marketError(MarketCode.EscrowNotFound, `escrow ${id} does not exist`);
    return e;
  }

  async reviewOr404(ctx: Context, id: bigint): Promise<Review> {
    const r = id > 0n ? await this.store.review(ctx, id) : undefined;
    if (!r) throw marketError(MarketCode.ReviewNotFound, `review ${id} does not exist`);
    return r;
  }

  /** Sends ucif; nothing for zero. The bank refuses an overdraft (insufficient funds) as a whole. */
  async send(ctx: Context, from: string, to: string, value: bigint): Promise<void> {
    if (value === 0n || from === to) return;
    await this.bank.sendCoins(ctx, from, to, [{ denom: await this.bondDenom(ctx), amount: value }]);
  }

  async toCommunityPool(ctx: Context, from: string, value: bigint): Promise<void> {
    if (value === 0n) return;
    await this.distribution.fundCommunityPool(ctx, from, [
      { denom: await this.bondDenom(ctx), amount: value },
    ]);
  }

  /**
   * Pays up to `value` from the community allocation, as much as it still holds (rewards stop when
   * the allocation is spent; a sale never fails for it). Returns what was paid.
   */
  async fromCommunity(ctx: Context, to: string, value: bigint): Promise<bigint> {
    if (value <= 0n) return 0n;
    const held = await this.bank.getBalance(ctx, this.communityAddress, await this.bondDenom(ctx));
    const paid = value < held ? value : held;
    await this.send(ctx, this.communityAddress, to, paid);
    return paid;
  }
}

export { amount };
