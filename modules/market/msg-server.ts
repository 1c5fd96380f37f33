import type { MsgDef } from "../../chain/app/module.ts";
import { checkAccountAddress as address, msgDef as def } from "../../chain/app/msg-def.ts";
import {
  createPortfolio,
  delistAsset,
  listAsset,
  mintData,
  mintModel,
  transferAsset,
  updateDisclosure,
} from "./assets.ts";
import { checkAmount, checkCid } from "./checks.ts";
import { commitEscrowScore, openEscrow, revealEscrowScore, settleEscrow } from "./escrow.ts";
import { MarketCode, marketError } from "./errors.ts";
import type { MarketKeeper } from "./keeper.ts";
import {
  type Grant,
  MsgBuyAccess,
  MsgBuyAccessResponse,
  MsgCommitEscrowScore,
  MsgCommitEscrowScoreResponse,
  MsgCreatePortfolio,
  MsgCreatePortfolioResponse,
  MsgDelistAsset,
  MsgDelistAssetResponse,
  MsgListAsset,
  MsgListAssetResponse,
  MsgMintData,
  MsgMintDataResponse,
  MsgMintModel,
  MsgMintModelResponse,
  MsgOpenEscrow,
  MsgOpenEscrowResponse,
  MsgRateReview,
  MsgRateReviewResponse,
  MsgRevealEscrowScore,
  MsgRevealEscrowScoreResponse,
  MsgReview,
  MsgReviewResponse,
  MsgSettleEscrow,
  MsgSettleEscrowResponse,
  MsgTransferAsset,
  MsgTransferAssetResponse,
  MsgUpdateDisclosure,
  MsgUpdateDisclosureResponse,
  type Escrow,
} from "./proto.ts";
import { postReview, rateReview } from "./reviews.ts";
import { buyAccess } from "./sales.ts";

/** Most items a portfolio message may carry before any param is read: far above max_portfolio_items. */
const MAX_ITEMS = 10_000;
/** Most assets a model may name as its training data. */
const MAX_TRAINED_ON = 1_000;

const assetId = (id: bigint, what = "asset") => {
  if (id === 0n) throw marketError(MarketCode.AssetNotFound, `${what} id must be positive`);
};

/** The Msg service of cifer.market.v1. Stateless checks here; the rest (params, state) in the keeper's files. */
export function marketMsgs(k: MarketKeeper): MsgDef<never>[] {
  const asset = (id: bigint) => ({ assetId: id });
  return [
    def(
      MsgMintData,
      MsgMintDataResponse,
      (m) => m.owner,
      (m) => address(m.owner, "owner"),
      (ctx, m) => mintData(ctx, k, m),
      (id) => asset(id as bigint),
    ),
    def(
      MsgTransferAsset,
      MsgTransferAssetResponse,
      (m) => m.owner,
      (m) => {
        address(m.owner, "owner");
        address(m.recipient, "recipient");
        assetId(m.assetId);
      },
      (ctx, m) => transferAsset(ctx, k, m.owner, m.assetId, m.recipient),
    ),
    def(
      MsgUpdateDisclosure,
      MsgUpdateDisclosureResponse,
      (m) => m.owner,
      (m) => {
        address(m.owner, "owner");
        assetId(m.assetId);
      },
      (ctx, m) => updateDisclosure(ctx, k, m.owner, m.assetId, m.disclosure),
    ),
    def(
      MsgCreatePortfolio,
      MsgCreatePortfolioResponse,
      (m) => m.curator,
      (m) => {
        address(m.curator, "curator");
        if (m.items.length > MAX_ITEMS)
          throw marketError(MarketCode.InvalidPortfolio, `more than ${MAX_ITEMS} items`);
      },
      (ctx, m) => createPortfolio(ctx, k, m),
      (id) => asset(id as bigint),
    ),
    def(
      MsgMintModel,
      MsgMintModelResponse,
      (m) => m.owner,
      (m) => {
        address(m.owner, "owner");
        checkCid(m.modelCid, "model cid");
        if (m.trainedOn.length > MAX_TRAINED_ON)
          throw marketError(MarketCode.InvalidProvenance, `more than ${MAX_TRAINED_ON} training assets`);
      },
      (ctx, m) => mintModel(ctx, k, m),
      (id) => asset(id as bigint),
    ),
    def(
      MsgListAsset,
      MsgListAssetResponse,
      (m) => m.owner,
      (m) => {
        address(m.owner, "owner");
        assetId(m.assetId);
      },
      (ctx, m) => listAsset(ctx, k, m),
    ),
    def(
      MsgDelistAsset,
      MsgDelistAssetResponse,
      (m) => m.owner,
      (m) => {
        address(m.owner, "owner");
        assetId(m.assetId);
      },
      (ctx, m) => delistAsset(ctx, k, m.owner, m.assetId),
    ),
    def(
      MsgBuyAccess,
      MsgBuyAccessResponse,
      (m) => m.buyer,
      (m) => {
        address(m.buyer, "buyer");
        assetId(m.assetId);
        if (!m.maxPrice)
          throw marketError(MarketCode.InvalidPrice, "max price is required (the slippage guard)");
        checkAmount(m.maxPrice.amount, "max price");
      },
      async (ctx, m) => {
        const denom = await k.bondDenom(ctx);
        if (m.maxPrice!.denom !== denom)
          throw marketError(MarketCode.InvalidPrice, `max price must be in ${denom}`);
        return buyAccess(ctx, k, m.buyer, m.assetId, BigInt(m.maxPrice!.amount));
      },
      (g) => ({ grantId: (g as Grant).id, price: (g as Grant).price }),
    ),
    def(
      MsgOpenEscrow,
      MsgOpenEscrowResponse,
      (m) => m.buyer,
      (m) => {
        address(m.buyer, "buyer");
        assetId(m.assetId);
        if (!m.maxPrice) throw marketError(MarketCode.InvalidPrice, "max price is required");
        checkAmount(m.maxPrice.amount, "max price");
      },
      (ctx, m) => openEscrow(ctx, k, m),
      (id) => ({ escrowId: id as bigint }),
    ),
    def(
      MsgCommitEscrowScore,
      MsgCommitEscrowScoreResponse,
      (m) => m.validator,
      (m) => address(m.validator, "validator"),
      (ctx, m) => commitEscrowScore(ctx, k, m),
    ),
    def(
      MsgRevealEscrowScore,
      MsgRevealEscrowScoreResponse,
      (m) => m.validator,
      (m) => address(m.validator, "validator"),
      (ctx, m) => revealEscrowScore(ctx, k, m),
    ),
    def(
      MsgSettleEscrow,
      MsgSettleEscrowResponse,
      (m) => m.sender,
      (m) => address(m.sender, "sender"),
      (ctx, m) => settleEscrow(ctx, k, m.escrowId),
      (e) => ({ status: (e as Escrow).status, grantId: (e as Escrow).grantId }),
    ),
    def(
      MsgReview,
      MsgReviewResponse,
      (m) => m.reviewer,
      (m) => {
        address(m.reviewer, "reviewer");
        assetId(m.assetId);
      },
      (ctx, m) => postReview(ctx, k, m),
      (id) => ({ reviewId: id as bigint }),
    ),
    def(
      MsgRateReview,
      MsgRateReviewResponse,
      (m) => m.rater,
      (m) => address(m.rater, "rater"),
      (ctx, m) => rateReview(ctx, k, m.rater, m.reviewId, m.helpful),
    ),
  ] as MsgDef<never>[];
}
