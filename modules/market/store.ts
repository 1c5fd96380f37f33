import type { Context } from "../../chain/app/context.ts";
import { parseAddress } from "../../chain/crypto/address.ts";
import { fromUtf8, utf8 } from "../../chain/crypto/hash.ts";
import { iteratePrefix, type KVStore } from "../../chain/store/kv.ts";
import * as K from "./keys.ts";
import {
  DEFAULT_MARKET_PARAMS,
  type MarketParams,
  marketParamsFromWire,
  marketParamsToWire,
} from "./params.ts";
import {
  type Asset,
  AssetCodec,
  encode,
  type Escrow,
  EscrowCodec,
  type EscrowStatus,
  type Grant,
  GrantCodec,
  ParamsCodec,
  type Review,
  ReviewCodec,
  type ReviewerStats,
  ReviewerStatsCodec,
} from "./proto.ts";

export const MARKET_STORE_KEY = "market";

const EMPTY = new Uint8Array();
const ONE = Uint8Array.of(1);

/**
 * Storage of market: params, assets, grants, escrows, reviews, their indexes and the wake-up queue.
 * The records are the cifer.market.v1 wire types, so what is stored is what queries return. Every
 * index is written by the same setter as its record, so they cannot drift apart. No rules here.
 */
export class MarketStore {
  kv(ctx: Context): KVStore {
    return ctx.kv(MARKET_STORE_KEY);
  }

  async params(ctx: Context): Promise<MarketParams> {
    const raw = await this.kv(ctx).get(K.paramsKey);
    return raw ? marketParamsFromWire(ParamsCodec.decode(raw)) : DEFAULT_MARKET_PARAMS;
  }

  setParams(ctx: Context, p: MarketParams): void {
    this.kv(ctx).set(K.paramsKey, encode(ParamsCodec, marketParamsToWire(p)));
  }

  /** Ids start at 1 and are never reused, one sequence per record kind. */
  async takeId(ctx: Context, s: K.Sequence): Promise<bigint> {
    const raw = await this.kv(ctx).get(K.nextIdKey(s));
    const id = raw ? K.readU64(raw, 0) : 1n;
    this.kv(ctx).set(K.nextIdKey(s), K.u64(id + 1n));
    return id;
  }

  // ---- assets ---------------------------------------------------------------------------------

  async asset(ctx: Context, id: bigint): Promise<Asset | undefined> {
    const raw = await this.kv(ctx).get(K.assetKey(id));
    return raw ? AssetCodec.decode(raw) : undefined;
  }

  /** Stores an asset; `previousOwner` (a transfer) moves its owner index entry. */
  setAsset(ctx: Context, a: Asset, previousOwner?: string): void {
    const kv = this.kv(ctx);
    if (previousOwner !== undefined && previousOwner !== a.owner)
      kv.delete(K.ownerKey(parseAddress(previousOwner), a.id));
    kv.set(K.assetKey(a.id), encode(AssetCodec, a));
    kv.set(K.ownerKey(parseAddress(a.owner), a.id), EMPTY);
    kv.set(K.kindKey(a.kind, a.id), EMPTY);
  }

  async modelOfTask(ctx: Context, taskId: bigint): Promise<bigint | undefined> {
    const raw = await this.kv(ctx).get(K.modelOfTaskKey(taskId));
    return raw ? K.readU64(raw, 0) : undefined;
  }

  setModelOfTask(ctx: Context, taskId: bigint, assetId: bigint): void {
    this.kv(ctx).set(K.modelOfTaskKey(taskId), K.u64(assetId));
  }

  // ---- grants ---------------------------------------------------------------------------------

  async grant(ctx: Context, id: bigint): Promise<Grant | undefined> {
    const raw = await this.kv(ctx).get(K.grantKey(id));
    return raw ? GrantCodec.decode(raw) : undefined;
  }

  setGrant(ctx: Context, g: Grant): void {
    const kv = this.kv(ctx);
    kv.set(K.grantKey(g.id), encode(GrantCodec, g));
    kv.set(K.holderKey(parseAddress(g.holder), g.assetId, g.id), EMPTY);
    kv.set(K.assetGrantKey(g.assetId, g.id), EMPTY);
  }

  /** The grants of one holder on one asset, oldest first. */
  async grantsOf(ctx: Context, holder: string, assetId: bigint): Promise<Grant[]> {
    const out: Grant[] = [];
    const prefix = K.holderAssetPrefix(parseAddress(holder), assetId);
    for await (const [k] of iteratePrefix(this.kv(ctx), prefix)) {
      const g = await this.grant(ctx, K.readU64(k, prefix.length));
      if (g) out.push(g);
    }
    return out;
  }

  // ---- escrows --------------------------------------------------------------------------------

  async escrow(ctx: Context, id: bigint): Promise<Escrow | undefined> {
    const raw = await this.kv(ctx).get(K.escrowKey(id));
    return raw ? EscrowCodec.decode(raw) : undefined;
  }

  /** Stores an escrow; `previous` (its status before this change) moves its status index entry. */
  setEscrow(ctx: Context, e: Escrow, previous?: EscrowStatus): void {
    const kv = this.kv(ctx);
    if (previous !== undefined && previous !== e.status) kv.delete(K.escrowStatusKey(previous, e.id));
    kv.set(K.escrowKey(e.id), encode(EscrowCodec, e));
    kv.set(K.escrowStatusKey(e.status, e.id), EMPTY);
  }

