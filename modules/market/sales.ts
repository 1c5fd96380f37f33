import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { checkCurve, priceAt } from "./curve.ts";
import { MarketCode, marketError } from "./errors.ts";
import { amount, type MarketKeeper } from "./keeper.ts";
import { type MarketParams, PPM } from "./params.ts";
import { type Asset, AssetKind, type Grant } from "./proto.ts";
import { type Payee, type Seller, splitSale } from "./split.ts";

// Sales: the price of an asset's next sale on its curve, who is paid what, the grant, and the
// rewards a use earns. MsgBuyAccess and a released escrow both sell through sell().

/** The asset's listing, which must be active. */
export function activeListing(a: Asset) {
  if (!a.listing?.active || !a.listing.curve)
    throw marketError(MarketCode.NotListed, `asset ${a.id} is not listed for sale`);
  return a.listing;
}

/** The price of the asset's next sale; refused above max_price (the curve went past what may be asked). */
export function currentPrice(a: Asset, p: MarketParams): bigint {
  const l = activeListing(a);
  const price = priceAt(checkCurve(l.curve, p), l.sales);
  if (price > p.maxPrice)
    throw marketError(
      MarketCode.InvalidPrice,
      `asset ${a.id}'s curve asks ${price} ucif, above the limit of ${p.maxPrice}`,
    );
  return price;
}

/** Who sells: the owner of a $Data or $Model, or a portfolio's curator and its data's owners. */
async function sellerOf(ctx: Context, k: MarketKeeper, a: Asset): Promise<{ seller: Seller; data: Asset[] }> {
  if (a.kind !== AssetKind.Portfolio || !a.portfolio)
    return { seller: { kind: "single", owner: a.owner }, data: a.kind === AssetKind.Data ? [a] : [] };
  const data: Asset[] = [];
  for (const it of a.portfolio.items) data.push(await k.assetOr404(ctx, it.dataId));
  return {
    seller: {
      kind: "portfolio",
      curator: a.owner,
      curatorSharePpm: a.portfolio.curatorSharePpm,
      owners: a.portfolio.items.map((it, i) => ({ address: data[i]!.owner, weightPpm: it.weightPpm })),
    },
    data,
  };
}

/**
 * One sale at `price` paid by `payer` (the buyer, or the module account for an escrow): the split
 * (protocol fee to the community pool, curator, owners by weight, to the last ucif), the grant, the
 * curve's step, the uses of the asset and of a portfolio's data, and the use bonuses. Returns the
 * grant. The caller has checked the price against the buyer's maximum.
 */
export async function sell(
  ctx: Context,
  k: MarketKeeper,
  a: Asset,
  buyer: string,
  payer: string,
  price: bigint,
  escrowId: bigint,
): Promise<Grant> {
  const p = await k.params(ctx);
  const listing = activeListing(a);
  const { seller, data } = await sellerOf(ctx, k, a);
  const payees = splitSale(price, p.protocolFeePpm, seller, "");
  for (const x of payees)
    if (x.role === "protocol") await k.toCommunityPool(ctx, payer, x.amount);
    else await k.send(ctx, payer, x.address, x.amount);
  const h = ctx.block.height;
  const grant: Grant = {
    id: await k.store.takeId(ctx, "grant"),
    assetId: a.id,
    holder: buyer,
    price: price.toString(),
    height: h,
    expires: listing.accessBlocks === 0n ? 0n : h + listing.accessBlocks - 1n,
    licence: listing.licence,
    escrowId,
  };
  k.store.setGrant(ctx, grant);
  listing.sales += 1n;
  listing.revenue = (amount(listing.revenue) + price).toString();
  const paid = (role: Payee["role"]) =>
    payees.filter((x) => x.role === role).reduce((t, x) => t + x.amount, 0n);
  const epoch = ctx.block.height / p.rewardEpochBlocks;
  const earn = async (asset: Asset, value: bigint) => {
    asset.earned = (amount(asset.earned) + value).toString();
    if (asset.kind === AssetKind.Data && value > 0n)
      await k.store.addEpochEarned(ctx, epoch, asset.id, value);
  };
  a.uses += 1n;
  if (a.kind === AssetKind.Portfolio) {
    await earn(a, paid("curator"));
    // Each item's share of the owners' part, rounded down (the dust went to one owner).
    const owners = paid("owner");
    for (const [i, d] of data.entries()) {
      d.uses += 1n;
      await earn(d, (owners * BigInt(a.portfolio!.items[i]!.weightPpm)) / PPM);
      k.store.setAsset(ctx, d);
    }
  } else await earn(a, paid("owner"));
  k.store.setAsset(ctx, a);
  const bonuses = await useBonuses(ctx, k, p, a, data, payees);
  ctx.events.emit(
    event("market_access_bought", [
      ["asset_id", a.id.toString()],
      ["buyer", buyer],
      ["grant_id", grant.id.toString()],
      ["price", price.toString()],
      ["sales", listing.sales.toString()],
      ["expires", grant.expires.toString()],
      ["escrow_id", escrowId.toString()],
      ["payees", payees.map((x) => `${x.role}:${x.address}:${x.amount}`).join(",")],
      ["bonuses", bonuses],
    ]),
  );
  return grant;
}

/**
 * Use bonuses from the community allocation: each distinct owner of the $Data used (bought alone or
 * in a portfolio) earns data_use_bonus, a portfolio's curator curator_use_bonus, in that order.
 * Together they never exceed half the sale's protocol fee, so buying one's own data through a
 * second account always costs at least that half (wash trading; rewards.ts relies on it), and they
 * stop when the allocation is spent.
 */
async function useBonuses(
  ctx: Context,
  k: MarketKeeper,
  p: MarketParams,
  a: Asset,
  data: Asset[],
  payees: Payee[],
): Promise<string> {
  let budget = (payees.find((x) => x.role === "protocol")?.amount ?? 0n) / 2n;
  const paid: string[] = [];
  const pay = async (to: string, want: bigint) => {
    const v = await k.fromCommunity(ctx, to, want < budget ? want : budget);
    budget -= v;
    if (v > 0n) paid.push(`${to}:${v}`);
  };
  const owners = [...new Set(data.map((d) => d.owner))];
  for (const o of owners) await pay(o, p.dataUseBonus);
  if (a.kind === AssetKind.Portfolio) await pay(a.owner, p.curatorUseBonus);
  return paid.join(",");
}

/** MsgBuyAccess: the current price, if within the buyer's maximum, paid by the buyer. */
export async function buyAccess(
  ctx: Context,
  k: MarketKeeper,
  buyer: string,
  assetId: bigint,
  maxPrice: bigint,
): Promise<Grant> {
  const p = await k.params(ctx);
  const a = await k.assetOr404(ctx, assetId);
  if (a.owner === buyer)
    throw marketError(MarketCode.OwnAsset, `${buyer} owns asset ${assetId}: nothing to buy`);
  const price = currentPrice(a, p);
  if (price > maxPrice)
    throw marketError(
      MarketCode.PriceAboveMax,
      `asset ${assetId} costs ${price} ucif now, above your maximum of ${maxPrice}`,
    );
  return sell(ctx, k, a, buyer, buyer, price, 0n);
}
