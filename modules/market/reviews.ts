import type { Context } from "../../chain/app/context.ts";
import { event } from "../../chain/app/events.ts";
import { checkCid, checkText } from "./checks.ts";
import { MarketCode, marketError } from "./errors.ts";
import { amount, type MarketKeeper } from "./keeper.ts";
import { WakeKind } from "./keys.ts";
import { PPM } from "./params.ts";
import type { MsgReview, Review, ReviewerStats } from "./proto.ts";

// Evaluations of assets by the people who used them (issue #7): a review needs a grant on the asset
// (a purchase) and a deposit; raters who also hold a grant mark it helpful or not, once each. At
// maturity the deposit returns if at least as many found it helpful as not, else it goes to the
// community pool: spam costs its author. The reviewer's standing follows the votes.

/** (helpful + 1) / (helpful + unhelpful + 2) in ppm: a new reviewer starts at one half. */
export const reviewerScorePpm = (helpful: number, unhelpful: number) =>
  Number((BigInt(helpful + 1) * PPM) / BigInt(helpful + unhelpful + 2));

/** Whether the address ever bought the asset (an expired grant still proves the use). */
async function hasUsed(ctx: Context, k: MarketKeeper, address: string, assetId: bigint): Promise<boolean> {
  return (await k.store.grantsOf(ctx, address, assetId)).length > 0;
}

export async function postReview(ctx: Context, k: MarketKeeper, m: MsgReview): Promise<bigint> {
  const p = await k.params(ctx);
  if (!Number.isInteger(m.rating) || m.rating < 1 || m.rating > 5)
    throw marketError(MarketCode.InvalidRating, `rating must be 1 to 5, got ${m.rating}`);
  checkCid(m.examplesCid, "examples cid", true);
  checkText(m.text, p, "review text");
  await k.assetOr404(ctx, m.assetId);
  const previous = await k.store.reviewBy(ctx, m.reviewer, m.assetId);
  if (previous !== undefined)
    throw marketError(
      MarketCode.DuplicateReview,
      `${m.reviewer} already reviewed asset ${m.assetId} (review ${previous})`,
    );
  if (!(await hasUsed(ctx, k, m.reviewer, m.assetId)))
    throw marketError(
      MarketCode.NoAccess,
      `${m.reviewer} never bought asset ${m.assetId}: only its users review it`,
    );
  await k.send(ctx, m.reviewer, k.moduleAddress, p.reviewDeposit);
  const h = ctx.block.height;
  const r: Review = {
    id: await k.store.takeId(ctx, "review"),
    assetId: m.assetId,
    reviewer: m.reviewer,
    rating: m.rating,
    examplesCid: m.examplesCid,
    text: m.text,
    deposit: p.reviewDeposit.toString(),
    height: h,
    matures: h + p.reviewLockBlocks,
    helpful: 0,
    unhelpful: 0,
    settled: false,
    forfeited: false,
  };
  k.store.setReview(ctx, r);
  k.store.wakeAt(ctx, r.matures, WakeKind.Review, r.id);
  const stats = await k.store.reviewer(ctx, m.reviewer);
  stats.reviews += 1;
  stats.scorePpm = reviewerScorePpm(stats.helpful, stats.unhelpful);
  k.store.setReviewer(ctx, stats);
  ctx.events.emit(
    event("market_review_posted", [
      ["review_id", r.id.toString()],
      ["asset_id", m.assetId.toString()],
      ["reviewer", m.reviewer],
      ["rating", m.rating.toString()],
      ["deposit", r.deposit],
    ]),
  );
  return r.id;
}

export async function rateReview(
  ctx: Context,
  k: MarketKeeper,
  rater: string,
  id: bigint,
  helpful: boolean,
): Promise<void> {
  const p = await k.params(ctx);
  const r = await k.reviewOr404(ctx, id);
  if (r.settled)
    throw marketError(MarketCode.ReviewNotFound, `review ${id} is settled and takes no more votes`);
  if (r.reviewer === rater)
    throw marketError(MarketCode.DuplicateVote, "a reviewer cannot rate its own review");
  if (await k.store.hasVoted(ctx, id, rater))
    throw marketError(MarketCode.DuplicateVote, `${rater} already rated review ${id}`);
  if (r.helpful + r.unhelpful >= p.maxReviewVotes)
    throw marketError(
      MarketCode.TooManyVotes,
      `review ${id} has the most votes a review takes (${p.maxReviewVotes})`,
    );
  if (!(await hasUsed(ctx, k, rater, r.assetId)))
    throw marketError(
      MarketCode.NoAccess,
      `${rater} never bought asset ${r.assetId}: only its users rate its reviews`,
    );
  k.store.setVote(ctx, id, rater, helpful);
  if (helpful) r.helpful += 1;
  else r.unhelpful += 1;
  k.store.setReview(ctx, r);
  ctx.events.emit(
    event("market_review_rated", [
      ["review_id", id.toString()],
      ["rater", rater],
      ["helpful", String(helpful)],
    ]),
  );
}

/** At maturity: the deposit returns or is forfeited, and the votes count in the reviewer's standing. */
export async function matureReview(ctx: Context, k: MarketKeeper, id: bigint): Promise<void> {
  const r = await k.store.review(ctx, id);
  if (!r || r.settled) return;
  const deposit = amount(r.deposit);
  r.settled = true;
  r.forfeited = r.unhelpful > r.helpful;
  if (r.forfeited) await k.toCommunityPool(ctx, k.moduleAddress, deposit);
  else await k.send(ctx, k.moduleAddress, r.reviewer, deposit);
  k.store.setReview(ctx, r);
  const s: ReviewerStats = await k.store.reviewer(ctx, r.reviewer);
  s.helpful += r.helpful;
  s.unhelpful += r.unhelpful;
  if (r.forfeited) s.forfeited += 1;
  s.scorePpm = reviewerScorePpm(s.helpful, s.unhelpful);
  k.store.setReviewer(ctx, s);
  ctx.events.emit(
    event("market_review_settled", [
      ["review_id", id.toString()],
      ["reviewer", r.reviewer],
      ["forfeited", String(r.forfeited)],
      ["helpful", r.helpful.toString()],
      ["unhelpful", r.unhelpful.toString()],
    ]),
  );
}