  async *escrowsWithStatus(ctx: Context, status: EscrowStatus): AsyncIterable<Escrow> {
    const prefix = K.escrowStatusPrefix(status);
    for await (const [k] of iteratePrefix(this.kv(ctx), prefix)) {
      const e = await this.escrow(ctx, K.readU64(k, prefix.length));
      if (e) yield e;
    }
  }

  // ---- reviews --------------------------------------------------------------------------------

  async review(ctx: Context, id: bigint): Promise<Review | undefined> {
    const raw = await this.kv(ctx).get(K.reviewKey(id));
    return raw ? ReviewCodec.decode(raw) : undefined;
  }

  setReview(ctx: Context, r: Review): void {
    const kv = this.kv(ctx);
    kv.set(K.reviewKey(r.id), encode(ReviewCodec, r));
    kv.set(K.assetReviewKey(r.assetId, r.id), EMPTY);
    kv.set(K.authorKey(parseAddress(r.reviewer), r.assetId), K.u64(r.id));
  }

  async *reviews(ctx: Context): AsyncIterable<Review> {
    for await (const [, v] of iteratePrefix(this.kv(ctx), K.reviewPrefix)) yield ReviewCodec.decode(v);
  }

  async reviewBy(ctx: Context, reviewer: string, assetId: bigint): Promise<bigint | undefined> {
    const raw = await this.kv(ctx).get(K.authorKey(parseAddress(reviewer), assetId));
    return raw ? K.readU64(raw, 0) : undefined;
  }

  async hasVoted(ctx: Context, reviewId: bigint, rater: string): Promise<boolean> {
    return (await this.kv(ctx).get(K.voteKey(reviewId, parseAddress(rater)))) !== undefined;
  }

  setVote(ctx: Context, reviewId: bigint, rater: string, helpful: boolean): void {
    this.kv(ctx).set(K.voteKey(reviewId, parseAddress(rater)), helpful ? ONE : Uint8Array.of(0));
  }

  async reviewer(ctx: Context, address: string): Promise<ReviewerStats> {
    const raw = await this.kv(ctx).get(K.reviewerKey(parseAddress(address)));
    return raw
      ? ReviewerStatsCodec.decode(raw)
      : { reviewer: address, reviews: 0, helpful: 0, unhelpful: 0, forfeited: 0, scorePpm: 0 };
  }

  setReviewer(ctx: Context, s: ReviewerStats): void {
    this.kv(ctx).set(K.reviewerKey(parseAddress(s.reviewer)), encode(ReviewerStatsCodec, s));
  }

  // ---- base rewards ---------------------------------------------------------------------------

  /** Adds to what a $Data asset's owners earned in a reward epoch. */
  async addEpochEarned(ctx: Context, epoch: bigint, dataId: bigint, value: bigint): Promise<void> {
    const kv = this.kv(ctx);
    const key = K.epochEarnedKey(epoch, dataId);
    const raw = await kv.get(key);
    kv.set(key, utf8(((raw ? BigInt(fromUtf8(raw)) : 0n) + value).toString()));
  }

  /** What each $Data asset earned in the epoch, in id order; the epoch's entries are removed. */
  async takeEpochEarned(ctx: Context, epoch: bigint): Promise<Array<{ dataId: bigint; earned: bigint }>> {
    const kv = this.kv(ctx);
    const prefix = K.epochEarnedPrefix(epoch);
    const out: Array<{ key: Uint8Array; dataId: bigint; earned: bigint }> = [];
    for await (const [k, v] of iteratePrefix(kv, prefix))
      out.push({ key: Uint8Array.from(k), dataId: K.readU64(k, prefix.length), earned: BigInt(fromUtf8(v)) });
    for (const e of out) kv.delete(e.key);
    return out.map(({ dataId, earned }) => ({ dataId, earned }));
  }

  // ---- wake-up queue --------------------------------------------------------------------------

  wakeAt(ctx: Context, height: bigint, kind: K.WakeKind, id: bigint): void {
    this.kv(ctx).set(K.wakeKey(height, kind, id), EMPTY);
  }

  unwake(ctx: Context, height: bigint, kind: K.WakeKind, id: bigint): void {
    this.kv(ctx).delete(K.wakeKey(height, kind, id));
  }

  /** What is due at or before `height`, by height, kind, id; the entries are removed. */
  async popDue(ctx: Context, height: bigint): Promise<Array<{ kind: K.WakeKind; id: bigint }>> {
    const kv = this.kv(ctx);
    const due: Array<{ key: Uint8Array; kind: K.WakeKind; id: bigint }> = [];
    for await (const [k] of kv.iterate(K.wakePrefix, K.wakeKey(height + 1n, 0 as K.WakeKind, 0n)))
      due.push({ key: Uint8Array.from(k), kind: k[K.WAKE_KIND_AT]!, id: K.readU64(k, K.WAKE_ID_AT) });
    for (const d of due) kv.delete(d.key);
    return due.map(({ kind, id }) => ({ kind, id }));
  }
}
